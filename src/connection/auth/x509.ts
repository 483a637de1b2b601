import type { Document } from 'bson';
import { defer, map, type Observable } from '../../rx.js';
import type { Connection } from '../types.js';
import type { AuthProvider } from './provider.js';
import { DONE, wrapAuthErrors } from './sasl.js';

const MECHANISM = 'MONGODB-X509';

/**
 * MONGODB-X509: one `authenticate` command on `$external`; the user name comes from the client
 * certificate unless given (auth spec, MongoDB 3.4+). The whole command goes speculatively in the
 * hello, so a server that accepts it needs no further round trip.
 */
export class X509Provider implements AuthProvider {
  readonly mechanism = MECHANISM;
  readonly username: string | undefined;

  constructor(username: string | undefined) {
    this.username = username;
  }

  #command(): Document {
    const command: Document = { authenticate: 1, mechanism: MECHANISM };
    if (this.username !== undefined) command.user = this.username;
    return command;
  }

  helloFields(): Document {
    return { speculativeAuthenticate: { ...this.#command(), db: '$external' } };
  }

  authenticate(connection: Connection, helloReply: Document): Observable<void> {
    const speculative = helloReply.speculativeAuthenticate;
    if (typeof speculative === 'object' && speculative !== null) return DONE;
    return defer(() => connection.command('$external', this.#command())).pipe(
      map(() => undefined),
      wrapAuthErrors(MECHANISM, this.username),
    );
  }
}
