import type { Document } from 'bson';
import type { Observable } from '../../rx.js';
import type { Connection } from '../types.js';
import type { AuthProvider } from './provider.js';
import { type SaslClient, saslAuthenticate, wrapAuthErrors } from './sasl.js';

/** RFC 4616 client: one message `authzid \0 authcid \0 password` (authzid left empty). */
export class PlainClient implements SaslClient {
  readonly mechanism = 'PLAIN';
  readonly #username: string;
  readonly #password: string;

  constructor(username: string, password: string) {
    this.#username = username;
    this.#password = password;
  }

  start(): Uint8Array {
    return Buffer.from(`\0${this.#username}\0${this.#password}`, 'utf8');
  }

  step(): Uint8Array {
    return new Uint8Array(0);
  }

  finish(): void {}

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `PlainClient { username: '${this.#username}' }`;
  }
}

/** PLAIN (LDAP) over SASL; never speculative (auth spec "PLAIN"). */
export class PlainProvider implements AuthProvider {
  readonly mechanism = 'PLAIN';
  readonly #source: string;
  readonly #username: string;
  readonly #password: string;

  constructor(source: string, username: string, password: string) {
    this.#source = source;
    this.#username = username;
    this.#password = password;
  }

  helloFields(): Document {
    return {};
  }

  authenticate(connection: Connection): Observable<void> {
    const client = new PlainClient(this.#username, this.#password);
    return saslAuthenticate(connection, this.#source, client, {}).pipe(
      wrapAuthErrors(this.mechanism, this.#username),
    );
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `PlainProvider { source: '${this.#source}', username: '${this.#username}' }`;
  }
}
