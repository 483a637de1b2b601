import type { Document, Long } from 'bson';
import type { Connection } from '../connection/types.js';
import {
  MongoNetworkError,
  MongoOperationTimeoutError,
  MongoPoolClearedError,
  MongoServerSelectionError,
  MongoWriteConcernError,
  parseServerResponse,
  TRANSIENT_TRANSACTION_ERROR,
} from '../errors.js';
import type { CommandOperation } from '../operations/operation.js';
import {
  catchError,
  defer,
  Observable,
  of,
  type Subscription,
  switchMap,
  take,
  throwError,
  timeout,
  timer,
} from '../rx.js';
import type { ServerDescription } from '../sdam/description/server-description.js';
import type { SelectedServer } from '../sdam/topology-contract.js';
import { clockOf, type ExecutionContext, maxRetriesOf } from './context.js';
import { decorateCommand } from './decorate.js';
import {
  errorAfterRetry,
  isOverloadError,
  isRetryableOverloadError,
  isRetryableReadError,
  labelRetryableWriteError,
  newRetryCount,
  overloadBackoffMS,
  overloadRetryAllowed,
  type RetryCount,
  type RetryKind,
  retryKindOf,
  rewriteUnsupportedRetryableWrite,
  supportsRetryableWrites,
  takeRetry,
} from './retry-rules.js';
import { ExecutionScope, type SessionServerInfo, type TransactionPart } from './scope.js';
import { serverInfoOf } from './server-info.js';
import { asOperationTimeout, awaitMaxTimeMSFor, maxTimeMSFor } from './timeout.js';

/** Where an operation was when its deadline passed (CSOT: the error says when expiry was detected). */
type Stage = 'server selection' | 'connection check-out' | 'command';

/** What one run of an operation remembers across its attempts. */
interface Attempts {
  readonly retry: RetryKind;
  /** client-backpressure: the command may be retried on a retryable overload error. */
  readonly overloadRetry: boolean;
  /** The retries made so far, by every policy (shared with the scope's other commands when it says so). */
  readonly count: RetryCount;
  /**
   * A transaction's first statement: the fields that start the transaction, sent again by its retry
   * (an overload retry re-sends the same command; the session has moved on to 'in progress').
   */
  startFields: Document | undefined;
  /** The retry under way is one only the overload policy allows (not a retryable-writes retry). */
  overloadOnly: boolean;
  /** The server of the last attempt (deprioritized by the retry). */
  failedOn: ServerDescription | undefined;
  /** This run pinned the scope's server (a retry unpins it to select again). */
  pinnedHere: boolean;
  /** Retryable writes: the txnNumber of the first attempt, sent again by the retry. */
  txnNumber: Long | undefined;
  retrying: boolean;
  /** The error of the first attempt, raised when the retry cannot be made. */
  firstError: unknown;
  stage: Stage;
  /** The command's part in the session's transaction (undefined outside one). */
  readonly transaction: TransactionPart | undefined;
  /** Names this run in server selection and command events (every attempt shares it). */
  readonly operationId: number;
}

/** Operation ids (command-logging-and-monitoring, server-selection "Logging"): unique per process. */
let nextOperationId = 1;

/**
 * THE chokepoint: every command of the driver (find, getMore, killCursors, each batch of a bulk
 * write, endSessions, ...) passes here and nowhere else. Scope -> select a server (or use the
 * pinned one) -> check out a connection (or use the pinned one) -> build -> decorate (API version,
 * read preference, cluster time, session, txnNumber) -> send -> parse -> classify -> retry once ->
 * check in. Cold: nothing happens before subscribe; unsubscribing cancels selection and releases
 * the connection. Without a scope, the operation gets its own, with an implicit session that goes
 * back to the pool when the operation ends.
 */
export function executeOperation<T>(
  ctx: ExecutionContext,
  op: CommandOperation<T>,
  scope?: ExecutionScope,
): Observable<T> {
  if (scope) return defer(() => underDeadline(ctx, op, scope));
  return new Observable<T>((subscriber) => {
    const own = new ExecutionScope({ session: ctx.implicitSession?.(), timeoutMS: ctx.timeoutMS });
    own.startDeadline(clockOf(ctx).now());
    const work = underDeadline(ctx, op, own).subscribe(subscriber);
    return () => {
      work.unsubscribe();
      own.session?.done();
    };
  });
}

/**
 * CSOT: the whole run (every attempt: selection, check-out, establishment, send, reply) ends by the
 * scope's deadline. One timer on the scheduler cuts whatever is blocking at that moment, and the
 * teardown releases it as any unsubscribe does (selection and check-out leave their queues, a
 * command in flight closes its connection); errors are transformed by the CSOT rules. Without
 * `timeoutMS` nothing changes: the legacy timeouts apply.
 */
function underDeadline<T>(
  ctx: ExecutionContext,
  op: CommandOperation<T>,
  scope: ExecutionScope,
): Observable<T> {
  const transaction = scope.session?.transactionFor(op);
  const state: Attempts = {
    // transactions spec: statements of a transaction are never retried (commit/abort retry in the session).
    retry: transaction ? false : retryKindOf(op, ctx),
    // client-backpressure: every command, a transaction's statements and commit/abort included.
    overloadRetry: overloadRetryAllowed(op, ctx),
    count: scope.retryCount ?? newRetryCount(),
    startFields: undefined,
    overloadOnly: false,
    failedOn: undefined,
    pinnedHere: false,
    txnNumber: undefined,
    retrying: false,
    firstError: undefined,
    stage: 'server selection',
    transaction,
    operationId: nextOperationId++,
  };
  if (transaction?.role === 'statement') {
    return deadlineBound(ctx, scope, state, labelTransient(run(ctx, asStatement(op), scope, state), scope));
  }
  return deadlineBound(ctx, scope, state, run(ctx, op, scope, state));
}

/**
 * An operation as a statement of a transaction: the transaction's read preference (primary,
 * transactionFor checked it) replaces the operation's. (Its write concern: the session drops it.)
 */
function asStatement<T>(op: CommandOperation<T>): CommandOperation<T> {
  return { ...op, readPreference: undefined };
}

function deadlineBound<T>(
  ctx: ExecutionContext,
  scope: ExecutionScope,
  state: Attempts,
  out: Observable<T>,
): Observable<T> {
  if (!scope.csot) return out;
  const clock = clockOf(ctx);
  const deadline = scope.deadline;
  const bounded =
    deadline === undefined
      ? out
      : out.pipe(
          timeout({
            first: Math.max(0, deadline - clock.now()),
            scheduler: clock,
            with: () =>
              throwError(
                () =>
                  new MongoOperationTimeoutError(
                    `Operation timed out after ${scope.timeoutMS} ms, during ${state.stage}`,
                  ),
              ),
          }),
        );
  return bounded.pipe(
    catchError((e: unknown) => throwError(() => asOperationTimeout(e, deadline, clock.now()))),
  );
}

function run<T>(
  ctx: ExecutionContext,
  op: CommandOperation<T>,
  scope: ExecutionScope,
  state: Attempts,
): Observable<T> {
  // Select (or take the pinned server), then run on it: one Observable, not an operator chain.
  const attempt = (deprioritized: readonly ServerDescription[]): Observable<T> =>
    new Observable<T>((subscriber) => {
      state.stage = 'server selection';
      let onServer: Subscription | undefined;
      const selection = serverFor(ctx, op, scope, deprioritized, state).subscribe({
        next: (server) => {
          if (onServer) return;
          state.failedOn = server.description;
          if (scope.pinsServer && !scope.server) {
            scope.server = server;
            state.pinnedHere = true;
          }
          let work: Observable<T>;
          try {
            work = runOnServer(ctx, server, op, scope, state);
          } catch (e) {
            subscriber.error(e);
            return;
          }
          onServer = work.subscribe(subscriber);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          if (!onServer) subscriber.complete();
        },
      });
      return () => {
        selection.unsubscribe();
        onServer?.unsubscribe();
      };
    });
  // retryable reads/writes: one retry; CSOT: as many as fit before the deadline ("Retryability");
  // client-backpressure: any command on a retryable overload error, after a backoff, and once an
  // overload error was seen, at most maxAdaptiveRetries retries in all.
  // `previous`: the error to raise if this one cannot be retried and carries NoWritesPerformed.
  const retryAfter = (error: unknown, previous: unknown): Observable<T> => {
    const last = state.retrying ? errorAfterRetry(previous, error) : error;
    const byPolicy = shouldRetry(state, scope, error);
    const retryable = byPolicy || (state.overloadRetry && isRetryableOverloadError(error));
    if (!retryable) {
      if (!state.retrying) return throwError(() => rewriteUnsupportedRetryableWrite(error));
      return throwError(() => last);
    }
    if (!takeRetry(state.count, error, scope.csot, maxRetriesOf(ctx))) return throwError(() => last);
    // CSOT "Retryability": a retryable error after the deadline passed ends the operation as timed
    // out (the error that could not be retried is the cause), however late the reply came.
    const clock = clockOf(ctx);
    const now = clock.now();
    if (scope.deadline !== undefined && now >= scope.deadline) {
      return throwError(
        () =>
          new MongoOperationTimeoutError(`Operation timed out after ${scope.timeoutMS} ms`, { cause: last }),
      );
    }
    const overload = isOverloadError(error);
    const backoff = overload
      ? overloadBackoffMS(state.count.retries, (ctx.jitter ?? Math.random)(), error)
      : 0;
    // A backoff that would end after the deadline: no retry, the error as it is (the pseudocode's "bail early").
    if (scope.deadline !== undefined && now + backoff > scope.deadline) return throwError(() => last);
    // The retry selects again ("a new server selection"), so a server this run pinned is
    // unpinned; the failed one is avoided when another qualifies (deprioritized mongos), after an
    // overload error only with enableOverloadRetargeting (client-backpressure step 4).
    if (state.pinnedHere) scope.server = undefined;
    state.retrying = true;
    state.overloadOnly = !byPolicy;
    state.firstError ??= error;
    const avoid = state.failedOn && (!overload || ctx.enableOverloadRetargeting || isSharded(state.failedOn));
    const next = attempt(avoid && state.failedOn ? [state.failedOn] : []);
    return (backoff > 0 ? timer(backoff, clock).pipe(switchMap(() => next)) : next).pipe(
      catchError((retryError: unknown) => {
        // The retry's error is labelled by the same rules (a network error on it is retryable too).
        if (state.retry === 'write')
          labelRetryableWriteError(retryError, state.failedOn?.maxWireVersion ?? 0);
        return retryAfter(retryError, last);
      }),
    );
  };
  return attempt([]).pipe(catchError((error: unknown) => retryAfter(error, error)));
}

/** Sharded clusters retarget across mongos on every retryable error, overload ones included. */
function isSharded(server: ServerDescription): boolean {
  return server.type === 'Mongos';
}

/**
 * transactions spec, "TransientTransactionError": a network error or a server selection error of a
 * statement in a transaction means the whole transaction may be retried.
 */
function labelTransient<T>(out: Observable<T>, scope: ExecutionScope): Observable<T> {
  return out.pipe(
    catchError((error: unknown) => {
      // Network errors were labelled in sendOn, before the session saw them; a selection error
      // never reached the session: it learns of it here (a transient error unpins).
      if (error instanceof MongoServerSelectionError) {
        error.addErrorLabel(TRANSIENT_TRANSACTION_ERROR);
        scope.session?.onError(error);
      }
      return throwError(() => error);
    }),
  );
}

/** retryable-reads / retryable-writes: one retry, for the errors the specs call retryable. */
function shouldRetry(state: Attempts, scope: ExecutionScope, error: unknown): boolean {
  if (state.retry === 'read') return isRetryableReadError(error);
  if (state.retry !== 'write') return false;
  // A write is retried when its first attempt carried a txnNumber, or when it never left the
  // driver because the pool was cleared while it waited for a connection (CMAP: a PoolClearedError
  // is retryable like a network error); that retry takes its txnNumber when it is sent.
  if (state.txnNumber !== undefined)
    return labelRetryableWriteError(error, state.failedOn?.maxWireVersion ?? 0);
  const server = state.failedOn;
  if (error instanceof MongoPoolClearedError && scope.session && server && supportsRetryableWrites(server))
    return labelRetryableWriteError(error, server.maxWireVersion);
  return false;
}

/** The pinned server of the scope, or one chosen by server selection. */
function serverFor(
  ctx: ExecutionContext,
  op: CommandOperation<unknown>,
  scope: ExecutionScope,
  deprioritized: readonly ServerDescription[],
  state: Attempts,
): Observable<SelectedServer> {
  if (scope.server) return of(scope.server);
  if (state.transaction?.pinnedServer) return of(state.transaction.pinnedServer);
  return ctx.topology
    .selectServer({
      kind: op.kind,
      readPreference: op.readPreference,
      deprioritized,
      operationName: op.commandName,
      operationId: state.operationId,
      deadline: scope.deadline,
    })
    .pipe(take(1));
}

/** One attempt on one server: a checked-out connection (or the scope's pinned one). */
function runOnServer<T>(
  ctx: ExecutionContext,
  server: SelectedServer,
  op: CommandOperation<T>,
  scope: ExecutionScope,
  state: Attempts,
): Observable<T> {
  const pinned = scope.connection ?? state.transaction?.pinnedConnection?.connection;
  if (pinned)
    return reportingErrors(
      server,
      pinned,
      defer(() => sendOn(ctx, server, pinned, op, scope, state)),
    );
  // Load-balanced mode: a cursor and a transaction keep the connection of their first command (a
  // commit/abort after the pin was dropped, e.g. a retry after a network error, pins nothing).
  const hold = server.hold;
  const pins = scope.pinsServer || state.transaction?.role === 'statement';
  if (hold && server.description.type === 'LoadBalancer' && pins) {
    state.stage = 'connection check-out';
    const kind = state.transaction ? 'transaction' : 'cursor';
    return hold(kind, { deadline: scope.deadline, ignoreWaitQueueTimeout: scope.csot }).pipe(
      switchMap((held) => {
        if (state.transaction) scope.session?.pinConnection(held);
        else {
          scope.held = held;
          scope.connection = held.connection;
        }
        return reportingErrors(
          server,
          held.connection,
          sendOn(ctx, server, held.connection, op, scope, state),
        );
      }),
    );
  }
  state.stage = 'connection check-out';
  return server.withConnection(
    (connection) => defer(() => sendOn(ctx, server, connection, op, scope, state)),
    {
      deadline: scope.deadline,
      ignoreWaitQueueTimeout: scope.csot,
    },
  );
}

/** A command on a held (pinned) connection: its errors go to SDAM as a pool's own would. */
function reportingErrors<T>(
  server: SelectedServer,
  connection: Connection,
  send: Observable<T>,
): Observable<T> {
  return send.pipe(
    catchError((error: unknown) => {
      server.reportError(error, connection);
      return throwError(() => error);
    }),
  );
}

function sendOn<T>(
  ctx: ExecutionContext,
  server: SelectedServer,
  connection: Connection,
  op: CommandOperation<T>,
  scope: ExecutionScope,
  state: Attempts,
): Observable<T> {
  const description = server.description;
  const info: SessionServerInfo = {
    ...serverInfoOf(description, connection),
    logicalSessionTimeoutMinutes: description.logicalSessionTimeoutMinutes,
  };
  const built = op.build(info);
  const command = decorateCommand(built.command, op, server, ctx);
  const clusterTime = ctx.clusterClock?.clusterTime;
  if (clusterTime) command.$clusterTime = clusterTime;
  const session = scope.session;
  if (state.transaction) session?.pinTo(server);
  session?.applyTo(command, op, info);
  if (state.transaction?.role === 'statement') {
    // The first statement's retry starts the transaction as its first attempt did.
    if (!state.retrying && command.startTransaction === true)
      state.startFields = { startTransaction: true, readConcern: command.readConcern };
    else if (state.retrying && state.startFields) {
      command.startTransaction = true;
      if (state.startFields.readConcern !== undefined) command.readConcern = state.startFields.readConcern;
    }
  }
  if (
    state.retrying &&
    state.retry === 'write' &&
    !state.overloadOnly &&
    !supportsRetryableWrites(description)
  ) {
    // retryable-writes: a retry selected onto a server without retryable writes raises the first error.
    return throwError(() => state.firstError);
  }
  if (state.retry === 'write' && session?.attaches(op, info)) {
    // The first attempt sent takes the txnNumber (a retry after a check-out failure is the first sent).
    if (state.txnNumber === undefined && supportsRetryableWrites(description))
      state.txnNumber = session.nextTxnNumber();
    // A retry goes out only with the txnNumber of the first attempt (same statement set).
    if (state.txnNumber !== undefined) command.txnNumber = state.txnNumber;
  }
  if (scope.csot) applyDeadline(command, op, scope, description, clockOf(ctx).now());
  state.stage = 'command';
  const clock = ctx.clusterClock;
  const reply$ = connection.command(op.dbName, command, {
    sequences: built.sequences,
    moreToCome: built.moreToCome,
    serializeOptions: built.serializeOptions,
    bsonOptions: built.replyBson,
    releasableReply: built.releasableReply,
    operationId: state.operationId,
    // CSOT: the deadline bounds the reply (the guard in underDeadline); socketTimeoutMS is deprecated.
    socketTimeoutMS: scope.csot ? 0 : ctx.socketTimeoutMS,
  });
  // One Observable, not an operator chain: every command of the driver passes here.
  return new Observable<T>((subscriber) => {
    let answered = false;
    const sent = reply$.subscribe({
      next: (reply: Document) => {
        answered = true;
        let parsed: T;
        try {
          clock?.advance(reply.$clusterTime);
          session?.onReply(reply);
          // retryable-writes: an ok:1 reply whose writeConcernError is retryable is retried like an
          // error (first attempt only; the retry's reply is parsed as it is).
          if (state.retry === 'write' && !state.retrying && state.txnNumber !== undefined) {
            const wce = retryableWriteConcernError(reply, description.maxWireVersion);
            if (wce) throw wce;
          }
          parsed = parseServerResponse(op.commandName, () => op.parse(reply, info));
        } catch (e) {
          subscriber.error(e);
          return;
        }
        subscriber.next(parsed);
      },
      error: (error: unknown) => {
        answered = true;
        const response = (error as { errorResponse?: Document }).errorResponse;
        if (response) clock?.advance(response.$clusterTime);
        if (state.transaction?.role === 'statement' && error instanceof MongoNetworkError)
          error.addErrorLabel(TRANSIENT_TRANSACTION_ERROR);
        session?.onError(error);
        subscriber.error(error);
      },
      complete: () => subscriber.complete(),
    });
    return () => {
      sent.unsubscribe();
      // Cut short while a reply may still come (deadline, timeout(), takeUntil(), unsubscribe): the
      // connection is in an unknown state and is closed, never handed to the next operation (CSOT
      // "Command Execution"); the pool discards it on check-in.
      if (!answered && !built.moreToCome) connection.close();
    };
  });
}

/**
 * CSOT "Command Execution", after all blocking work and before the write: the remaining time must
 * exceed the server's minimum RTT (else a timeout error, and the connection goes back to the pool
 * unused); the command's `maxTimeMS` is that remainder (not for getMore, killCursors, nor cursors in
 * ITERATION mode; a tailable awaitData getMore keeps `min(maxAwaitTimeMS, remainder)`). The
 * deprecated `maxTimeMS` option and `wtimeout` are dropped: timeoutMS overrides them.
 */
function applyDeadline(
  command: Document,
  op: CommandOperation<unknown>,
  scope: ExecutionScope,
  description: ServerDescription,
  now: number,
): void {
  const deadline = scope.deadline;
  const minRtt = description.minRoundTripTime ?? 0;
  const wc = command.writeConcern as Document | undefined;
  if (wc && 'wtimeout' in wc) {
    const { wtimeout: _dropped, ...rest } = wc;
    // Nothing left is the server default: no writeConcern at all (CSOT deprecated-options tests).
    if (Object.keys(rest).length > 0) command.writeConcern = rest;
    else delete command.writeConcern;
  }
  if (op.commandName === 'getMore') {
    const awaitMS = command.maxTimeMS;
    if (typeof awaitMS === 'number') command.maxTimeMS = awaitMaxTimeMSFor(awaitMS, deadline, now, minRtt);
    else if (deadline !== undefined) maxTimeMSFor(deadline, now, minRtt);
    return;
  }
  delete command.maxTimeMS;
  if (deadline === undefined) return;
  const maxTimeMS = maxTimeMSFor(deadline, now, minRtt);
  if (scope.maxTimeMS && op.commandName !== 'killCursors') command.maxTimeMS = maxTimeMS;
}

/** The writeConcernError of a reply as an error, when the retry rules call it retryable. */
function retryableWriteConcernError(
  reply: Document,
  maxWireVersion: number,
): MongoWriteConcernError | undefined {
  const wce = reply.writeConcernError as Document | undefined;
  if (!wce) return undefined;
  const error = new MongoWriteConcernError(wce, reply);
  return labelRetryableWriteError(error, maxWireVersion) ? error : undefined;
}
