import type { Document } from 'bson';
import type { Observable } from '../../rx.js';
import type { Connection } from '../types.js';

/**
 * One authentication mechanism (auth spec). The handshake asks it to decorate the hello command
 * (speculativeAuthenticate, saslSupportedMechs), then runs `authenticate` with the hello reply so
 * a speculative conversation can be finished instead of restarted.
 */
export interface AuthProvider {
  readonly mechanism: string;
  /** Fields to add to the handshake hello. */
  helloFields(): Document;
  /** Completes authentication on a freshly handshaken connection; errors with MongoAuthError/MongoServerError. */
  authenticate(connection: Connection, helloReply: Document): Observable<void>;
}
