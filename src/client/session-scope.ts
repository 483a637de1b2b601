import { MongoExpiredSessionError, MongoInvalidArgumentError } from '../errors.js';
import { ExecutionScope } from '../execute/scope.js';
import { ClientSession, type SessionOwner } from '../session/client-session.js';

/** The `session` option every operation takes (driver sessions spec). */
export interface SessionOption {
  readonly session?: ClientSession;
}

/** The session given to an operation, checked: of this client and not ended (typed errors, on subscribe). */
export function explicitSession(
  owner: SessionOwner,
  options: SessionOption | undefined,
): ClientSession | undefined {
  const session = (options as { session?: unknown } | undefined)?.session;
  if (session === undefined || session === null) return undefined;
  if (!(session instanceof ClientSession) || session.owner !== owner) {
    throw new MongoInvalidArgumentError('ClientSession must be from the same MongoClient');
  }
  if (session.hasEnded) throw new MongoExpiredSessionError('Cannot use a session that has ended');
  return session;
}

/** The scope of one operation: the given session, or undefined to let the execution path use an implicit one. */
export function scopeFor(
  owner: SessionOwner,
  options: SessionOption | undefined,
): ExecutionScope | undefined {
  const session = explicitSession(owner, options);
  return session ? new ExecutionScope({ session }) : undefined;
}
