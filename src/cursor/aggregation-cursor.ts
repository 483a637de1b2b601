import type { Document } from 'bson';
import type { Observable } from 'rxjs';
import { MongoInvalidArgumentError } from '../errors.js';
import type { ExecutionContext } from '../execute.js';
import { type CursorReply, parseCursorReply } from '../operations/cursor-commands.js';
import type { CommandOperation } from '../operations/operation.js';
import { AbstractCursor, type CursorOptions, type CursorSpec, composeTransform } from './abstract-cursor.js';
import { explainCommand } from './explain.js';

/** Options of `aggregate` (crud spec "Aggregate"). */
export interface AggregateOptions extends CursorOptions {
  readonly allowDiskUse?: boolean;
  readonly bypassDocumentValidation?: boolean;
  readonly collation?: Document;
  readonly hint?: Document | string;
  readonly let?: Document;
  readonly maxTimeMS?: number;
  readonly readConcern?: Document;
  readonly readPreference?: unknown;
  readonly writeConcern?: Document;
}

const PASS_THROUGH = [
  'allowDiskUse',
  'bypassDocumentValidation',
  'collation',
  'hint',
  'let',
  'maxTimeMS',
  'comment',
  'readConcern',
] as const;

/** True when the pipeline writes its result ($out / $merge as last stage). */
export function isWritingPipeline(pipeline: readonly Document[]): boolean {
  const last = pipeline[pipeline.length - 1];
  return last !== undefined && ('$out' in last || '$merge' in last);
}

/**
 * Builds `aggregate` (crud spec): `cursor.batchSize` is omitted for $out/$merge pipelines, whose
 * result is written, not returned; `writeConcern` goes only with those.
 */
export function buildAggregateCommand(
  collection: string | 1,
  pipeline: readonly Document[],
  options: AggregateOptions,
): Document {
  const writing = isWritingPipeline(pipeline);
  const cursor: Document = {};
  if (!writing && options.batchSize !== undefined && options.batchSize > 0)
    cursor.batchSize = options.batchSize;
  const command: Document = { aggregate: collection, pipeline, cursor };
  for (const key of PASS_THROUGH) if (options[key] !== undefined) command[key] = options[key];
  if (writing && options.writeConcern) command.writeConcern = options.writeConcern;
  return command;
}

export function aggregateOperation(
  db: string,
  collection: string | 1,
  pipeline: readonly Document[],
  options: AggregateOptions,
): CommandOperation<CursorReply<Document>> {
  const writing = isWritingPipeline(pipeline);
  return {
    commandName: 'aggregate',
    dbName: db,
    kind: writing ? 'write' : 'read',
    retryable: writing ? false : 'read',
    readPreference: writing ? undefined : options.readPreference,
    build: () => ({ command: buildAggregateCommand(collection, pipeline, options) }),
    parse: (reply) => parseCursorReply<Document>(reply),
  };
}

/** `collection.aggregate()` / `db.aggregate()` (collection 1): cold, each subscription runs it again. */
export class AggregationCursor<T = Document> extends AbstractCursor<T> {
  private readonly args: AggregateArgs;

  constructor(
    ctx: ExecutionContext,
    db: string,
    collection: string | 1,
    pipeline: readonly Document[],
    options: AggregateOptions = {},
  ) {
    if (!Array.isArray(pipeline)) throw new MongoInvalidArgumentError('pipeline must be an array');
    super(aggregateSpec<T>({ ctx, db, collection, pipeline, options }));
    this.args = { ctx, db, collection, pipeline, options };
  }

  override map<U>(fn: (doc: T) => U): AggregationCursor<U> {
    return this.clone(composeTransform(this.spec, fn), this.args);
  }

  /** The same aggregation with another batch size. */
  batchSize(batchSize: number): AggregationCursor<T> {
    return this.withOptions({ batchSize });
  }

  /** The same aggregation with more options (e.g. `{ prefetch: true }`). */
  withOptions(patch: AggregateOptions): AggregationCursor<T> {
    const args = { ...this.args, options: { ...this.args.options, ...patch } };
    return this.clone({ ...aggregateSpec<T>(args), transform: this.spec.transform }, args);
  }

  /** Runs the pipeline under `explain` and emits the server's plan. */
  explain(verbosity: string | boolean = true): Observable<Document> {
    const { ctx, db, collection, pipeline, options } = this.args;
    const command = () => buildAggregateCommand(collection, pipeline, options);
    return explainCommand(ctx, db, command, verbosity, options.readPreference);
  }

  private clone<U>(spec: CursorSpec<U>, args: AggregateArgs): AggregationCursor<U> {
    const cursor = new AggregationCursor<U>(args.ctx, args.db, args.collection, args.pipeline, args.options);
    cursor.spec = spec;
    return cursor;
  }
}

interface AggregateArgs {
  readonly ctx: ExecutionContext;
  readonly db: string;
  readonly collection: string | 1;
  readonly pipeline: readonly Document[];
  readonly options: AggregateOptions;
}

function aggregateSpec<T>(args: AggregateArgs): CursorSpec<T> {
  const { ctx, db, collection, pipeline, options } = args;
  return {
    ctx,
    open: () => aggregateOperation(db, collection, pipeline, options),
    batchSize: options.batchSize,
    maxAwaitTimeMS: options.maxAwaitTimeMS,
    comment: options.comment,
    prefetch: options.prefetch,
  };
}
