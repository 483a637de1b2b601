import type { Document } from 'bson';
import type { BsonOptions } from '../bson-options.js';
import { MongoInvalidArgumentError } from '../errors.js';
import { type ReadPreferenceLike, readPreferenceOf } from '../read-preference.js';
import { type CursorReply, cursorBson, parseCursorReply } from './cursor-commands.js';
import type { CommandOperation } from './operation.js';
import { assertDocument, assertInteger } from './options.js';
import { type Sort, sortDocument } from './sort.js';

/** Options of `find` (crud spec "Find", find_getmore_killcursors_commands). */
export interface FindOptions extends BsonOptions {
  /** Any official sort form (`{ n: -1 }`, `[['n', 'desc']]`, `'n'`, a Map, ...). */
  readonly sort?: Sort;
  readonly projection?: Document;
  readonly skip?: number;
  readonly limit?: number;
  readonly batchSize?: number;
  readonly hint?: Document | string;
  readonly maxTimeMS?: number;
  readonly maxAwaitTimeMS?: number;
  readonly comment?: unknown;
  readonly allowDiskUse?: boolean;
  readonly collation?: Document;
  readonly let?: Document;
  readonly min?: Document;
  readonly max?: Document;
  readonly returnKey?: boolean;
  readonly showRecordId?: boolean;
  readonly tailable?: boolean;
  readonly awaitData?: boolean;
  readonly noCursorTimeout?: boolean;
  readonly allowPartialResults?: boolean;
  readonly oplogReplay?: boolean;
  readonly readConcern?: Document;
  readonly readPreference?: ReadPreferenceLike;
  readonly singleBatch?: boolean;
  /** Fetch batch N+1 while batch N is consumed (driver-side; never sent). */
  readonly prefetch?: boolean;
}

const PASS_THROUGH = [
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
] as const;

/**
 * Builds `find` (find_getmore_killcursors_commands spec): a negative or limit-sized batch means one
 * batch; batchSize is capped by the limit so no more documents than needed are sent.
 */
export function buildFindCommand(collection: string, filter: Document, options: FindOptions): Document {
  const command: Document = { find: collection, filter };
  for (const key of PASS_THROUGH) if (options[key] !== undefined) command[key] = options[key];
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
  const bson = cursorBson(options);
  return {
    commandName: 'find',
    dbName: db,
    kind: 'read',
    retryable: 'read',
    readConcernSupport: true,
    readPreference: readPreferenceOf(options.readPreference),
    build: () => ({ command: buildFindCommand(collection, filter, options), replyBson: bson.replyBson }),
    parse: (reply) => parseCursorReply<T>(reply, bson.batch),
  };
}
