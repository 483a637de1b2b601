import type { Document } from 'bson';
import type { ExecutionContext } from '../execute/context.js';
import {
  buildFindCommand,
  type FindOptions,
  findOperation,
  validateFindOptions,
} from '../operations/find.js';
import { readPreferenceOf } from '../read-preference.js';
import { AbstractCursor, type CursorDefinition, type CursorHooks } from './abstract-cursor.js';

/** A find cursor's definition carries its collection and filter beside the options. */
interface FindDefinition extends CursorDefinition<FindOptions> {
  readonly collection: string;
  readonly filter: Document;
}

/**
 * The cursor `collection.find()` returns: cold, each subscription runs the query again. The
 * builders (`sort`, `limit`, ...) return a new cursor and leave this one unchanged; bad options
 * error the cursor on subscribe.
 */
export class FindCursor<T = Document> extends AbstractCursor<T, FindOptions> {
  get namespace(): string {
    const d = this.definition as FindDefinition;
    return `${d.dbName}.${d.collection}`;
  }

  override map<U>(fn: (doc: T) => U): FindCursor<U> {
    return super.map(fn) as FindCursor<U>;
  }

  sort(sort: FindOptions['sort']): FindCursor<T> {
    return this.withOptions({ sort });
  }

  limit(limit: number): FindCursor<T> {
    return this.withOptions({ limit });
  }

  skip(skip: number): FindCursor<T> {
    return this.withOptions({ skip });
  }

  project<U extends Document = Document>(projection: Document): FindCursor<U> {
    return this.withOptions({ projection }) as unknown as FindCursor<U>;
  }

  /** The same query with another filter. */
  filter(filter: Document): FindCursor<T> {
    const d = this.definition as FindDefinition;
    return this.rebuild<T>(
      findDefinition(d.ctx, d.dbName, d.collection, filter, d.options, d),
      this.transform,
    ) as FindCursor<T>;
  }
}

function findDefinition(
  ctx: ExecutionContext,
  db: string,
  collection: string,
  filter: Document,
  options: FindOptions,
  hooks: CursorHooks<FindOptions>,
): FindDefinition {
  return {
    ctx,
    dbName: db,
    collection,
    filter,
    options,
    ...hooks,
    open: (o) => {
      validateFindOptions(o, filter);
      return findOperation<Document>(db, collection, filter, o);
    },
    settings: (o) => {
      const limit = o.limit ?? 0;
      return {
        batchSize: o.batchSize !== undefined ? Math.abs(o.batchSize) : undefined,
        limit: limit > 0 ? limit : undefined,
        singleBatch: limit < 0 || (o.batchSize ?? 0) < 0 || o.singleBatch === true,
        // maxTimeMS goes on getMore only for tailable awaitData cursors (find spec, "Semantics of maxTimeMS").
        maxAwaitTimeMS: o.tailable && o.awaitData ? o.maxAwaitTimeMS : undefined,
        comment: o.comment,
        prefetch: o.prefetch,
      };
    },
    explainable: (o) => ({
      command: buildFindCommand(collection, filter, o),
      readPreference: readPreferenceOf(o.readPreference),
    }),
  };
}

/** A find cursor over `db.collection` (validation of the options happens on subscribe). */
export function findCursor<T = Document>(
  ctx: ExecutionContext,
  db: string,
  collection: string,
  filter: Document,
  options: FindOptions = {},
  hooks: CursorHooks<FindOptions> = {},
): FindCursor<T> {
  return new FindCursor<T>(findDefinition(ctx, db, collection, filter, options, hooks));
}
