import type { Document } from 'bson';
import { type CursorReply, parseCursorReply } from './cursor-commands.js';
import type { CommandOperation } from './operation.js';
import { assertDocument, type RawDataOptions, type ReadPreferenceLike } from './options.js';
import { readCommandOperation } from './read-command.js';
import { type DdlOptions, ddlOperation } from './write-command.js';

/** collection-management spec "create" options, passed through to the server. */
export interface CreateCollectionOptions extends DdlOptions {
  readonly capped?: boolean;
  readonly size?: number;
  readonly max?: number;
  readonly validator?: Document;
  readonly validationLevel?: 'off' | 'strict' | 'moderate' | (string & {});
  readonly validationAction?: 'error' | 'warn' | (string & {});
  readonly collation?: Document;
  readonly indexOptionDefaults?: Document;
  readonly storageEngine?: Document;
  readonly viewOn?: string;
  readonly pipeline?: Document[];
  readonly timeseries?: Document;
  readonly expireAfterSeconds?: number;
  readonly clusteredIndex?: Document;
  readonly changeStreamPreAndPostImages?: Document;
  readonly encryptedFields?: Document;
}

/** Options that are not collection options: command-level, or inherited ones that do not apply. */
const NOT_COLLECTION_OPTIONS = new Set([
  'writeConcern',
  'comment',
  'maxTimeMS',
  'commitQuorum',
  'readPreference',
  'readConcern',
  'session',
  // Gated by the server version in ddlOperation, never copied as a collection option.
  'rawData',
]);

/** `create`: the collection's options go on the command; writeConcern/comment as for any DDL. */
export function createCollectionOperation(
  db: string,
  name: string,
  options: CreateCollectionOptions = {},
): CommandOperation<void> {
  const command: Document = { create: name };
  for (const [key, value] of Object.entries(options)) {
    if (!NOT_COLLECTION_OPTIONS.has(key) && value !== undefined) command[key] = value;
  }
  return ddlOperation(db, command, options, () => undefined);
}

/** `drop`; the caller decides what "namespace not found" means. */
export function dropCollectionOperation(
  db: string,
  name: string,
  options: DdlOptions = {},
): CommandOperation<boolean> {
  return ddlOperation(db, { drop: name }, options, () => true);
}

export function dropDatabaseOperation(db: string, options: DdlOptions = {}): CommandOperation<boolean> {
  return ddlOperation(db, { dropDatabase: 1 }, options, () => true);
}

export interface RenameOptions extends DdlOptions {
  /** Drop an existing collection named `to` first. */
  readonly dropTarget?: boolean;
}

/** `renameCollection` runs on admin with full namespaces. */
export function renameCollectionOperation(
  db: string,
  from: string,
  to: string,
  options: RenameOptions = {},
): CommandOperation<void> {
  const command: Document = { renameCollection: `${db}.${from}`, to: `${db}.${to}` };
  if (options.dropTarget !== undefined) command.dropTarget = options.dropTarget;
  return ddlOperation('admin', command, options, () => undefined);
}

/** Options of `db.listCollections()` (`rawData`: listCollections-rawdata.json, 8.2+). */
export interface ListCollectionsOptions extends RawDataOptions {
  /** Only names and types: cheaper, no collection lock (enumerate-collections spec). */
  readonly nameOnly?: boolean;
  readonly authorizedCollections?: boolean;
  readonly batchSize?: number;
  readonly comment?: unknown;
  readonly readPreference?: ReadPreferenceLike;
}

/** What listCollections describes: `{name, type, options, info, idIndex}`. */
export interface CollectionInfo {
  readonly name: string;
  readonly type?: string;
  readonly options?: Document;
  readonly info?: { readOnly?: boolean; uuid?: unknown };
  readonly idIndex?: Document;
}

/** listCollections opens a cursor (enumerate-collections spec). */
export function listCollectionsOperation<T = CollectionInfo>(
  db: string,
  filter: unknown = {},
  options: ListCollectionsOptions = {},
): CommandOperation<CursorReply<T>> {
  assertDocument(filter, 'filter');
  const command: Document = {
    listCollections: 1,
    filter,
    cursor: options.batchSize === undefined ? {} : { batchSize: options.batchSize },
  };
  if (options.nameOnly !== undefined) command.nameOnly = options.nameOnly;
  if (options.authorizedCollections !== undefined)
    command.authorizedCollections = options.authorizedCollections;
  return readCommandOperation(db, command, options, (reply) => parseCursorReply<T>(reply), {
    readConcern: false,
  });
}

/** Options of `db.stats()`. */
export interface DbStatsOptions {
  /** Divide sizes by this (1024 for KiB). */
  readonly scale?: number;
  readonly comment?: unknown;
  readonly readPreference?: ReadPreferenceLike;
}

/** `dbStats`; the reply is emitted as the server sent it. */
export function dbStatsOperation(db: string, options: DbStatsOptions = {}): CommandOperation<Document> {
  const command: Document = { dbStats: 1 };
  if (options.scale !== undefined) command.scale = options.scale;
  return readCommandOperation(db, command, options, (reply) => reply, { readConcern: false });
}
