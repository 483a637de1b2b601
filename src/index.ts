// Public API of mongorx.

export { Binary, BSON, Decimal128, type Document, Long, ObjectId, Timestamp } from 'bson';
export { Collection } from './client/collection.js';
export { Db, type RunCommandOptions } from './client/db.js';
export type { InheritableOptions } from './client/inherited-options.js';
export { MongoClient } from './client/mongo-client.js';
export type { SessionOption } from './client/session-scope.js';
export { AbstractCursor, type CursorOptions } from './cursor/abstract-cursor.js';
export { type AggregateOptions, AggregationCursor } from './cursor/aggregation-cursor.js';
export {
  ChangeStream,
  type ChangeStreamIterator,
  type ResumeTokenUpdate,
  type WatchOptions,
} from './cursor/change-stream.js';
export type * from './cursor/change-stream-events.js';
export { CommandCursor } from './cursor/command-cursor.js';
export {
  batchMapWithDemand,
  concatMapWithDemand,
  type DemandSource,
  exhaustMapWithDemand,
  isDemandSource,
  mergeMapWithDemand,
} from './cursor/demand.js';
export { FindCursor } from './cursor/find-cursor.js';
export * from './errors.js';
export type * from './events/types.js';
export { DEFAULT_CHUNK_SIZE_BYTES, GridFSBucket } from './gridfs/bucket.js';
export { GridFSDownload } from './gridfs/download.js';
export { GridFSBucketReadStream, GridFSBucketWriteStream } from './gridfs/node-streams.js';
export type { UploadSource } from './gridfs/pull.js';
export type {
  GridFSBucketOptions,
  GridFSChunk,
  GridFSDownloadByNameOptions,
  GridFSDownloadOptions,
  GridFSFile,
  GridFSFindOptions,
  GridFSUploadOptions,
} from './gridfs/types.js';
export type {
  Log,
  MongoDBLogComponentSeverities,
  MongoDBLogWritable,
  MongoLoggableComponent,
  MongoLoggerClientOptions,
  SeverityLevel,
} from './log-options.js';
export type { AnyBulkWriteOperation, BulkWriteOptions } from './operations/bulk-write.js';
export type {
  AnyClientBulkWriteModel,
  ClientBulkWriteModel,
  ClientBulkWriteOptions,
  ClientDeleteManyModel,
  ClientDeleteOneModel,
  ClientInsertOneModel,
  ClientReplaceOneModel,
  ClientUpdateManyModel,
  ClientUpdateOneModel,
} from './operations/client-bulk-write-models.js';
export {
  ClientBulkWriteError,
  ClientBulkWriteError as MongoClientBulkWriteError,
  type ClientBulkWriteResult,
  type ClientDeleteResult,
  type ClientInsertOneResult,
  type ClientUpdateResult,
  type ClientWriteConcernError,
  type ClientWriteError,
} from './operations/client-bulk-write-results.js';
export type {
  CollectionInfo,
  CreateCollectionOptions,
  DbStatsOptions,
  ListCollectionsOptions,
  RenameOptions,
} from './operations/collections.js';
export type { CountOptions, EstimatedDocumentCountOptions } from './operations/count.js';
export type { CountDocumentsOptions } from './operations/count-documents.js';
export type { DeleteOptions, DeleteResult } from './operations/delete.js';
export type { DistinctOptions } from './operations/distinct.js';
export type { FindOptions } from './operations/find.js';
export type {
  FindOneAndDeleteOptions,
  FindOneAndReplaceOptions,
  FindOneAndUpdateOptions,
  ModifyResult,
} from './operations/find-and-modify.js';
export {
  type CreateIndexesOptions,
  type IndexCommandOptions,
  type IndexDescription,
  type IndexOptions,
  type IndexSpecification,
  indexName,
  type ListIndexesOptions,
} from './operations/indexes.js';
export type {
  InsertManyOptions,
  InsertManyResult,
  InsertOneOptions,
  InsertOneResult,
  InsertOptions,
} from './operations/insert.js';
export type { DatabaseInfo, ListDatabasesOptions, ListDatabasesResult } from './operations/list-databases.js';
export type { RawDataOptions, WriteConcernLike } from './operations/options.js';
export type {
  Condition,
  Filter,
  FilterOperators,
  InferIdType,
  MatchKeysAndValues,
  OptionalId,
  RootFilterOperators,
  Sort,
  SortDirection,
  UpdateFilter,
  WithId,
  WithoutId,
} from './operations/schema.js';
export type { ReplaceOptions, UpdateOptions, UpdateResult } from './operations/update.js';
export type { DdlOptions, RawDataDdlOptions } from './operations/write-command.js';
export { ReadConcern } from './read-concern.js';
export {
  ReadPreference,
  type ReadPreferenceLike,
  type ReadPreferenceMode,
  type ReadPreferenceObject,
} from './read-preference.js';
export type { ServerDescription } from './sdam/description/server-description.js';
export type { TopologyDescription } from './sdam/description/topology-description.js';
export { ClientSession, type ClientSessionOptions } from './session/client-session.js';
export type { MongoClientOptions } from './uri/client-options.js';
export { MongoRxWarning } from './uri/warnings.js';
export { WriteConcern } from './write-concern.js';
