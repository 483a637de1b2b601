import type { Document } from 'bson';
import { type AggregationCursor, aggregationCursor } from '../cursor/aggregation-cursor.js';
import type { ChangeStream, WatchOptions } from '../cursor/change-stream.js';
import type { ChangeStreamDocument } from '../cursor/change-stream-events.js';
import { type CommandCursor, commandCursor } from '../cursor/command-cursor.js';
import { type FindCursor, findCursor } from '../cursor/find-cursor.js';
import { MongoAPIError, MongoInvalidArgumentError, MongoServerError } from '../errors.js';
import { executeOperation } from '../execute/execute-operation.js';
import { UNOBSERVED_COMMANDS } from '../gridfs/types.js';
import { AGGREGATE_CONCERNS, type AggregateOptions } from '../operations/aggregate.js';
import type { AnyBulkWriteOperation, BulkWriteOptions, BulkWriteResult } from '../operations/bulk-write.js';
import { bulkWrite, insertMany } from '../operations/bulk-write-run.js';
import {
  type CollectionInfo,
  dropCollectionOperation,
  listCollectionsOperation,
  type RenameOptions,
  renameCollectionOperation,
} from '../operations/collections.js';
import {
  type CountOptions,
  countOperation,
  type EstimatedDocumentCountOptions,
  estimatedDocumentCountOperation,
} from '../operations/count.js';
import { type CountDocumentsOptions, countDocumentsOperation } from '../operations/count-documents.js';
import { killCursorsOperation } from '../operations/cursor-commands.js';
import { type DeleteOptions, type DeleteResult, deleteOperation } from '../operations/delete.js';
import { type DistinctOptions, distinctOperation } from '../operations/distinct.js';
import type { DocumentIdOptions } from '../operations/document-id.js';
import { type FindOptions, findOneOperation, validateFindOptions } from '../operations/find.js';
import {
  type FindOneAndDeleteOptions,
  type FindOneAndReplaceOptions,
  type FindOneAndUpdateOptions,
  findOneAndDeleteOperation,
  findOneAndReplaceOperation,
  findOneAndUpdateOperation,
  type ModifyResult,
} from '../operations/find-and-modify.js';
import {
  type CreateIndexesOptions,
  createIndexesOperation,
  dropIndexesOperation,
  type IndexCommandOptions,
  type IndexDescription,
  type IndexSpecification,
  type ListIndexesOptions,
  listIndexesOperation,
  splitIndexOptions,
} from '../operations/indexes.js';
import {
  type InsertManyOptions,
  type InsertManyResult,
  type InsertOneOptions,
  type InsertOneResult,
  insertOneOperation,
} from '../operations/insert.js';
import { READ_CONCERNS, WRITE_CONCERNS } from '../operations/operation.js';
import type { Filter, OptionalId, UpdateFilter, WithId, WithoutId } from '../operations/schema.js';
import {
  createSearchIndexesOperation,
  dropSearchIndexOperation,
  isNamespaceNotFound,
  listSearchIndexesStage,
  type SearchIndexDescription,
  updateSearchIndexOperation,
} from '../operations/search-indexes.js';
import {
  type ReplaceOptions,
  replaceOneOperation,
  type UpdateOptions,
  type UpdateResult,
  updateOperation,
} from '../operations/update.js';
import type { DdlOptions } from '../operations/write-command.js';
import {
  catchError,
  defaultIfEmpty,
  defer,
  finalize,
  map,
  type Observable,
  of,
  switchMap,
  take,
  throwError,
} from '../rx.js';
import { BulkOperation } from './bulk-operation.js';
import type { ClientContext } from './client-context.js';
import type { InheritableOptions } from './inherited-options.js';
import { validateCollectionName } from './names.js';
import { assertOptions, OptionsHolder } from './options-holder.js';
import type { CursorTimeoutOption, SessionOption } from './session-scope.js';

/** Options of indexInformation: `full` gives the whole index descriptions. */
export interface IndexInformationOptions extends ListIndexesOptions {
  readonly full?: boolean;
}

/** MongoDB's "ns not found": drop of a missing collection (collection-management). */
const NAMESPACE_NOT_FOUND = 26;

/**
 * A collection handle. Every method returns a cold Observable: nothing is sent before subscribe,
 * each subscription runs the operation again, and bad arguments error it before anything is sent.
 */
export class Collection<TSchema extends Document = Document> extends OptionsHolder {
  static {
    // Development warning for operation Observables never subscribed (see unsubscribed-warning.ts).
    OptionsHolder.watchUnsubscribed(Collection.prototype, 'Collection');
  }
  /** The database this collection is in. */
  readonly dbName: string;
  /** The collection's name. */
  readonly collectionName: string;
  constructor(context: ClientContext, dbName: string, name: string, options?: InheritableOptions) {
    validateCollectionName(name);
    super(context, options);
    this.dbName = dbName;
    this.collectionName = name;
  }

  /** `db.collection`, as the server names it. */
  get namespace(): string {
    return `${this.dbName}.${this.collectionName}`;
  }

  /** @internal For GridFS uploads: see UNOBSERVED_COMMANDS. */
  [UNOBSERVED_COMMANDS](): number | undefined {
    const bus = this.context.bus;
    return bus.wants('commandStarted') ? undefined : bus.subscriptionsMade;
  }

  // --- writes -------------------------------------------------------------------------------

  /**
   * Inserts one document (an `_id` is added when it has none); emits `{ acknowledged, insertedId }`
   * once. Cold: each subscription inserts again.
   */
  insertOne(
    document: OptionalId<TSchema>,
    options: InsertOneOptions & SessionOption = {},
  ): Observable<InsertOneResult<TSchema>> {
    return this.run(options, () =>
      insertOneOperation<TSchema>(
        this.dbName,
        this.collectionName,
        document,
        this.withIds(this.resolve(options, WRITE_CONCERNS)),
      ),
    );
  }

  /** Batched by the server's limits; write errors give MongoBulkWriteError with the partial result. */
  insertMany(
    documents: readonly OptionalId<TSchema>[],
    options: InsertManyOptions & SessionOption = {},
  ): Observable<InsertManyResult<TSchema>> {
    return defer(() => {
      const { execute, end } = this.executeInScope(options);
      return insertMany<TSchema>(
        execute,
        this.dbName,
        this.collectionName,
        documents,
        this.withIds(this.resolve(options, WRITE_CONCERNS)),
      ).pipe(finalize(end));
    });
  }

  /**
   * Runs insert, update, replace and delete models in batches by the server's limits (ordered by
   * default); emits a BulkWriteResult, or errors with MongoBulkWriteError carrying the partial result.
   */
  bulkWrite(
    operations: readonly AnyBulkWriteOperation<TSchema>[],
    options: BulkWriteOptions & SessionOption = {},
  ): Observable<BulkWriteResult> {
    return defer(() => {
      const { execute, end } = this.executeInScope(options);
      return bulkWrite(
        execute,
        this.dbName,
        this.collectionName,
        operations,
        this.withIds(this.resolve(options, WRITE_CONCERNS)),
      ).pipe(finalize(end));
    });
  }

  /**
   * Updates the first document matching `filter` with update operators (or a pipeline); emits an
   * UpdateResult. `upsert: true` inserts when nothing matches.
   */
  updateOne(
    filter: Filter<TSchema>,
    update: UpdateFilter<TSchema> | Document[],
    options: UpdateOptions & SessionOption = {},
  ): Observable<UpdateResult<TSchema>> {
    return this.run(options, () =>
      updateOperation<TSchema>(
        this.dbName,
        this.collectionName,
        filter,
        update,
        this.resolve(options, WRITE_CONCERNS),
        false,
      ),
    );
  }

  /**
   * Updates every document matching `filter`; emits an UpdateResult. Not retryable (a multi-document
   * write).
   */
  updateMany(
    filter: Filter<TSchema>,
    update: UpdateFilter<TSchema> | Document[],
    options: Omit<UpdateOptions, 'sort'> & SessionOption = {},
  ): Observable<UpdateResult<TSchema>> {
    return this.run(options, () =>
      updateOperation<TSchema>(
        this.dbName,
        this.collectionName,
        filter,
        update,
        this.resolve(options, WRITE_CONCERNS),
        true,
      ),
    );
  }

  /**
   * Replaces the first document matching `filter` with `replacement` (no update operators); emits an
   * UpdateResult.
   */
  replaceOne(
    filter: Filter<TSchema>,
    replacement: WithoutId<TSchema>,
    options: ReplaceOptions & SessionOption = {},
  ): Observable<UpdateResult<TSchema>> {
    return this.run(options, () =>
      replaceOneOperation<TSchema>(
        this.dbName,
        this.collectionName,
        filter,
        replacement,
        this.resolve(options, WRITE_CONCERNS),
      ),
    );
  }

  /** Deletes the first document matching `filter`; emits `{ acknowledged, deletedCount }`. */
  deleteOne(
    filter: Filter<TSchema> = {},
    options: DeleteOptions & SessionOption = {},
  ): Observable<DeleteResult> {
    return this.run(options, () =>
      deleteOperation(this.dbName, this.collectionName, filter, this.resolve(options, WRITE_CONCERNS), false),
    );
  }

  /** Deletes every document matching `filter`; emits `{ acknowledged, deletedCount }`. */
  deleteMany(
    filter: Filter<TSchema> = {},
    options: DeleteOptions & SessionOption = {},
  ): Observable<DeleteResult> {
    return this.run(options, () =>
      deleteOperation(this.dbName, this.collectionName, filter, this.resolve(options, WRITE_CONCERNS), true),
    );
  }

  /** Insert options with the inherited pkFactory and forceServerObjectId (the operation's own flag wins). */
  private withIds<O extends DocumentIdOptions>(options: O): O {
    const { pkFactory, forceServerObjectId } = this.context.inherited;
    return {
      ...options,
      pkFactory: options.pkFactory ?? pkFactory,
      forceServerObjectId: options.forceServerObjectId ?? forceServerObjectId,
    };
  }

  // --- reads --------------------------------------------------------------------------------

  /**
   * A cursor over the documents matching `filter`: a cold Observable of documents (each subscription
   * runs its own query) with builders, `batches()`, `toArray()`, `withDemand()` and `for await`.
   */
  find(
    filter: Filter<TSchema> = {},
    options: FindOptions & CursorTimeoutOption = {},
  ): FindCursor<WithId<TSchema>> {
    return findCursor<WithId<TSchema>>(
      this.context.execution(),
      this.dbName,
      this.collectionName,
      filter,
      options,
      this.cursorHooks(READ_CONCERNS),
    );
  }

  /** The first matching document, or null; emits once. */
  findOne(
    filter: Filter<TSchema> = {},
    options: Omit<FindOptions, 'limit' | 'batchSize'> & SessionOption = {},
  ): Observable<WithId<TSchema> | null> {
    // One command, no cursor machinery around it (the latency path): find with limit 1, singleBatch.
    return defer(() => {
      assertOptions(options);
      validateFindOptions(options, filter);
      const resolved = this.resolve(options, READ_CONCERNS);
      const { execute, end } = this.executeInScope(options);
      const op = findOneOperation<WithId<TSchema>>(this.dbName, this.collectionName, filter, resolved);
      return execute(op).pipe(
        switchMap(({ document, openCursor }) =>
          // singleBatch closes the cursor on MongoDB; a server that kept one open gets killCursors.
          openCursor
            ? execute(killCursorsOperation(openCursor.ns, openCursor.id)).pipe(
                catchError(() => of(undefined)),
                map(() => document),
              )
            : of(document),
        ),
        finalize(end),
      );
    });
  }

  /** A cursor over the results of an aggregation pipeline (`$out`/`$merge` run on the primary). */
  aggregate<T extends Document = Document>(
    pipeline: Document[] = [],
    options: AggregateOptions & CursorTimeoutOption = {},
  ): AggregationCursor<T> {
    return aggregationCursor<T>(
      this.context.execution(),
      this.dbName,
      this.collectionName,
      pipeline,
      options,
      this.cursorHooks(AGGREGATE_CONCERNS, pipeline),
    );
  }

  /**
   * A change stream on this collection (change-streams spec): a cold Observable of change events
   * that resumes by itself. Prefer it to a raw `$changeStream` aggregate, which cannot resume.
   * Change streams need a replica set or sharded cluster and a `majority` (or no) read concern.
   */
  watch<TLocal extends Document = TSchema, TChange extends Document = ChangeStreamDocument<TLocal>>(
    pipeline: Document[] = [],
    options: WatchOptions & SessionOption = {},
  ): ChangeStream<TLocal, TChange> {
    return this.changeStream<TLocal, TChange>(this.dbName, this.collectionName, pipeline, options);
  }

  /**
   * The exact number of documents matching `filter` (an aggregation with `$match` and `$group`); emits
   * once.
   */
  countDocuments(
    filter: Filter<TSchema> = {},
    options: CountDocumentsOptions & SessionOption = {},
  ): Observable<number> {
    return this.run(options, () =>
      countDocumentsOperation(this.dbName, this.collectionName, filter, this.resolve(options, READ_CONCERNS)),
    );
  }

  /** @deprecated Use countDocuments (exact) or estimatedDocumentCount (metadata), as the crud spec says. */
  count(filter: Filter<TSchema> = {}, options: CountOptions & SessionOption = {}): Observable<number> {
    return this.run(options, () =>
      countOperation(this.dbName, this.collectionName, filter, this.resolve(options, READ_CONCERNS)),
    );
  }

  /**
   * The collection's document count from its metadata (the `count` command without a filter): fast, not
   * exact inside transactions or after an unclean shutdown.
   */
  estimatedDocumentCount(options: EstimatedDocumentCountOptions & SessionOption = {}): Observable<number> {
    return this.run(options, () =>
      estimatedDocumentCountOperation(this.dbName, this.collectionName, this.resolve(options, READ_CONCERNS)),
    );
  }

  /** The distinct values of `key` among the documents matching `filter`, in one array. */
  distinct<K extends keyof WithId<TSchema> & string>(
    key: K,
    filter?: Filter<TSchema>,
    options?: DistinctOptions & SessionOption,
  ): Observable<WithId<TSchema>[K][]>;
  distinct(
    key: string,
    filter?: Filter<TSchema>,
    options?: DistinctOptions & SessionOption,
  ): Observable<unknown[]>;
  distinct(
    key: string,
    filter: Filter<TSchema> = {},
    options: DistinctOptions & SessionOption = {},
  ): Observable<unknown[]> {
    return this.run(options, () =>
      distinctOperation(this.dbName, this.collectionName, key, filter, this.resolve(options, READ_CONCERNS)),
    );
  }

  // --- find and modify ----------------------------------------------------------------------

  /**
   * Deletes the first document matching `filter` (in `sort` order) and emits it, or null when none
   * matched (`includeResultMetadata: true` emits the whole reply).
   */
  findOneAndDelete(
    filter: Filter<TSchema>,
    options: FindOneAndDeleteOptions & { includeResultMetadata: true } & SessionOption,
  ): Observable<ModifyResult<TSchema>>;
  findOneAndDelete(
    filter: Filter<TSchema>,
    options?: FindOneAndDeleteOptions & SessionOption,
  ): Observable<WithId<TSchema> | null>;
  findOneAndDelete(
    filter: Filter<TSchema>,
    options: FindOneAndDeleteOptions & SessionOption = {},
  ): Observable<WithId<TSchema> | ModifyResult<TSchema> | null> {
    return this.run(options, () =>
      findOneAndDeleteOperation<TSchema>(
        this.dbName,
        this.collectionName,
        filter,
        this.resolve(options, WRITE_CONCERNS),
      ),
    );
  }

  /**
   * Replaces the first document matching `filter` and emits it, before the change by default
   * (`returnDocument: 'after'` for the new one), or null.
   */
  findOneAndReplace(
    filter: Filter<TSchema>,
    replacement: WithoutId<TSchema>,
    options: FindOneAndReplaceOptions & { includeResultMetadata: true } & SessionOption,
  ): Observable<ModifyResult<TSchema>>;
  findOneAndReplace(
    filter: Filter<TSchema>,
    replacement: WithoutId<TSchema>,
    options?: FindOneAndReplaceOptions & SessionOption,
  ): Observable<WithId<TSchema> | null>;
  findOneAndReplace(
    filter: Filter<TSchema>,
    replacement: WithoutId<TSchema>,
    options: FindOneAndReplaceOptions & SessionOption = {},
  ): Observable<WithId<TSchema> | ModifyResult<TSchema> | null> {
    return this.run(options, () =>
      findOneAndReplaceOperation<TSchema>(
        this.dbName,
        this.collectionName,
        filter,
        replacement,
        this.resolve(options, WRITE_CONCERNS),
      ),
    );
  }

  /**
   * Updates the first document matching `filter` and emits it, before the change by default
   * (`returnDocument: 'after'` for the new one), or null.
   */
  findOneAndUpdate(
    filter: Filter<TSchema>,
    update: UpdateFilter<TSchema> | Document[],
    options: FindOneAndUpdateOptions & { includeResultMetadata: true } & SessionOption,
  ): Observable<ModifyResult<TSchema>>;
  findOneAndUpdate(
    filter: Filter<TSchema>,
    update: UpdateFilter<TSchema> | Document[],
    options?: FindOneAndUpdateOptions & SessionOption,
  ): Observable<WithId<TSchema> | null>;
  findOneAndUpdate(
    filter: Filter<TSchema>,
    update: UpdateFilter<TSchema> | Document[],
    options: FindOneAndUpdateOptions & SessionOption = {},
  ): Observable<WithId<TSchema> | ModifyResult<TSchema> | null> {
    return this.run(options, () =>
      findOneAndUpdateOperation<TSchema>(
        this.dbName,
        this.collectionName,
        filter,
        update,
        this.resolve(options, WRITE_CONCERNS),
      ),
    );
  }

  // --- indexes ------------------------------------------------------------------------------

  /** Creates one index; emits its name (generated as `a_1_b_-1` unless given). */
  createIndex(
    key: IndexSpecification,
    options: CreateIndexesOptions & SessionOption = {},
  ): Observable<string> {
    return this.run(options, () => {
      const { index, command } = splitIndexOptions(options);
      return createIndexesOperation(
        this.dbName,
        this.collectionName,
        [{ ...index, key }],
        this.resolve(command, WRITE_CONCERNS),
      );
    }).pipe(map((names) => names[0]));
  }

  /** Creates several indexes in one command; emits their names in order. */
  createIndexes(
    indexes: readonly IndexDescription[],
    options: IndexCommandOptions & SessionOption = {},
  ): Observable<string[]> {
    return this.run(options, () =>
      createIndexesOperation(
        this.dbName,
        this.collectionName,
        indexes,
        this.resolve(options, WRITE_CONCERNS),
      ),
    );
  }

  /** Drops the index named `name`; emits the server's reply. */
  dropIndex(name: string, options: IndexCommandOptions & SessionOption = {}): Observable<Document> {
    return this.run(options, () =>
      dropIndexesOperation(this.dbName, this.collectionName, name, this.resolve(options, WRITE_CONCERNS)),
    );
  }

  /** Drops every index but `_id`'s. */
  dropIndexes(options: IndexCommandOptions & SessionOption = {}): Observable<boolean> {
    return this.run(options, () =>
      dropIndexesOperation(this.dbName, this.collectionName, '*', this.resolve(options, WRITE_CONCERNS)),
    ).pipe(map(() => true));
  }

  /** A cursor over the collection's index descriptions (`listIndexes`). */
  listIndexes(options: ListIndexesOptions & SessionOption = {}): CommandCursor<Document> {
    return commandCursor<Document>(
      this.context.execution(),
      this.dbName,
      () => listIndexesOperation(this.dbName, this.collectionName, options),
      { batchSize: options?.batchSize, comment: options?.comment },
      this.sessionHook(options),
    );
  }

  // --- Atlas Search indexes (index-management spec: no read or write concern is sent) ---------

  /** Creates one search index; emits its name. */
  createSearchIndex(description: SearchIndexDescription, options: SessionOption = {}): Observable<string> {
    return this.createSearchIndexes([description], options).pipe(map((names) => names[0] ?? ''));
  }

  /** Creates search indexes; emits their names in order. */
  createSearchIndexes(
    descriptions: readonly SearchIndexDescription[],
    options: SessionOption = {},
  ): Observable<string[]> {
    return this.run(options, () =>
      createSearchIndexesOperation(this.dbName, this.collectionName, descriptions),
    );
  }

  /** Replaces the definition of the search index `name` (Atlas Search). */
  updateSearchIndex(name: string, definition: Document, options: SessionOption = {}): Observable<void> {
    return this.run(options, () =>
      updateSearchIndexOperation(this.dbName, this.collectionName, name, definition),
    );
  }

  /** Drops a search index; a collection that does not exist is not an error (spec). */
  dropSearchIndex(name: string, options: SessionOption = {}): Observable<void> {
    return this.run(options, () => dropSearchIndexOperation(this.dbName, this.collectionName, name)).pipe(
      catchError((e: unknown) => (isNamespaceNotFound(e) ? of(undefined) : throwError(() => e))),
    );
  }

  /** `$listSearchIndexes` (all, or the one named) as an aggregation cursor. */
  listSearchIndexes(
    nameOrOptions?: string | (AggregateOptions & SessionOption),
    options: AggregateOptions & SessionOption = {},
  ): AggregationCursor<Document> {
    const name = typeof nameOrOptions === 'string' ? nameOrOptions : undefined;
    const own = typeof nameOrOptions === 'object' && nameOrOptions !== null ? nameOrOptions : options;
    const pipeline = [listSearchIndexesStage(name)];
    return aggregationCursor<Document>(
      this.context.execution(),
      this.dbName,
      this.collectionName,
      pipeline,
      own,
      // No inherited concerns: the helpers send none (only the session and timeout hooks).
      this.cursorHooks(undefined, pipeline),
    );
  }

  // --- the collection itself ----------------------------------------------------------------

  /** Drops the collection; emits false when it did not exist (as the official driver does). */
  drop(options: DdlOptions & SessionOption = {}): Observable<boolean> {
    return this.run(options, () =>
      dropCollectionOperation(this.dbName, this.collectionName, this.resolve(options, WRITE_CONCERNS)),
    ).pipe(
      catchError((e: unknown) =>
        e instanceof MongoServerError && e.code === NAMESPACE_NOT_FOUND ? of(false) : throwError(() => e),
      ),
    );
  }

  /** renameCollection (on admin); emits the handle of the renamed collection. */
  rename(newName: string, options: RenameOptions & SessionOption = {}): Observable<Collection<TSchema>> {
    return defer(() => {
      validateCollectionName(newName);
      return executeOperation(
        this.context.execution(),
        renameCollectionOperation(
          this.dbName,
          this.collectionName,
          newName,
          this.resolve(options, WRITE_CONCERNS),
        ),
      ).pipe(map(() => new Collection<TSchema>(this.context, this.dbName, newName)));
    });
  }

  /** The options the collection was created with (listCollections); errors when it does not exist. */
  options(): Observable<Document> {
    return this.info().pipe(map((info) => info.options ?? {}));
  }

  /** Whether the collection is capped (from listCollections); errors when it does not exist. */
  isCapped(): Observable<boolean> {
    return this.options().pipe(map((options) => options.capped === true));
  }

  private info(): Observable<CollectionInfo> {
    return defer(() => {
      const cursor = commandCursor<CollectionInfo>(this.context.execution(), this.dbName, () =>
        listCollectionsOperation<Document>(this.dbName, { name: this.collectionName }),
      );
      return cursor.pipe(
        take(1),
        defaultIfEmpty(undefined),
        switchMap((info) =>
          info ? of(info) : throwError(() => new MongoAPIError(`collection ${this.namespace} not found`)),
        ),
      );
    });
  }

  // --- the official driver's everyday surface -----------------------------------------------

  /** Every index description (listIndexes), in one array. */
  indexes(options: ListIndexesOptions & SessionOption = {}): Observable<Document[]> {
    return defer(() => this.listIndexes(options).toArray());
  }

  /** Whether every named index exists. */
  indexExists(
    names: string | readonly string[],
    options: ListIndexesOptions & SessionOption = {},
  ): Observable<boolean> {
    return defer(() => {
      const wanted = typeof names === 'string' ? [names] : names;
      if (!Array.isArray(wanted) || wanted.some((n) => typeof n !== 'string')) {
        throw new MongoInvalidArgumentError('indexExists takes an index name or a list of names');
      }
      return this.indexes(options).pipe(
        map((indexes) => {
          const have = new Set(indexes.map((i) => i.name));
          return wanted.every((n) => have.has(n));
        }),
      );
    });
  }

  /** `{ name: [[key, direction], ...] }` per index; the full descriptions with `{ full: true }`. */
  indexInformation(options: IndexInformationOptions & SessionOption = {}): Observable<Document> {
    return defer(() => {
      assertOptions(options);
      const { full, ...list } = options;
      return this.indexes(list).pipe(
        map((indexes): Document => {
          if (full) return indexes;
          const out: Document = {};
          for (const index of indexes) out[String(index.name)] = Object.entries(index.key ?? {});
          return out;
        }),
      );
    });
  }

  /** An ordered bulk operation builder (the official legacy API); `execute()` runs it as bulkWrite. */
  initializeOrderedBulkOp(options: BulkWriteOptions & SessionOption = {}): BulkOperation<TSchema> {
    return new BulkOperation<TSchema>((models, o) => this.bulkWrite(models, o), {
      ...options,
      ordered: true,
    });
  }

  /** An unordered bulk operation builder; `execute()` runs it as bulkWrite with `ordered: false`. */
  initializeUnorderedBulkOp(options: BulkWriteOptions & SessionOption = {}): BulkOperation<TSchema> {
    return new BulkOperation<TSchema>((models, o) => this.bulkWrite(models, o), {
      ...options,
      ordered: false,
    });
  }

  // --- plumbing -----------------------------------------------------------------------------
}
