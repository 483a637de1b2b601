import type { Document } from 'bson';
import type { CursorTimeout } from '../cursor/cursor-run.js';
import { MongoExpiredSessionError, MongoInvalidArgumentError } from '../errors.js';
import type { ExecutionContext } from '../execute/context.js';
import { ExecutionScope } from '../execute/scope.js';
import { isValidTimeoutMS } from '../execute/timeout.js';
import { ClientSession, type SessionOwner } from '../session/client-session.js';

/** What every operation takes: its session (driver sessions spec) and its `timeoutMS` (CSOT). */
export interface SessionOption {
  readonly session?: ClientSession;
  /**
   * CSOT: this operation's time limit in ms (0 = none), overriding the collection's, db's and
   * client's; once set at any level it cannot be unset below it.
   */
  readonly timeoutMS?: number;
}

/** The options of operations that create cursors (CSOT "Cursors"). */
export interface CursorTimeoutOption extends SessionOption {
  /** Default: `cursorLifetime` for non-tailable cursors, `iteration` (the only one allowed) for tailable ones. */
  readonly timeoutMode?: 'cursorLifetime' | 'iteration';
}

/**
 * A cursor's CSOT settings from its options and the inherited timeoutMS (undefined: CSOT off),
 * checked by CSOT "Cursors": timeoutMode needs timeoutMS, tailable cursors take only ITERATION,
 * an awaitData `maxAwaitTimeMS` must stay below a non-zero timeoutMS.
 */
export function cursorTimeout(
  options: CursorTimeoutOption & { tailable?: boolean; awaitData?: boolean; maxAwaitTimeMS?: number },
  inherited: number | undefined,
  pipeline?: readonly Document[],
): CursorTimeout | undefined {
  const timeoutMS = operationTimeoutMS(options, inherited);
  const mode = options.timeoutMode;
  if (mode !== undefined && mode !== 'cursorLifetime' && mode !== 'iteration')
    throw new MongoInvalidArgumentError(
      `timeoutMode must be 'cursorLifetime' or 'iteration', got ${String(mode)}`,
    );
  if (timeoutMS === undefined) {
    if (mode !== undefined) throw new MongoInvalidArgumentError('timeoutMode requires timeoutMS');
    return undefined;
  }
  if (options.tailable && mode === 'cursorLifetime')
    throw new MongoInvalidArgumentError("tailable cursors support only timeoutMode 'iteration'");
  const maxAwait = options.maxAwaitTimeMS;
  if (timeoutMS > 0 && maxAwait !== undefined && maxAwait >= timeoutMS)
    throw new MongoInvalidArgumentError('maxAwaitTimeMS must be less than timeoutMS');
  // An aggregate that writes ($out, $merge) does its work in the first command: per-iteration
  // timeouts cannot apply to it.
  if (mode === 'iteration' && pipeline?.some((stage) => '$out' in stage || '$merge' in stage))
    throw new MongoInvalidArgumentError("timeoutMode 'iteration' cannot be used with $out or $merge");
  const resolved = mode ?? (options.tailable ? 'iteration' : 'cursorLifetime');
  const awaitData = options.tailable === true && options.awaitData === true;
  return { timeoutMS, mode: resolved, maxTimeMSOnOpen: resolved === 'cursorLifetime' || awaitData };
}

/** A `timeoutMS` value, checked: undefined, or a non-negative integer (MongoInvalidArgumentError). */
export function checkedTimeoutMS(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (!isValidTimeoutMS(value))
    throw new MongoInvalidArgumentError(
      `${where} timeoutMS must be a non-negative integer, got ${String(value)}`,
    );
  return value;
}

/** The operation's `timeoutMS`: its own when set, else the inherited one (collection -> db -> client). */
export function operationTimeoutMS(
  options: SessionOption | undefined,
  inherited: number | undefined,
): number | undefined {
  return checkedTimeoutMS(options?.timeoutMS, 'operation') ?? inherited;
}

/**
 * The scope of one operation (or of a multi-command one: a bulk write's batches), with its deadline
 * started now (CSOT: at subscribe): the given session, or an implicit one that `end` gives back.
 */
export function operationScope(
  ctx: ExecutionContext,
  owner: SessionOwner,
  options: SessionOption | undefined,
  inheritedTimeoutMS: number | undefined,
  now: number,
): { scope: ExecutionScope; end: () => void } {
  const session = explicitSession(owner, options);
  const shared = session?.withTransactionScope;
  if (shared) {
    // CSOT: the callback of a withTransaction with a timeout runs within its deadline, never its own.
    if (options?.timeoutMS !== undefined)
      throw new MongoInvalidArgumentError('Cannot override timeoutMS inside a withTransaction callback');
    const scope = new ExecutionScope({ session });
    scope.inheritDeadline(shared);
    return { scope, end: () => {} };
  }
  const timeoutMS = operationTimeoutMS(options, inheritedTimeoutMS);
  const scope = new ExecutionScope({ session: session ?? ctx.implicitSession?.(), timeoutMS });
  scope.startDeadline(now);
  return { scope, end: session ? () => {} : () => scope.session?.done() };
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
