import { type DeserializeOptions, type Document, deserialize, Long, Timestamp } from 'bson';
import { type BsonOptions, decodeBatch, RAW_BATCHES, readBsonOptions } from '../bson-options.js';
import { takeReplyRelease } from '../connection/reply-frames.js';
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
  /**
   * Lazy replies (cursors' find/aggregate/getMore): the batch still as BSON bytes, one piece per
   * document, decoded one at a time as it is emitted (`decodeDocument`); `batch` is then empty.
   * Documents decoded as they go die young (cheap for the GC), and a batch waiting behind the
   * one being emitted holds only its bytes.
   */
  readonly encoded?: EncodedBatch;
  /**
   * Hands the reply's bytes back for reuse (requests with `releasableReply` only): called once
   * nothing reads the batch any more.
   */
  readonly release?: () => void;
}

/** A batch kept as BSON bytes, and how its documents are decoded (the user's BSON options). */
export interface EncodedBatch {
  /** BSON bytes per document (a piece that is not bytes is emitted as it is). */
  readonly docs: readonly Uint8Array[];
  readonly options: (DeserializeOptions & { raw?: boolean }) | undefined;
}

/** The number of documents of a reply, lazy or not. */
export function batchLengthOf(reply: CursorReply<unknown>): number {
  return reply.encoded ? reply.encoded.docs.length : reply.batch.length;
}

/** Decodes one document of a lazy batch (`raw`: its bytes as they are); anything else is returned as it is. */
export function decodeDocument<T>(
  doc: T | Uint8Array,
  options: (DeserializeOptions & { raw?: boolean }) | undefined,
): T {
  if (!(doc instanceof Uint8Array) || options?.raw) return doc as T;
  return deserialize(doc, options) as T;
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

/** How a cursor's find/aggregate/getMore reply is decoded when its batch is read lazily. */
export function lazyCursorBson(options: BsonOptions): {
  replyBson: DeserializeOptions;
  batch: DeserializeOptions | undefined;
} {
  return { replyBson: RAW_BATCHES, batch: readBsonOptions(options) };
}

/** parseCursorReply for a reply decoded with RAW_BATCHES whose batch is read lazily (see `encoded`). */
export function parseLazyCursorReply<T>(
  reply: Document,
  batchBson: DeserializeOptions | undefined,
): CursorReply<T> {
  const parsed = parseCursorReply<unknown>(reply);
  // Documents arrive as bytes (RAW_BATCHES); anything else (a value that is not a document, a
  // reply decoded by a test double) is emitted as it is, as an eager decode would.
  return { ...parsed, batch: [], encoded: { docs: parsed.batch as Uint8Array[], options: batchBson } };
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
    release: takeReplyRelease(reply),
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
  /** The reply's batch is read lazily (`CursorReply.encoded`): for cursor runs, which decode as they emit. */
  readonly lazy?: boolean;
  /** The reader hands the reply's bytes back (`CursorReply.release`; REUSABLE_REPLIES). */
  readonly releasable?: boolean;
}

/** getMore (find_getmore_killcursors_commands spec). Never retried; no API version fields. */
export function getMoreOperation<T>(
  ns: string,
  id: Long | bigint | number,
  options: GetMoreOptions = {},
): CommandOperation<CursorReply<T>> {
  const { db, collection } = splitNamespace(ns);
  const bson = options.lazy ? lazyCursorBson(options.bson ?? {}) : cursorBson(options.bson ?? {});
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
      return { command, replyBson: bson.replyBson, releasableReply: options.releasable === true };
    },
    parse: (reply) =>
      options.lazy ? parseLazyCursorReply<T>(reply, bson.batch) : parseCursorReply<T>(reply, bson.batch),
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
