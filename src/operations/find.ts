import type { Document } from 'bson';
import type { BsonOptions } from '../bson-options.js';
import { MongoInvalidArgumentError } from '../errors.js';
import { type ReadPreferenceLike, readPreferenceOf } from '../read-preference.js';
import {
  type CursorReply,
  cursorBson,
  isZeroCursorId,
  lazyCursorBson,
  parseCursorReply,
  parseLazyCursorReply,
} from './cursor-commands.js';
import { type CommandOperation, REUSABLE_REPLIES } from './operation.js';
import { assertDocument, assertInteger, type RawDataOptions, withRawData } from './options.js';
import { type Sort, sortDocument } from './sort.js';

/** Options of `find` (crud spec "Find", find_getmore_killcursors_commands). */
export interface FindOptions extends BsonOptions, RawDataOptions {
  /** Any official sort form (`{ n: -1 }`, `[['n', 'desc']]`, `'n'`, a Map, ...). */
  readonly sort?: Sort;
  /** Fields to return (`{ a: 1 }`) or leave out (`{ a: 0 }`). */
  readonly projection?: Document;
  /** Matching documents to skip first. */
  readonly skip?: number;
  /** At most this many documents (exact); a negative value also means a single batch. */
  readonly limit?: number;
  /** Documents per server batch (the first and each getMore); 0 or unset: the server's default. */
  readonly batchSize?: number;
  /** The index to use, by name or key pattern. */
  readonly hint?: Document | string;
  /** The server stops the query after this much processing time (MaxTimeMSExpired). */
  readonly maxTimeMS?: number;
  /** Tailable awaitData cursors: how long each getMore waits for new documents. */
  readonly maxAwaitTimeMS?: number;
  /** Attached to the commands (profiler, logs, currentOp). */
  readonly comment?: unknown;
  /** A blocking sort may use temporary files (MongoDB 4.4+). */
  readonly allowDiskUse?: boolean;
  /** String comparison rules (locale, strength, ...). */
  readonly collation?: Document;
  /** Variables the filter can use as `$$name` (MongoDB 5.0+). */
  readonly let?: Document;
  /** Inclusive lower bound on the hinted index's keys. */
  readonly min?: Document;
  /** Exclusive upper bound on the hinted index's keys. */
  readonly max?: Document;
  /** Return only the index keys. */
  readonly returnKey?: boolean;
  /** Add `$recordId` to each document. */
  readonly showRecordId?: boolean;
  /** Capped collections: the cursor stays open at the end and emits documents inserted later. */
  readonly tailable?: boolean;
  /** With tailable: each getMore waits (maxAwaitTimeMS) for new documents instead of returning at once. */
  readonly awaitData?: boolean;
  /** The server keeps the cursor open when idle (it normally closes it after 10 minutes). */
  readonly noCursorTimeout?: boolean;
  /** Sharded clusters: return what the reachable shards have when some are down. */
  readonly allowPartialResults?: boolean;
  /** Deprecated by the server (4.4+ ignores it). */
  readonly oplogReplay?: boolean;
  /** This query's read concern (`{ level: 'majority' }`, ...). */
  readonly readConcern?: Document;
  /** Where this query reads (overrides the collection's). */
  readonly readPreference?: ReadPreferenceLike;
  /** Return one batch and close the cursor. */
  readonly singleBatch?: boolean;
  /** Fetch batch N+1 while batch N is consumed (driver-side; never sent). */
  readonly prefetch?: boolean;
  /** @internal See REUSABLE_REPLIES (GridFS downloads). */
  readonly [REUSABLE_REPLIES]?: boolean;
}

const PASS_THROUGH = new Set<string>([
  'sort',
  'projection',
  'hint',
  'skip',
  'maxTimeMS',
  'comment',
  'allowDiskUse',
  'collation',
  'let',
  'min',
  'max',
  'returnKey',
  'showRecordId',
  'tailable',
  'awaitData',
  'noCursorTimeout',
  'allowPartialResults',
  'oplogReplay',
  'readConcern',
]);

/**
 * Builds `find` (find_getmore_killcursors_commands spec): a negative or limit-sized batch means one
 * batch; batchSize is capped by the limit so no more documents than needed are sent.
 */
export function buildFindCommand(collection: string, filter: Document, options: FindOptions): Document {
  const command: Document = { find: collection, filter };
  // The options' own keys (few) rather than every known one: missing-key lookups are the cost here.
  const given = options as Record<string, unknown>;
  for (const key in given) {
    const value = given[key];
    if (value !== undefined && PASS_THROUGH.has(key)) command[key] = value;
  }
  if (options.sort !== undefined) command.sort = sortDocument(options.sort);
  // find spec, "Mapping OP_QUERY behavior to the find command limit and batchSize fields".
  const rawLimit = options.limit ?? 0;
  const rawBatchSize = options.batchSize ?? 0;
  const singleBatch = rawLimit < 0 || rawBatchSize < 0 || options.singleBatch === true;
  const limit = Math.abs(rawLimit);
  // A negative limit (legacy OP_QUERY "one batch of n") also sizes the batch; an explicit
  // singleBatch (findOne: limit 1) sends no batchSize (crud spec, findOne).
  let batchSize = rawLimit < 0 ? limit : Math.abs(rawBatchSize);
  // batchSize == limit would leave an open cursor for nothing: ask for one more (crud spec, find).
  if (!singleBatch && limit > 0 && batchSize === limit) batchSize = limit + 1;
  if (limit !== 0) command.limit = limit;
  if (batchSize !== 0) command.batchSize = batchSize;
  if (singleBatch) command.singleBatch = true;
  return command;
}

/** Checks find's filter and options (MongoInvalidArgumentError), so nothing malformed is sent. */
export function validateFindOptions(options: FindOptions, filter?: unknown): void {
  if (filter !== undefined) assertDocument(filter, 'filter');
  assertDocument(options, 'options');
  for (const key of ['skip', 'limit', 'batchSize', 'maxTimeMS', 'maxAwaitTimeMS'] as const)
    assertInteger(options[key], key);
  if (options.skip !== undefined && options.skip < 0)
    throw new MongoInvalidArgumentError('skip must not be negative');
  for (const key of ['projection', 'collation', 'let', 'min', 'max'] as const) {
    if (options[key] !== undefined) assertDocument(options[key], key);
  }
  const hint = options.hint;
  if (hint !== undefined && typeof hint !== 'string') assertDocument(hint, 'hint');
  if (options.sort !== undefined) sortDocument(options.sort);
}

export function findOperation<T>(
  db: string,
  collection: string,
  filter: Document,
  options: FindOptions,
): CommandOperation<CursorReply<T>> {
  const bson = lazyCursorBson(options);
  return {
    commandName: 'find',
    dbName: db,
    kind: 'read',
    retryable: 'read',
    readConcernSupport: true,
    readPreference: readPreferenceOf(options.readPreference),
    build: (server) => ({
      command: withRawData(buildFindCommand(collection, filter, options), options.rawData, server),
      replyBson: bson.replyBson,
      releasableReply: options[REUSABLE_REPLIES] === true,
    }),
    parse: (reply) => parseLazyCursorReply<T>(reply, bson.batch),
  };
}

/** What `findOne`'s command yields: the document (or null) and, should the server keep one, its cursor. */
export interface FindOneReply<T> {
  readonly document: T | null;
  /** Non-zero only when the server left a cursor open despite `singleBatch` (then killed by the caller). */
  readonly openCursor?: { readonly ns: string; readonly id: CursorReply<T>['id'] };
}

/**
 * `findOne` as one command (crud spec: find with limit 1 and singleBatch), without a cursor around
 * it: the first document of the first batch, or null.
 */
export function findOneOperation<T>(
  db: string,
  collection: string,
  filter: Document,
  options: FindOptions,
): CommandOperation<FindOneReply<T>> {
  const bson = cursorBson(options);
  return {
    ...findOperation<T>(db, collection, filter, options),
    build: (server) => {
      const command = withRawData(buildFindCommand(collection, filter, options), options.rawData, server);
      // The official findOne: limit 1 in a single batch, whatever limit/batchSize were passed.
      command.limit = 1;
      delete command.batchSize;
      command.singleBatch = true;
      return { command, replyBson: bson.replyBson };
    },
    parse: (reply) => {
      const cursor = parseCursorReply<T>(reply, bson.batch);
      const document = cursor.batch[0] ?? null;
      return isZeroCursorId(cursor.id)
        ? { document }
        : { document, openCursor: { ns: cursor.ns, id: cursor.id } };
    },
  };
}
