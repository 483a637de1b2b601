import type { Document } from 'bson';
import { defer, map, type Observable } from 'rxjs';
import { type AggregationCursor, aggregationCursor } from '../cursor/aggregation-cursor.js';
import { type CommandCursor, commandCursor } from '../cursor/command-cursor.js';
import { AGGREGATE_CONCERNS, type AggregateOptions } from '../operations/aggregate.js';
import {
  type CollectionInfo,
  type CreateCollectionOptions,
  createCollectionOperation,
  type DbStatsOptions,
  dbStatsOperation,
  dropDatabaseOperation,
  type ListCollectionsOptions,
  listCollectionsOperation,
} from '../operations/collections.js';
import { READ_CONCERNS, WRITE_CONCERNS } from '../operations/operation.js';
import { runCommandOperation, runCursorCommandOperation } from '../operations/run-command.js';
import type { DdlOptions } from '../operations/write-command.js';
import { type ReadPreferenceLike, readPreferenceOf } from '../read-preference.js';
import type { ClientContext } from './client-context.js';
import { Collection } from './collection.js';
import type { InheritableOptions } from './inherited-options.js';
import { validateCollectionName, validateDbName } from './names.js';
import { OptionsHolder } from './options-holder.js';
import type { CursorTimeoutOption, SessionOption } from './session-scope.js';

export interface RunCommandOptions {
  /** Reads may go to secondaries; without it the command goes to the primary (run-command spec). */
  readonly readPreference?: ReadPreferenceLike;
}

export interface RunCursorCommandOptions extends RunCommandOptions {
  /** Sent as getMore `batchSize` (the command's own batchSize governs the first batch). */
  readonly batchSize?: number;
  /** Sent as getMore `maxTimeMS` (run-command spec, "runCursorCommand"). */
  readonly maxTimeMS?: number;
  /** Sent as getMore `comment`. */
  readonly comment?: unknown;
}

/** A database handle. Every method returns a cold Observable (or a cold cursor). */
export class Db extends OptionsHolder {
  readonly databaseName: string;
  constructor(context: ClientContext, name: string, options?: InheritableOptions) {
    validateDbName(name);
    super(context, options);
    this.databaseName = name;
  }

  collection<TSchema extends Document = Document>(
    name: string,
    options?: InheritableOptions,
  ): Collection<TSchema> {
    return new Collection<TSchema>(this.context, this.databaseName, name, options);
  }

  /**
   * Runs a command as given and emits the server's reply (run-command spec): no inherited read
   * preference, read concern or write concern is added; it is never retried.
   */
  command(command: Document, options: RunCommandOptions & SessionOption = {}): Observable<Document> {
    return this.run(options, () =>
      runCommandOperation(this.databaseName, command, {
        readPreference: readPreferenceOf(options.readPreference),
      }),
    );
  }

  /**
   * Runs a command whose reply is a cursor (find, aggregate, checkMetadataConsistency, ...) as
   * given and iterates it with getMore; the options apply to the getMores only (run-command spec).
   */
  runCursorCommand<T extends Document = Document>(
    command: Document,
    options: RunCursorCommandOptions & SessionOption = {},
  ): CommandCursor<T> {
    return commandCursor<T>(
      this.context.execution(),
      this.databaseName,
      () =>
        runCursorCommandOperation(this.databaseName, command, {
          readPreference: readPreferenceOf(options.readPreference),
        }),
      { batchSize: options.batchSize, maxAwaitTimeMS: options.maxTimeMS, comment: options.comment },
      this.sessionHook(options),
    );
  }

  /** Creates a collection (or a view, with `viewOn`); emits its handle. */
  createCollection<TSchema extends Document = Document>(
    name: string,
    options: CreateCollectionOptions & SessionOption = {},
  ): Observable<Collection<TSchema>> {
    return this.run(options, () => {
      validateCollectionName(name);
      return createCollectionOperation(this.databaseName, name, this.resolve(options, WRITE_CONCERNS));
    }).pipe(map(() => this.collection<TSchema>(name)));
  }

  /** Emits `{name, type, options, info, idIndex}` per collection; `nameOnly` for names and types only. */
  listCollections<T extends Document = CollectionInfo>(
    filter: Document = {},
    options: ListCollectionsOptions & SessionOption = {},
  ): CommandCursor<T> {
    return commandCursor<T>(
      this.context.execution(),
      this.databaseName,
      () =>
        listCollectionsOperation<Document>(this.databaseName, filter, this.resolve(options, READ_CONCERNS)),
      { batchSize: options.batchSize, comment: options.comment },
      this.sessionHook(options),
    );
  }

  /** Emits false when the collection did not exist. */
  dropCollection(name: string, options: DdlOptions & SessionOption = {}): Observable<boolean> {
    return defer(() => this.collection(name).drop(options));
  }

  dropDatabase(options: DdlOptions & SessionOption = {}): Observable<boolean> {
    return this.run(options, () =>
      dropDatabaseOperation(this.databaseName, this.resolve(options, WRITE_CONCERNS)),
    );
  }

  /** A database-level pipeline (`aggregate: 1`), e.g. starting with `$documents` or `$currentOp`. */
  aggregate<T extends Document = Document>(
    pipeline: Document[] = [],
    options: AggregateOptions & CursorTimeoutOption = {},
  ): AggregationCursor<T> {
    return aggregationCursor<T>(
      this.context.execution(),
      this.databaseName,
      1,
      pipeline,
      options,
      this.cursorHooks(AGGREGATE_CONCERNS, pipeline),
    );
  }

  /** `dbStats`. */
  stats(options: DbStatsOptions & SessionOption = {}): Observable<Document> {
    return this.run(options, () => dbStatsOperation(this.databaseName, this.resolve(options, READ_CONCERNS)));
  }
}
