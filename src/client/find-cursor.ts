import type { Document } from 'bson';
import type { Observable } from 'rxjs';
import { AbstractCursor, type CursorSpec, composeTransform } from '../cursor/abstract-cursor.js';
import { explainCommand } from '../cursor/explain.js';
import type { ExecutionContext } from '../execute.js';
import {
  buildFindCommand,
  type FindOptions,
  findOperation,
  validateFindOptions,
} from '../operations/find.js';

/**
 * The cursor `collection.find()` returns: cold, each subscription runs the query again. The
 * builders (`sort`, `limit`, ...) return a new cursor and leave this one unchanged.
 */
export class FindCursor<T = Document> extends AbstractCursor<T> {
  private readonly args: FindArgs;

  constructor(ctx: ExecutionContext, db: string, collection: string, filter: Document, options: FindOptions) {
    super(findSpec<T>({ ctx, db, collection, filter, options }));
    this.args = { ctx, db, collection, filter, options };
  }

  get namespace(): string {
    return `${this.args.db}.${this.args.collection}`;
  }

  /** The find options this cursor runs with. */
  get options(): FindOptions {
    return this.args.options;
  }

  override map<U>(fn: (doc: T) => U): FindCursor<U> {
    return this.clone(composeTransform(this.spec, fn), this.args);
  }

  sort(sort: Document): FindCursor<T> {
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

  batchSize(batchSize: number): FindCursor<T> {
    return this.withOptions({ batchSize });
  }

  filter(filter: Document): FindCursor<T> {
    const args = { ...this.args, filter };
    return this.clone({ ...findSpec<T>(args), transform: this.spec.transform }, args);
  }

  /** The same query with more options (e.g. `{ prefetch: true }`, `hint`, `maxTimeMS`). */
  withOptions(patch: FindOptions): FindCursor<T> {
    const options = { ...this.args.options, ...patch };
    validateFindOptions(options);
    const args = { ...this.args, options };
    return this.clone({ ...findSpec<T>(args), transform: this.spec.transform }, args);
  }

  /** Runs the query under `explain` and emits the server's plan. */
  explain(verbosity: string | boolean = true): Observable<Document> {
    const { ctx, db, collection, filter, options } = this.args;
    const command = () => buildFindCommand(collection, filter, options);
    return explainCommand(ctx, db, command, verbosity, options.readPreference);
  }

  private clone<U>(spec: CursorSpec<U>, args: FindArgs): FindCursor<U> {
    const cursor = new FindCursor<U>(args.ctx, args.db, args.collection, args.filter, args.options);
    cursor.spec = spec;
    return cursor;
  }
}

interface FindArgs {
  readonly ctx: ExecutionContext;
  readonly db: string;
  readonly collection: string;
  readonly filter: Document;
  readonly options: FindOptions;
}

function findSpec<T>(args: FindArgs): CursorSpec<T> {
  const { ctx, db, collection, filter, options } = args;
  const limit = options.limit ?? 0;
  return {
    ctx,
    open: () => findOperation<Document>(db, collection, filter, options),
    batchSize: options.batchSize !== undefined ? Math.abs(options.batchSize) : undefined,
    limit: limit > 0 ? limit : undefined,
    singleBatch: limit < 0 || (options.batchSize ?? 0) < 0 || options.singleBatch === true,
    // maxTimeMS goes on getMore only for tailable awaitData cursors (find spec, "Semantics of maxTimeMS").
    maxAwaitTimeMS: options.tailable && options.awaitData ? options.maxAwaitTimeMS : undefined,
    comment: options.comment,
    prefetch: options.prefetch,
  };
}
