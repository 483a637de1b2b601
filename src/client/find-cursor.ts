import type { Document } from 'bson';
import { AbstractCursor } from '../cursor/abstract-cursor.js';
import type { ExecutionContext } from '../execute.js';
import { type FindOptions, findOperation } from '../operations/find.js';

/** The cursor `collection.find()` returns: cold, each subscription runs the query again. */
export class FindCursor<T = Document> extends AbstractCursor<T> {
  constructor(ctx: ExecutionContext, db: string, collection: string, filter: Document, options: FindOptions) {
    super({
      ctx,
      open: () => findOperation<T>(db, collection, filter, options),
      getMore: {
        batchSize: options.batchSize,
        maxAwaitTimeMS: options.maxAwaitTimeMS,
        comment: options.comment,
      },
    });
  }
}
