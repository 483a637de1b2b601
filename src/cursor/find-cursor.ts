import type { Document, Timestamp } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { ExecutionContext } from '../execute/context.js';
import { executeOperation } from '../execute/execute-operation.js';
import type { ScopeSession } from '../execute/scope.js';
import type { AggregateOptions } from '../operations/aggregate.js';
import { countOperation } from '../operations/count.js';
import {
  buildFindCommand,
  type FindOptions,
  findOperation,
  validateFindOptions,
} from '../operations/find.js';
import { REUSABLE_REPLIES } from '../operations/operation.js';
import type { Sort, SortDirection } from '../operations/sort.js';
import { type ReadPreferenceLike, readPreferenceOf } from '../read-preference.js';
import { defer, type Observable } from '../rx.js';
import { AbstractCursor, type CursorDefinition, type CursorHooks } from './abstract-cursor.js';
import { ChangeStream, type WatchOptions } from './change-stream.js';
import { type LiveQueryOptions, liveQuery, snapshot } from './live-query.js';

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
  /** `db.collection` the cursor reads. */
  get namespace(): string {
    const d = this.definition as FindDefinition;
    return `${d.dbName}.${d.collection}`;
  }

  override map<U>(fn: (doc: T) => U): FindCursor<U> {
    return super.map(fn) as FindCursor<U>;
  }

  /** A cursor that delivers at most `limit` documents (exact: the last getMore asks for the rest only). */
  limit(limit: number): FindCursor<T> {
    return this.withOptions({ limit });
  }

  /** A cursor that skips the first `skip` matching documents. */
  skip(skip: number): FindCursor<T> {
    return this.withOptions({ skip });
  }

  /** A cursor with a projection (`{ a: 1 }` keeps, `{ a: 0 }` drops fields); type the result with `U`. */
  project<U extends Document = Document>(projection: Document): FindCursor<U> {
    return this.withOptions({ projection }) as unknown as FindCursor<U>;
  }

  /** Any official sort form; a key or key list with `direction`. */
  sort(sort: Sort, direction?: SortDirection): FindCursor<T> {
    return this.withOptions({ sort: withDirection(sort, direction) });
  }

  /** A cursor that uses the index named, or given by its key pattern. */
  hint(hint: Document | string): FindCursor<T> {
    return this.withOptions({ hint });
  }
  /** A cursor whose find the server stops after `maxTimeMS` of processing (MaxTimeMSExpired). */
  maxTimeMS(maxTimeMS: number): FindCursor<T> {
    return this.withOptions({ maxTimeMS });
  }
  /** Tailable awaitData cursors: how long each getMore waits on the server for new documents. */
  maxAwaitTimeMS(maxAwaitTimeMS: number): FindCursor<T> {
    return this.withOptions({ maxAwaitTimeMS });
  }
  /** A cursor whose commands carry `comment` (seen in the profiler, logs and currentOp). */
  comment(comment: unknown): FindCursor<T> {
    return this.withOptions({ comment });
  }
  /** A cursor that compares strings with `collation` (locale, strength, ...). */
  collation(collation: Document): FindCursor<T> {
    return this.withOptions({ collation });
  }
  /** A cursor that starts at this index key (inclusive; needs `hint`). */
  min(min: Document): FindCursor<T> {
    return this.withOptions({ min });
  }
  /** A cursor that stops before this index key (exclusive; needs `hint`). */
  max(max: Document): FindCursor<T> {
    return this.withOptions({ max });
  }
  /** A cursor that returns only the index keys of the documents. */
  returnKey(returnKey: boolean): FindCursor<T> {
    return this.withOptions({ returnKey });
  }
  /** A cursor whose documents carry their `$recordId`. */
  showRecordId(showRecordId: boolean): FindCursor<T> {
    return this.withOptions({ showRecordId });
  }
  /** A cursor whose blocking sort may spill to disk (MongoDB 4.4+). */
  allowDiskUse(allowDiskUse = true): FindCursor<T> {
    return this.withOptions({ allowDiskUse });
  }
  /** The official cursor flags: tailable, awaitData, noCursorTimeout, partial (allowPartialResults). */
  addCursorFlag(flag: CursorFlag, value: boolean): FindCursor<T> {
    const key = flag === 'partial' ? 'allowPartialResults' : flag;
    if (!CURSOR_FLAGS.includes(flag)) {
      return this.withOptions({ [INVALID_FLAG]: flag } as Partial<FindOptions>);
    }
    return this.withOptions({ [key]: value } as Partial<FindOptions>);
  }
  /** A cursor that selects its server with this read preference. */
  withReadPreference(readPreference: ReadPreferenceLike): FindCursor<T> {
    return this.withOptions({ readPreference });
  }
  /** A cursor that reads with this read concern (`{ level: 'majority' }`, ...). */
  withReadConcern(readConcern: Document): FindCursor<T> {
    return this.withOptions({ readConcern });
  }

  /** `count` of what this query matches (skip and limit applied, as the official cursor's count). */
  count(): Observable<number> {
    const d = this.definition as FindDefinition;
    return defer(() => {
      const o = d.resolve ? d.resolve(d.options) : d.options;
      return executeOperation(
        d.ctx,
        countOperation(d.dbName, d.collection, d.filter, {
          skip: o.skip,
          limit: o.limit,
          hint: o.hint,
          maxTimeMS: o.maxTimeMS,
          collation: o.collation,
          comment: o.comment,
          readPreference: o.readPreference,
          readConcern: o.readConcern,
        }),
      );
    });
  }

  /**
   * A live query: emits the current result (sort, skip, limit and projection applied), then a new
   * result after each burst of changes to the collection. Costs one change stream per live query
   * and one re-read per change burst (docs/live-queries.md). Needs a replica set or sharded cluster.
   */
  live(options: LiveQueryOptions = {}): Observable<T[]> {
    const d = this.definition as FindDefinition;
    const spec = this.spec;
    const hooks = {
      resolve: d.resolve as ((o: AggregateOptions) => AggregateOptions) | undefined,
      session: d.session as ((o: AggregateOptions) => ScopeSession | undefined) | undefined,
    };
    const watch = (startAtOperationTime: Timestamp | undefined) =>
      new ChangeStream({
        ctx: d.ctx,
        dbName: d.dbName,
        collection: d.collection,
        // Only the kind and the time of a change matter: the events carry nothing else.
        pipeline: [{ $project: { operationType: 1, clusterTime: 1 } }],
        options: {
          startAtOperationTime,
          readPreference: d.options.readPreference,
          readConcern: d.options.readConcern,
          session: (d.options as { session?: unknown }).session,
        } as WatchOptions,
        hooks,
        allChangesForCluster: false,
      }) as Observable<Document>;
    return liveQuery(() => snapshot(spec), watch, options, d.ctx.scheduler);
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
      const flag = (o as { [INVALID_FLAG]?: unknown })[INVALID_FLAG];
      if (flag !== undefined) throw new MongoInvalidArgumentError(`unknown cursor flag ${String(flag)}`);
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
        reusesReplies: o[REUSABLE_REPLIES] === true,
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

/** The official cursor flags. */
const CURSOR_FLAGS = ['tailable', 'awaitData', 'noCursorTimeout', 'partial', 'oplogReplay'] as const;
export type CursorFlag = (typeof CURSOR_FLAGS)[number];
/** Carries a bad flag to subscribe time, where it errors the cursor (never the builder call). */
const INVALID_FLAG = Symbol('invalidCursorFlag');

/** `sort('n', -1)` and `sort(['a', 'b'], 'desc')`: the direction goes with each key. */
function withDirection(sort: Sort, direction: SortDirection | undefined): Sort {
  if (direction === undefined) return sort;
  if (typeof sort === 'string') return [[sort, direction]];
  if (Array.isArray(sort) && sort.every((k) => typeof k === 'string')) {
    return (sort as string[]).map((k) => [k, direction] as [string, SortDirection]);
  }
  return sort;
}
