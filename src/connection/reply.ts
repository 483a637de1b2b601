// What a decoded reply means for the request it answers: a document, a server error, a reply the
// driver cannot use, or a protocol violation that ends the connection.
import type { Document } from 'bson';
import {
  type MongoError,
  MongoProtocolError,
  MongoServerError,
  MongoUnexpectedServerResponseError,
} from '../errors.js';
import { OP_MSG, OP_REPLY, type WireMessage } from '../wire/index.js';

/** OP_REPLY responseFlags bit 1: the query failed and the one document is `{ $err, code }`. */
const QUERY_FAILURE = 1 << 1;

export type ReplyOutcome =
  /** `more`: an exhaust reply with moreToCome; another reply will follow for the same request. */
  | { readonly kind: 'reply'; readonly reply: Document; readonly more: boolean }
  /** The request fails; the connection stays usable. */
  | { readonly kind: 'error'; readonly error: MongoError }
  /** The bytes broke the protocol: the connection cannot be trusted any more. */
  | { readonly kind: 'fatal'; readonly error: MongoError };

/** Interprets a reply to a request that set exhaustAllowed (`exhaust`) or not. */
export function interpretReply(message: WireMessage, exhaust: boolean): ReplyOutcome {
  if (message.opCode === OP_MSG) {
    return withDocument(message.body, exhaust && message.moreToCome);
  }
  if (message.opCode === OP_REPLY) {
    const doc = message.documents[0];
    if (message.documents.length !== 1 || doc === undefined) {
      return fatal(`OP_REPLY with ${message.documents.length} documents, expected 1`);
    }
    if (message.responseFlags & QUERY_FAILURE) return { kind: 'error', error: new MongoServerError(doc) };
    return withDocument(doc, false);
  }
  return fatal(`unexpected opCode ${message.opCode} in a reply`);
}

function withDocument(reply: Document, more: boolean): ReplyOutcome {
  const error = replyError(reply);
  return error ? { kind: 'error', error } : { kind: 'reply', reply, more };
}

function fatal(message: string): ReplyOutcome {
  return { kind: 'fatal', error: new MongoProtocolError(message) };
}

/**
 * The error a reply document stands for, if any: `ok` other than 1 is a server error; a reply
 * without a usable `ok` is MongoUnexpectedServerResponseError (legacy `$err` replies excepted).
 */
export function replyError(reply: Document): MongoError | undefined {
  const ok = okValue(reply.ok);
  if (ok === 1) return undefined;
  if (ok !== undefined || reply.$err !== undefined) return new MongoServerError(reply);
  return new MongoUnexpectedServerResponseError(
    reply.ok === undefined
      ? "Server reply has no 'ok' field"
      : `Server reply has an 'ok' field of type ${typeof reply.ok}, expected a number`,
  );
}

function okValue(ok: unknown): number | undefined {
  if (typeof ok === 'number') return ok;
  if (typeof ok === 'boolean') return ok ? 1 : 0;
  // A Double or Int32 object (a reply decoded with the user's promoteValues: false).
  if (isBoxedNumber(ok)) return ok.valueOf();
  return undefined;
}

/** A bson Double or Int32 (what promoteValues: false decodes numbers to). */
function isBoxedNumber(v: unknown): v is { valueOf(): number } {
  if (typeof v !== 'object' || v === null) return false;
  const type = (v as { _bsontype?: unknown })._bsontype;
  return type === 'Double' || type === 'Int32';
}
