import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { CursorReply } from './cursor-commands.js';
import { parseCursorReply } from './cursor-commands.js';
import type { CommandOperation } from './operation.js';
import { assertDocument, type RawDataOptions } from './options.js';
import { readCommandOperation } from './read-command.js';
import { ddlOperation, type RawDataDdlOptions } from './write-command.js';

export type IndexDirection =
  | 1
  | -1
  | '2d'
  | '2dsphere'
  | 'text'
  | 'geoHaystack'
  | 'hashed'
  | (string & {})
  | number;
/** `{a: 1, b: -1}`, `'a'`, `['a', ['b', -1]]` or a Map, as the official driver accepts. */
export type IndexSpecification =
  | Document
  | string
  | readonly (string | readonly [string, IndexDirection])[]
  | Map<string, IndexDirection>;

/** index-management spec "IndexOptions" (passed through to the server as given). */
export interface IndexOptions {
  readonly name?: string;
  readonly unique?: boolean;
  readonly sparse?: boolean;
  readonly background?: boolean;
  readonly expireAfterSeconds?: number;
  readonly partialFilterExpression?: Document;
  readonly collation?: Document;
  readonly hidden?: boolean;
  readonly weights?: Document;
  readonly default_language?: string;
  readonly language_override?: string;
  readonly textIndexVersion?: number;
  readonly '2dsphereIndexVersion'?: number;
  readonly bits?: number;
  readonly min?: number;
  readonly max?: number;
  readonly wildcardProjection?: Document;
  readonly storageEngine?: Document;
  readonly version?: number;
}

/** A model of createIndexes: the key and its options. */
export interface IndexDescription extends IndexOptions {
  readonly key: IndexSpecification;
}

/** Command-level options of createIndexes / dropIndexes (writeConcern, comment, maxTimeMS, rawData, ...). */
export type IndexCommandOptions = RawDataDdlOptions;

/** Options of `createIndex`/`createIndexes`: the command options and the index options. */
export type CreateIndexesOptions = IndexCommandOptions & IndexOptions;

const COMMAND_OPTIONS = ['writeConcern', 'comment', 'maxTimeMS', 'commitQuorum', 'rawData'] as const;

/** Normalizes the accepted key forms to a key document, keeping field order. */
export function indexKeyDocument(spec: IndexSpecification): Document {
  if (typeof spec === 'string') return { [spec]: 1 };
  if (spec instanceof Map) return Object.fromEntries(spec);
  if (Array.isArray(spec)) {
    const key: Document = {};
    for (const part of spec) {
      if (typeof part === 'string') key[part] = 1;
      else if (Array.isArray(part) && part.length === 2 && typeof part[0] === 'string')
        key[part[0]] = part[1];
      else throw new MongoInvalidArgumentError('index key array entries must be names or [name, direction]');
    }
    return key;
  }
  assertDocument(spec, 'index key');
  return { ...spec };
}

/** index-management spec "Index Name Generation": `field_direction` pairs joined by `_` (`a_1_b_-1`). */
export function indexName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${direction}`)
    .join('_');
}

/** One entry of `indexes`: `{key, name, ...options}`; `version` is sent as `v`. */
export function indexEntry(description: IndexDescription): Document {
  const key = indexKeyDocument(description.key);
  if (Object.keys(key).length === 0) throw new MongoInvalidArgumentError('index key must not be empty');
  const { key: _key, version, name, ...rest } = description;
  const entry: Document = { key, name: name ?? indexName(key), ...rest };
  if (version !== undefined) entry.v = version;
  return entry;
}

/** createIndexes; emits the names of the indexes, in order. */
export function createIndexesOperation(
  db: string,
  collection: string,
  descriptions: readonly IndexDescription[],
  options: IndexCommandOptions = {},
): CommandOperation<string[]> {
  if (!Array.isArray(descriptions) || descriptions.length === 0) {
    throw new MongoInvalidArgumentError('createIndexes requires at least one index');
  }
  const indexes = descriptions.map(indexEntry);
  return ddlOperation(db, { createIndexes: collection, indexes }, options, () =>
    indexes.map((i) => i.name as string),
  );
}

/** Splits createIndex's mixed options into the index's options and the command's. */
export function splitIndexOptions(options: CreateIndexesOptions): {
  index: IndexOptions;
  command: IndexCommandOptions;
} {
  const index: Document = { ...options };
  const command: Document = {};
  for (const k of COMMAND_OPTIONS) {
    if (k in index) {
      command[k] = index[k];
      delete index[k];
    }
  }
  // Read options mean nothing to an index; never let them reach the index specification.
  // timeoutMS (CSOT) belongs to the operation, never to the index.
  for (const k of ['readPreference', 'readConcern', 'session', 'timeoutMS']) delete index[k];
  return { index, command };
}

/** dropIndexes with one name, `'*'` for all, or a key document (the server resolves it). */
export function dropIndexesOperation(
  db: string,
  collection: string,
  index: string | Document,
  options: IndexCommandOptions = {},
): CommandOperation<Document> {
  if (typeof index !== 'string') assertDocument(index, 'index');
  else if (index.length === 0) throw new MongoInvalidArgumentError('index name must not be empty');
  return ddlOperation(db, { dropIndexes: collection, index }, options, (reply) => reply);
}

/** Options of `listIndexes`. */
export interface ListIndexesOptions extends RawDataOptions {
  readonly batchSize?: number;
  readonly comment?: unknown;
}

/** listIndexes opens a cursor of index descriptions (enumerate-indexes, index-management spec). */
export function listIndexesOperation<T = Document>(
  db: string,
  collection: string,
  options: ListIndexesOptions = {},
): CommandOperation<CursorReply<T>> {
  const cursor: Document = options.batchSize === undefined ? {} : { batchSize: options.batchSize };
  return readCommandOperation(
    db,
    { listIndexes: collection, cursor },
    { comment: options.comment, rawData: options.rawData },
    (reply) => parseCursorReply<T>(reply),
    { readConcern: false },
  );
}
