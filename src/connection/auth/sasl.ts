import { Binary, type Document } from 'bson';
import { MongoAuthError, MongoError, MongoNetworkError } from '../../errors.js';
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  expand,
  from,
  map,
  type Observable,
  of,
  takeLast,
} from '../../rx.js';
import type { Connection } from '../types.js';

/** A server that keeps a conversation going longer than this is refused (SCRAM needs at most 3). */
const MAX_SASL_STEPS = 10;

/**
 * The client side of one SASL conversation (auth spec "SASL Mechanisms"). `start` gives the
 * client-first payload, `step` answers each server challenge while the server is not done, and
 * `finish` checks the last server payload (e.g. the SCRAM server signature); it throws to refuse.
 */
export interface SaslClient {
  readonly mechanism: string;
  start(): Uint8Array;
  step(challenge: Uint8Array): Uint8Array | Promise<Uint8Array>;
  finish(payload: Uint8Array): void;
}

/** The `saslStart` command; `db` is added when it is sent as speculativeAuthenticate (handshake spec). */
export function saslStartCommand(
  client: SaslClient,
  options: { db?: string; skipEmptyExchange?: boolean },
): Document {
  const command: Document = {
    saslStart: 1,
    mechanism: client.mechanism,
    payload: new Binary(client.start()),
    autoAuthorize: 1,
  };
  if (options.skipEmptyExchange) command.options = { skipEmptyExchange: true };
  if (options.db !== undefined) command.db = options.db;
  return command;
}

/** The bytes of a SASL reply payload: BinData, or a base64 string from some servers. */
export function payloadBytes(value: unknown): Uint8Array {
  if (value instanceof Binary) return value.value();
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  if (value === undefined || value === null) return new Uint8Array(0);
  throw new MongoAuthError('SASL reply carries a payload that is neither binary nor a string');
}

/**
 * Runs a conversation to the end: saslStart (or the speculative reply of the hello, which is the
 * saslStart reply), then saslContinue while the server is not done. Completes once the server says
 * done and `finish` accepted its last payload.
 */
export function runSaslConversation(
  connection: Connection,
  db: string,
  client: SaslClient,
  first: Observable<Document>,
): Observable<void> {
  let steps = 0;
  return first.pipe(
    expand((reply) => {
      if (reply.done === true) return EMPTY;
      if (++steps > MAX_SASL_STEPS) {
        throw new MongoAuthError(
          `${client.mechanism} conversation did not end after ${MAX_SASL_STEPS} steps`,
        );
      }
      return defer(() => from(Promise.resolve(client.step(payloadBytes(reply.payload))))).pipe(
        concatMap((answer) =>
          connection.command(db, {
            saslContinue: 1,
            conversationId: reply.conversationId,
            payload: new Binary(answer),
          }),
        ),
      );
    }),
    takeLast(1),
    map((last) => client.finish(payloadBytes(last.payload))),
  );
}

/** Sends saslStart and runs the rest of the conversation. */
export function saslAuthenticate(
  connection: Connection,
  db: string,
  client: SaslClient,
  options: { skipEmptyExchange?: boolean },
): Observable<void> {
  return runSaslConversation(
    connection,
    db,
    client,
    defer(() => connection.command(db, saslStartCommand(client, options))),
  );
}

/**
 * Turns a failure of the conversation into a MongoAuthError naming the mechanism and the user
 * (never the password). Network errors pass through unchanged: SDAM must see them as such.
 */
export function wrapAuthErrors(mechanism: string, username: string | undefined) {
  return <T>(source: Observable<T>): Observable<T> =>
    source.pipe(
      catchError((e: unknown) => {
        if (e instanceof MongoNetworkError) throw e;
        const who = username === undefined ? 'from the client certificate' : `"${username}"`;
        const reason = e instanceof Error ? e.message : String(e);
        const prefix = `Authentication failed for user ${who} with ${mechanism}`;
        if (e instanceof MongoAuthError && e.message.startsWith(prefix)) throw e;
        throw new MongoAuthError(`${prefix}: ${reason}`, {
          cause: e,
          errorLabels: e instanceof MongoError ? e.errorLabels : undefined,
        });
      }),
    );
}

/** `of(undefined)` typed for providers that have nothing left to do. */
export const DONE: Observable<void> = of(undefined);
