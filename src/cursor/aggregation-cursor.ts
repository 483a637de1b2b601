import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { ExecutionContext } from '../execute/context.js';
import { type AggregateOptions, aggregateOperation, buildAggregateCommand } from '../operations/aggregate.js';
import type { Sort } from '../operations/sort.js';
import { sortDocument } from '../operations/sort.js';
import { readPreferenceOf } from '../read-preference.js';
import {
  AbstractCursor,
  type CursorDefinition,
  type CursorHooks,
  cursorSettings,
} from './abstract-cursor.js';

export type { AggregateOptions } from '../operations/aggregate.js';
export { buildAggregateCommand, isWritingPipeline } from '../operations/aggregate.js';

/** `collection.aggregate()` / `db.aggregate()` (collection 1): cold, each subscription runs it again. */
export class AggregationCursor<T = Document> extends AbstractCursor<T, AggregateOptions> {
  override map<U>(fn: (doc: T) => U): AggregationCursor<U> {
    return super.map(fn) as AggregationCursor<U>;
  }

  /** The pipeline this cursor runs. */
  get pipeline(): readonly Document[] {
    return (this.definition as AggregationDefinition).pipeline;
  }

  /** A cursor whose pipeline has `stage` appended (the original is unchanged). */
  addStage<U = T>(stage: Document): AggregationCursor<U> {
    const d = this.definition as AggregationDefinition;
    return this.rebuild<U>(
      aggregationDefinition(d.ctx, d.dbName, d.collection, [...d.pipeline, stage], d.options, d),
      undefined,
    ) as AggregationCursor<U>;
  }

  /** Appends a `$match` stage. */
  match(filter: Document): AggregationCursor<T> {
    return this.addStage<T>({ $match: filter });
  }
  /** Appends a `$group` stage; type its output with `U`. */
  group<U = Document>(group: Document): AggregationCursor<U> {
    return this.addStage<U>({ $group: group });
  }
  /** Appends a `$project` stage; type its output with `U`. */
  project<U = Document>(projection: Document): AggregationCursor<U> {
    return this.addStage<U>({ $project: projection });
  }
  /** Any official sort form (normalized on subscribe). */
  sort(sort: Sort): AggregationCursor<T> {
    return this.addStage<T>({ $sort: new LazySort(sort) });
  }
  /** Appends a `$limit` stage. */
  limit(limit: number): AggregationCursor<T> {
    return this.addStage<T>({ $limit: limit });
  }
  /** Appends a `$skip` stage. */
  skip(skip: number): AggregationCursor<T> {
    return this.addStage<T>({ $skip: skip });
  }
  /** Appends a `$lookup` stage (a join with another collection). */
  lookup(lookup: Document): AggregationCursor<T> {
    return this.addStage<T>({ $lookup: lookup });
  }
  /** Appends an `$unwind` stage (one document per array element). */
  unwind<U = Document>(field: string | Document): AggregationCursor<U> {
    return this.addStage<U>({ $unwind: field });
  }
  /** Appends a `$redact` stage. */
  redact(redact: Document): AggregationCursor<T> {
    return this.addStage<T>({ $redact: redact });
  }
  /** Appends a `$geoNear` stage (it must come first in the pipeline). */
  geoNear(geoNear: Document): AggregationCursor<T> {
    return this.addStage<T>({ $geoNear: geoNear });
  }
  /** `$out` to a collection (a name or `{ db, coll }`). */
  out(destination: string | { readonly db: string; readonly coll: string }): AggregationCursor<T> {
    return this.addStage<T>({ $out: destination });
  }
}

/** A `$sort` given in any official form, turned into the wire document when the pipeline is built. */
class LazySort {
  constructor(readonly sort: Sort) {}
}

/** The pipeline with builder `$sort` stages normalized; throws MongoInvalidArgumentError for bad ones. */
function buildPipeline(pipeline: readonly Document[]): Document[] {
  return pipeline.map((stage) =>
    stage.$sort instanceof LazySort ? { $sort: sortDocument(stage.$sort.sort) } : stage,
  );
}

interface AggregationDefinition extends CursorDefinition<AggregateOptions> {
  readonly collection: string | 1;
  readonly pipeline: readonly Document[];
}

function aggregationDefinition(
  ctx: ExecutionContext,
  db: string,
  collection: string | 1,
  pipeline: readonly Document[],
  options: AggregateOptions,
  hooks: CursorHooks<AggregateOptions>,
): AggregationDefinition {
  return {
    ctx,
    dbName: db,
    collection,
    pipeline,
    options,
    // Every hook (resolve, session, CSOT timeout): naming them one by one once lost the timeout.
    ...hooks,
    open: (o) => {
      if (!Array.isArray(pipeline)) throw new MongoInvalidArgumentError('pipeline must be an array');
      return aggregateOperation(db, collection, buildPipeline(pipeline), o);
    },
    settings: cursorSettings,
    explainable: (o) => ({
      command: buildAggregateCommand(collection, buildPipeline(pipeline), o),
      readPreference: readPreferenceOf(o.readPreference),
    }),
  };
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
  return new AggregationCursor<T>(aggregationDefinition(ctx, db, collection, pipeline, options, hooks));
}
