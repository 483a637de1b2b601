import type { Document } from 'bson';
import { ReadPreference } from '../read-preference.js';
import type { CommandOperation } from './operation.js';

/**
 * `endSessions` for up to 10,000 server sessions (sessions spec, "When a MongoClient is closed"):
 * to the primary if there is one, else any data-bearing member; never with an lsid; never retried.
 */
export function endSessionsOperation(ids: readonly Document[]): CommandOperation<void> {
  return {
    commandName: 'endSessions',
    dbName: 'admin',
    kind: 'read',
    retryable: false,
    // Sent by close(), which must not linger: never retried (sessions spec: its errors are ignored).
    overloadRetry: false,
    sessionSupport: false,
    readPreference: ReadPreference.primaryPreferred,
    build: () => ({ command: { endSessions: ids } }),
    parse: () => undefined,
  };
}
