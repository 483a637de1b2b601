import type { Document } from 'bson';
import { type AggregationCursor, aggregationCursor } from '../cursor/aggregation-cursor.js';
import type { ChangeStream, WatchOptions } from '../cursor/change-stream.js';
import type { ChangeStreamDocument } from '../cursor/change-stream-events.js';
import { type CommandCursor, commandCursor } from '../cursor/command-cursor.js';
import { MongoInvalidArgumentError, MongoUnexpectedServerResponseError } from '../errors.js';
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
  type RenameOptions,
} from '../operations/collections.js';
import type { CreateIndexesOptions, IndexSpecification } from '../operations/indexes.js';
import { listDatabasesOperation } from '../operations/list-databases.js';
import { READ_CONCERNS, WRITE_CONCERNS } from '../operations/operation.js';
import { runCommandOperation, runCursorCommandOperation } from '../operations/run-command.js';
import type { DdlOptions } from '../operations/write-command.js';
import { type ReadPreferenceLike, readPreferenceOf } from '../read-preference.js';
import { defer, filter, map, type Observable, toArray } from '../rx.js';
import { Admin } from './admin.js';
import type { ClientContext } from './client-context.js';
import { Collection, type IndexInformationOptions } from './collection.js';
import type { InheritableOptions } from './inherited-options.js';
import { validateCollectionName, validateDbName } from './names.js';
import { assertOptions, OptionsHolder } from './options-holder.js';
import type { CursorTimeoutOption, SessionOption } from './session-scope.js';

/** Options of `db.command()`. */
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
  static {
    // Development warning for operation Observables never subscribed (see unsubscribed-warning.ts).
    OptionsHolder.watchUnsubscribed(Db.prototype, 'Db');
  }
  /** The database's name. */
  readonly databaseName: string;
  private readonly ownOptions: InheritableOptions | undefined;
  constructor(context: ClientContext, name: string, options?: InheritableOptions) {
    validateDbName(name);
    super(context, options);
    this.databaseName = name;
    this.ownOptions = options;
  }

  /**
   * A handle on the collection `name` (nothing is sent: collections are created by their first write or
   * by createCollection). Options given here override the db's.
   */
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
      { batchSize: options?.batchSize, maxAwaitTimeMS: options?.maxTimeMS, comment: options?.comment },
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
      { batchSize: options?.batchSize, comment: options?.comment },
      this.sessionHook(options),
    );
  }

  /** Emits false when the collection did not exist. */
  dropCollection(name: string, options: DdlOptions & SessionOption = {}): Observable<boolean> {
    return defer(() => this.collection(name).drop(options));
  }

  /** Drops this database; emits true once done. */
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

  /**
   * A change stream on every collection of this database (system collections excluded); see
   * Collection.watch.
   */
  watch<TSchema extends Document = Document, TChange extends Document = ChangeStreamDocument<TSchema>>(
    pipeline: Document[] = [],
    options: WatchOptions & SessionOption = {},
  ): ChangeStream<TSchema, TChange> {
    return this.changeStream<TSchema, TChange>(this.databaseName, 1, pipeline, options);
  }

  /** `dbStats`. */
  stats(options: DbStatsOptions & SessionOption = {}): Observable<Document> {
    return this.run(options, () => dbStatsOperation(this.databaseName, this.resolve(options, READ_CONCERNS)));
  }

  // --- the official driver's everyday surface -----------------------------------------------

  /** `${databaseName}` (the official getter). */
  get namespace(): string {
    return this.databaseName;
  }

  /** The options this handle was created with. */
  get options(): InheritableOptions | undefined {
    return this.ownOptions;
  }

  /** Commands on the `admin` database (ping, serverStatus, buildInfo, listDatabases, ...). */
  admin(): Admin {
    const admin = new Db(this.context, 'admin');
    return new Admin(admin, (options) =>
      admin.run(options as SessionOption, () => {
        assertOptions(options);
        return listDatabasesOperation(options);
      }),
    );
  }

  /** Handles of every collection of the database (views included, system collections not). */
  collections(options: ListCollectionsOptions & SessionOption = {}): Observable<Collection[]> {
    return defer(() =>
      this.listCollections<CollectionInfo>({}, { ...options, nameOnly: true }).pipe(
        filter((info) => !info.name.startsWith('system.')),
        map((info) => this.collection(info.name)),
        toArray(),
      ),
    );
  }

  /** The official three-argument createIndex: one index on the named collection; emits its name. */
  createIndex(
    name: string,
    key: IndexSpecification,
    options: CreateIndexesOptions & SessionOption = {},
  ): Observable<string> {
    return defer(() => this.collection(name).createIndex(key, options));
  }

  /** `{ indexName: [[key, direction], ...] }` of the named collection (the full descriptions with `full`). */
  indexInformation(
    name: string,
    options: IndexInformationOptions & SessionOption = {},
  ): Observable<Document> {
    return defer(() => this.collection(name).indexInformation(options));
  }

  /** Renames a collection of this database; emits the renamed collection's handle. */
  renameCollection<TSchema extends Document = Document>(
    fromCollection: string,
    toCollection: string,
    options: RenameOptions & SessionOption = {},
  ): Observable<Collection<TSchema>> {
    return defer(() => this.collection<TSchema>(fromCollection).rename(toCollection, options));
  }

  /** The profiler's level (`profile: -1`): 'off', 'slow_only' or 'all'. */
  profilingLevel(options: SessionOption = {}): Observable<ProfilingLevel> {
    return this.command({ profile: -1 }, options).pipe(
      map((reply) => {
        const level = PROFILING_LEVELS[Number(reply.was)];
        if (!level)
          throw new MongoUnexpectedServerResponseError(`unknown profiling level ${String(reply.was)}`);
        return level;
      }),
    );
  }

  /** Sets the profiler's level; emits it. */
  setProfilingLevel(level: ProfilingLevel, options: SessionOption = {}): Observable<ProfilingLevel> {
    return defer(() => {
      const n = PROFILING_LEVELS.indexOf(level);
      if (n < 0)
        throw new MongoInvalidArgumentError(`profiling level must be one of ${PROFILING_LEVELS.join(', ')}`);
      return this.command({ profile: n }, options).pipe(map(() => level));
    });
  }

  /** `dropUser` (the official removeUser); emits true. */
  removeUser(username: string, options: SessionOption = {}): Observable<boolean> {
    return defer(() => {
      if (typeof username !== 'string' || username.length === 0) {
        throw new MongoInvalidArgumentError('username must be a non-empty string');
      }
      return this.command({ dropUser: username }, options).pipe(map(() => true));
    });
  }
}

/** The profiler's levels, by their `profile` number. */
const PROFILING_LEVELS = ['off', 'slow_only', 'all'] as const;
export type ProfilingLevel = (typeof PROFILING_LEVELS)[number];
