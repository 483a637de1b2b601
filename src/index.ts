// Public API of mongorx.

export { Binary, BSON, Decimal128, type Document, Long, ObjectId, Timestamp } from 'bson';
export { Collection } from './client/collection.js';
export { Db, type RunCommandOptions } from './client/db.js';
export { FindCursor } from './client/find-cursor.js';
export { MongoClient } from './client/mongo-client.js';
export { AbstractCursor, type CursorOptions } from './cursor/abstract-cursor.js';
export { type AggregateOptions, AggregationCursor } from './cursor/aggregation-cursor.js';
export { CommandCursor } from './cursor/command-cursor.js';
export { type DemandSource, isDemandSource, mergeMapWithDemand } from './cursor/demand.js';
export * from './errors.js';
export type * from './events/types.js';
export type { FindOptions } from './operations/find.js';
export type { InsertOneResult, InsertOptions } from './operations/insert.js';
export { ReadConcern } from './read-concern.js';
export { ReadPreference } from './read-preference.js';
export type { ServerDescription } from './sdam/description/server-description.js';
export type { TopologyDescription } from './sdam/description/topology-description.js';
export type { MongoClientOptions } from './uri/client-options.js';
export { WriteConcern } from './write-concern.js';
