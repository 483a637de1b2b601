import type { Document } from 'bson';
import { defer, type Observable, of } from '../../rx.js';
import type { Connection } from '../types.js';
import type { AuthProvider } from './provider.js';
import {
  payloadBytes,
  runSaslConversation,
  saslAuthenticate,
  saslStartCommand,
  wrapAuthErrors,
} from './sasl.js';
import { CLIENT_NONCE_LENGTH, parseScramAttributes, ScramClient, type ScramMechanism } from './scram.js';

/** Speculative conversations whose hello has not been answered yet; older ones are dropped first. */
const PENDING_LIMIT = 64;

/**
 * The mechanism to use when none was configured (auth spec "Default Authentication Methods"):
 * SCRAM-SHA-256 when the hello lists it in `saslSupportedMechs`, otherwise SCRAM-SHA-1.
 */
export function negotiatedMechanism(helloReply: Document): ScramMechanism {
  const listed = helloReply.saslSupportedMechs;
  return Array.isArray(listed) && listed.includes('SCRAM-SHA-256') ? 'SCRAM-SHA-256' : 'SCRAM-SHA-1';
}

/**
 * SCRAM-SHA-1 / SCRAM-SHA-256, or negotiation between them when `mechanism` is undefined.
 *
 * Speculative authentication (handshake spec): each hello carries the saslStart of a fresh
 * conversation (SCRAM-SHA-256 when negotiating). One provider serves every connection of a client,
 * so the conversations are remembered by client nonce; the server echoes that nonce at the start
 * of its reply, which finds the conversation to continue.
 */
export class ScramProvider implements AuthProvider {
  readonly mechanism: string;
  readonly #explicit: ScramMechanism | undefined;
  readonly #source: string;
  readonly #username: string;
  readonly #password: string;
  readonly #pending = new Map<string, ScramClient>();

  constructor(mechanism: ScramMechanism | undefined, source: string, username: string, password: string) {
    this.mechanism = mechanism ?? 'DEFAULT';
    this.#explicit = mechanism;
    this.#source = source;
    this.#username = username;
    this.#password = password;
  }

  helloFields(): Document {
    const fields: Document = {};
    // The raw user name: the server looks it up as given (auth spec "Mechanism Negotiation").
    if (!this.#explicit) fields.saslSupportedMechs = `${this.#source}.${this.#username}`;
    const client = new ScramClient(this.#explicit ?? 'SCRAM-SHA-256', this.#username, this.#password);
    this.#pending.set(client.nonce, client);
    if (this.#pending.size > PENDING_LIMIT) this.#pending.delete(this.#pending.keys().next().value as string);
    fields.speculativeAuthenticate = saslStartCommand(client, { db: this.#source, skipEmptyExchange: true });
    return fields;
  }

  authenticate(connection: Connection, helloReply: Document): Observable<void> {
    const mechanism = this.#explicit ?? negotiatedMechanism(helloReply);
    return defer(() => {
      const speculative = helloReply.speculativeAuthenticate;
      const client = this.#speculativeClient(speculative);
      if (client && client.mechanism === mechanism) {
        return runSaslConversation(connection, this.#source, client, of(speculative as Document));
      }
      const fresh = new ScramClient(mechanism, this.#username, this.#password);
      return saslAuthenticate(connection, this.#source, fresh, { skipEmptyExchange: true });
    }).pipe(wrapAuthErrors(mechanism, this.#username));
  }

  /** The conversation a speculative reply continues, taken out of the pending set. */
  #speculativeClient(reply: unknown): ScramClient | undefined {
    if (typeof reply !== 'object' || reply === null) return undefined;
    let nonce: string | undefined;
    try {
      const serverFirst = Buffer.from(payloadBytes((reply as Document).payload)).toString('utf8');
      nonce = parseScramAttributes(serverFirst).get('r')?.slice(0, CLIENT_NONCE_LENGTH);
    } catch {
      return undefined;
    }
    if (nonce === undefined) return undefined;
    const client = this.#pending.get(nonce);
    this.#pending.delete(nonce);
    return client;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ScramProvider { mechanism: '${this.mechanism}', source: '${this.#source}', username: '${this.#username}' }`;
  }
}
