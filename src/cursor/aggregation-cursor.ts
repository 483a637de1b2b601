import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { ExecutionContext } from '../execute/context.js';
import { type AggregateOptions, aggregateOperation, buildAggregateCommand } from '../operations/aggregate.js';
import { readPreferenceOf } from '../read-preference.js';
import { AbstractCursor, type CursorHooks, cursorSettings } from './abstract-cursor.js';

export type { AggregateOptions } from '../operations/aggregate.js';
export { buildAggregateCommand, isWritingPipeline } from '../operations/aggregate.js';

/** `collection.aggregate()` / `db.aggregate()` (collection 1): cold, each subscription runs it again. */
export class AggregationCursor<T = Document> extends AbstractCursor<T, AggregateOptions> {
  override map<U>(fn: (doc: T) => U): AggregationCursor<U> {
    return super.map(fn) as AggregationCursor<U>;
  }
}

/** An aggregation cursor; a pipeline that is not an array errors the cursor on subscribe. */
export function aggregationCursor<T = Document>(
  ctx: ExecutionContext,
  db: string,
  collection: string | 1,
  pipeline: readonly Document[],
  options: AggregateOptions = {},
  hooks: CursorHooks<AggregateOptions> = {},
): AggregationCursor<T> {
  return new AggregationCursor<T>({
    ctx,
    dbName: db,
    options,
    ...hooks,
    open: (o) => {
      if (!Array.isArray(pipeline)) throw new MongoInvalidArgumentError('pipeline must be an array');
      return aggregateOperation(db, collection, pipeline, o);
    },
    settings: cursorSettings,
    explainable: (o) => ({
      command: buildAggregateCommand(collection, pipeline, o),
      readPreference: readPreferenceOf(o.readPreference),
    }),
  });
}
