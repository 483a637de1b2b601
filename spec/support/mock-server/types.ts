import type { Document } from 'bson';
import type { Compressor, DocumentSequence, OP_MSG, OP_QUERY } from '../../../src/wire/index.js';
import type { HelloOptions } from './hello.js';

/** One request the mock server received (OP_MSG, or a legacy OP_QUERY command). */
export interface MockRequest {
  /** The command body (for OP_QUERY, the query with any `$query` wrapper removed). */
  readonly command: Document;
  /** First key of the command, e.g. "hello", "find". */
  readonly commandName: string;
  /** `$db` for OP_MSG; the database of `<db>.$cmd` for OP_QUERY. */
  readonly db: string;
  readonly sequences: readonly DocumentSequence[];
  /** Server-side id of the connection it arrived on (1, 2, ...). */
  readonly connectionId: number;
  readonly requestId: number;
  readonly moreToCome: boolean;
  readonly exhaustAllowed: boolean;
  /** True when it arrived in OP_COMPRESSED; `compressor` then names the compressor. */
  readonly compressed: boolean;
  readonly compressor: Compressor | undefined;
  readonly opCode: typeof OP_MSG | typeof OP_QUERY;
  /** Aborted when the connection closes or the server stops (ends long exhaust streams). */
  readonly signal: AbortSignal;
}

/** A reply marked as the last of an async exhaust stream (sent without moreToCome). */
export interface FinalReply {
  readonly finalReply: Document;
}

/**
 * Anything but a plain reply. Steps run in this order: wait `delayMS`, write `raw` bytes, send
 * `reply` or `replies`, then close the connection when `close` is set.
 */
export interface MockAction {
  delayMS?: number;
  /** One reply (use this form to add `delayMS` or `close`). */
  reply?: Document;
  /**
   * Exhaust stream: an array is sent with moreToCome on all but the last. An async iterable
   * sends each reply as it is produced with moreToCome, except a `{ finalReply }` item, which
   * ends the stream; the stream also ends when the connection closes.
   */
  replies?: readonly Document[] | AsyncIterable<Document | FinalReply>;
  /** Drop the connection (after anything else in this action). */
  close?: true;
  /** Send nothing (e.g. to let the client time out). */
  noReply?: true;
  /** Write these bytes as they are (malformed replies, partial frames). */
  raw?: Buffer | readonly Buffer[];
  /** Override compression of the reply: default mirrors the request's compressor. */
  compressor?: Compressor | 'none';
}

export type MockResponse = Document | MockAction;

/** Returns how to answer; `undefined` falls through to the built-in defaults (hello, ping, ...). */
export type MockHandler = (
  request: MockRequest,
) => MockResponse | undefined | Promise<MockResponse | undefined>;

export interface MockServerOptions {
  handler?: MockHandler;
  /** Compressors the server supports (negotiated in hello). Default: none. */
  compressors?: readonly Compressor[];
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** What the built-in hello says; change later with `server.setHello()`. */
  hello?: HelloOptions;
  /** Largest request accepted; larger ones close the connection. Default 48,000,000. */
  maxMessageSizeBytes?: number;
}

export const CONTROL_KEYS: ReadonlySet<string> = new Set([
  'delayMS',
  'reply',
  'replies',
  'close',
  'noReply',
  'raw',
  'compressor',
]);
const ACTION_KEYS = ['reply', 'replies', 'close', 'noReply', 'raw'];

/** A response is an action when all its keys are action keys and it says what to do. */
export function isMockAction(response: MockResponse): response is MockAction {
  const keys = Object.keys(response);
  return keys.every((k) => CONTROL_KEYS.has(k)) && ACTION_KEYS.some((k) => k in response);
}

export function finalReply(reply: Document): FinalReply {
  return { finalReply: reply };
}
