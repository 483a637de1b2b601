import { type DeserializeOptions, type Document, Long, Timestamp } from 'bson';
import { type BsonOptions, decodeBatch, RAW_BATCHES, readBsonOptions } from '../bson-options.js';
import { MongoUnexpectedServerResponseError } from '../errors.js';
import type { CommandOperation } from './operation.js';

/** Options every cursor-opening command shares (driver-side getMore settings included). */
export interface CursorBatchOptions {
  /** Documents per batch (first batch and getMore). */
  readonly batchSize?: number;
  /** getMore `maxTimeMS` for tailable awaitData cursors and change streams. */
  readonly maxAwaitTimeMS?: number;
  readonly comment?: unknown;
  /** Fetch batch N+1 while batch N is consumed (driver-side; never sent). */
  readonly prefetch?: boolean;
}

/** Options of every cursor command: the cursor's own and how its documents are decoded. */
export interface CursorCommandOptions extends CursorBatchOptions, BsonOptions {}

/** A cursor reply (find/aggregate/getMore/list*): the batch, the id to continue with, and the namespace. */
export interface CursorReply<T = Document> {
  readonly id: Long | bigint | number;
  readonly ns: string;
  readonly batch: T[];
  /** Change streams: the resume token after this batch. */
  readonly postBatchResumeToken?: Document;
  /** The reply's `operationTime` (change streams start at it when nothing else is known). */
  readonly operationTime?: Timestamp;
}

/** True when a cursor id means "exhausted" (0, however it is typed). */
export function isZeroCursorId(id: Long | bigint | number): boolean {
  if (typeof id === 'number') return id === 0;
  if (typeof id === 'bigint') return id === 0n;
  return id.isZero();
}

/**
 * How a cursor command built with the user's BSON options has its reply decoded, and how its
 * batches are then read (undefined for both when the defaults apply: nothing decoded twice).
 */
export function cursorBson(options: BsonOptions): {
  replyBson?: DeserializeOptions;
  batch?: DeserializeOptions;
} {
  const batch = readBsonOptions(options);
  return batch ? { replyBson: RAW_BATCHES, batch } : {};
}

/**
 * Reads `cursor.firstBatch` / `cursor.nextBatch` from a reply, or errors on a malformed one;
 * with `batchBson`, the batch (kept as bytes) is decoded with the user's options.
 */
export function parseCursorReply<T>(reply: Document, batchBson?: DeserializeOptions): CursorReply<T> {
  const cursor = reply.cursor as Document | undefined;
  if (!cursor || typeof cursor !== 'object')
    throw new MongoUnexpectedServerResponseError('reply has no cursor');
  const batch = cursor.firstBatch ?? cursor.nextBatch;
  if (!Array.isArray(batch)) throw new MongoUnexpectedServerResponseError('cursor reply has no batch');
  const id = cursor.id;
  if (typeof id !== 'number' && typeof id !== 'bigint' && !(id && typeof id === 'object' && 'isZero' in id)) {
    throw new MongoUnexpectedServerResponseError('cursor reply has no id');
  }
  return {
    id: id as Long | bigint | number,
    ns: typeof cursor.ns === 'string' ? cursor.ns : '',
    batch: batchBson ? decodeBatch<T>(batch, batchBson) : (batch as T[]),
    postBatchResumeToken: cursor.postBatchResumeToken,
    operationTime: reply.operationTime instanceof Timestamp ? reply.operationTime : undefined,
  };
}

/** Splits "db.collection.with.dots" into its database and collection parts. */
export function splitNamespace(ns: string): { db: string; collection: string } {
  const dot = ns.indexOf('.');
  return dot < 0 ? { db: ns, collection: '' } : { db: ns.slice(0, dot), collection: ns.slice(dot + 1) };
}

export interface GetMoreOptions {
  readonly batchSize?: number;
  readonly maxAwaitTimeMS?: number;
  readonly comment?: unknown;
  /** The cursor's BSON options: its later batches are decoded as its first. */
  readonly bson?: BsonOptions;
}

/** getMore (find_getmore_killcursors_commands spec). Never retried; no API version fields. */
export function getMoreOperation<T>(
  ns: string,
  id: Long | bigint | number,
  options: GetMoreOptions = {},
): CommandOperation<CursorReply<T>> {
  const { db, collection } = splitNamespace(ns);
  const bson = cursorBson(options.bson ?? {});
  return {
    commandName: 'getMore',
    dbName: db,
    kind: 'read',
    retryable: false,
    build: () => {
      const command: Document = { getMore: toLong(id), collection };
      if (options.batchSize !== undefined && options.batchSize > 0) command.batchSize = options.batchSize;
      if (options.maxAwaitTimeMS !== undefined) command.maxTimeMS = options.maxAwaitTimeMS;
      if (options.comment !== undefined) command.comment = options.comment;
      return { command, replyBson: bson.replyBson };
    },
    parse: (reply) => parseCursorReply<T>(reply, bson.batch),
  };
}

/** killCursors for one cursor; the reply is not inspected beyond ok. */
export function killCursorsOperation(ns: string, id: Long | bigint | number): CommandOperation<void> {
  const { db, collection } = splitNamespace(ns);
  return {
    commandName: 'killCursors',
    dbName: db,
    kind: 'read',
    retryable: false,
    build: () => ({ command: { killCursors: collection, cursors: [toLong(id)] } }),
    parse: () => undefined,
  };
}

/** Cursor ids are int64 on the wire whatever type they were decoded as. */
export function toLong(id: Long | bigint | number): Long {
  if (typeof id === 'number') return Long.fromNumber(id);
  if (typeof id === 'bigint') return Long.fromBigInt(id);
  return id;
}
