import { type Document, Long, type Timestamp } from 'bson';
import {
  MongoAPIError,
  MongoCompatibilityError,
  MongoError,
  MongoExpiredSessionError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTransactionError,
  MongoWriteConcernError,
  RETRYABLE_WRITE_ERROR,
  TRANSIENT_TRANSACTION_ERROR,
  UNKNOWN_TRANSACTION_COMMIT_RESULT,
} from '../errors.js';
import { type ClusterClock, isClusterTime, laterClusterTime } from '../execute/cluster-clock.js';
import { BACKPRESSURE, labelRetryableWriteError, newRetryCount, takeRetry } from '../execute/retry-rules.js';
import {
  ExecutionScope,
  type ScopeSession,
  type SessionServerInfo,
  type TransactionPart,
} from '../execute/scope.js';
import { type EndTransactionCommand, endTransactionOperation } from '../operations/end-transaction.js';
import type { CommandOperation } from '../operations/operation.js';
import { readConcernToDocument } from '../read-concern.js';
import { catchError, defer, finalize, type Observable, type ObservableInput, of, throwError } from '../rx.js';
import type { HeldConnection, SelectedServer } from '../sdam/topology-contract.js';
import type { ServerSession, ServerSessionPool } from './server-session-pool.js';
import {
  commitWriteConcern,
  isActive,
  isEnded,
  type ResolvedTransactionOptions,
  resolveTransactionOptions,
  type TransactionDefaults,
  type TransactionOptions,
  type TransactionState,
  transitions,
} from './transaction.js';
import { type WithTransactionOptions, withTransactionLoop } from './with-transaction.js';

/** Options of `client.startSession()` (driver sessions and causal consistency specs). */
export interface ClientSessionOptions {
  /** Reads see the session's earlier writes and reads (default true; not with snapshot). */
  readonly causalConsistency?: boolean;
  /** Every read of the session sees one point in time (`readConcern: snapshot`). */
  readonly snapshot?: boolean;
  /** With `snapshot`: read at this time from the first read on (instead of the first reply's). */
  readonly snapshotTime?: Timestamp;
  /**
   * CSOT "Sessions": the timeoutMS of commitTransaction, abortTransaction, withTransaction and
   * endSession on this session (0 = none); without it the client's timeoutMS applies.
   */
  readonly defaultTimeoutMS?: number;
  /** Options of every transaction of this session unless `startTransaction` gives its own. */
  readonly defaultTransactionOptions?: TransactionOptions;
}

/** Options of commitTransaction / abortTransaction. */
export interface EndTransactionOptions {
  /** CSOT: this command's time limit (default: the session's defaultTimeoutMS, else the client's). */
  readonly timeoutMS?: number;
}

/** What sessions share with the client that started them. */
export interface SessionOwner {
  readonly pool: ServerSessionPool;
  readonly clusterClock: ClusterClock;
  /** CSOT: the client's timeoutMS (undefined: not set). */
  readonly timeoutMS?: number;
  /** Scheduler-clock ms (the clock of the withTransaction time limit too). */
  now(): number;
  /** Runs a command of the session itself (commitTransaction, abortTransaction) on the execution path. */
  execute<T>(op: CommandOperation<T>, scope: ExecutionScope): Observable<T>;
  /** The client's concerns, the last default of a transaction's options. */
  readonly transactionDefaults?: TransactionDefaults;
  /** client-backpressure: the client's maxAdaptiveRetries (default 2). */
  readonly maxAdaptiveRetries?: number;
}

/**
 * A client session (driver sessions spec). Explicit sessions come from `client.startSession()` and
 * live until `endSession()`; implicit ones are made by the driver for one operation (or one cursor)
 * and return their server session to the pool when it is done. The server session is taken from
 * the pool only when a command needs it, so a session never used costs nothing.
 */
export class ClientSession implements ScopeSession {
  /** True for a session from `startSession()`; false for the implicit one an operation takes for itself. */
  readonly explicit: boolean;
  /**
   * Reads in this session see its earlier writes (`afterClusterTime`); default on for explicit sessions,
   * off with snapshot.
   */
  readonly causalConsistency: boolean;
  /** Snapshot reads: every read of the session sees the data at one point in time (`snapshot: true`). */
  readonly snapshotEnabled: boolean;
  /**
   * CSOT: the timeoutMS of this session's own operations (commit, abort, withTransaction,
   * endSession): `defaultTimeoutMS`, else the client's; undefined when neither is set. The
   * transaction layer starts its deadline from it (ExecutionScope.startDeadline).
   */
  readonly defaultTimeoutMS: number | undefined;
  private serverSession: ServerSession | undefined;
  private sessionClusterTime: Document | undefined;
  private lastOperationTime: Timestamp | undefined;
  private readTime: Timestamp | undefined;
  private ended = false;
  private readonly defaultTransactionOptions: TransactionOptions | undefined;
  private txnState: TransactionState = 'none';
  private txnOptions: ResolvedTransactionOptions | undefined;
  /** mongos pinning: the router every command of the current transaction goes to. */
  private pinnedServer: SelectedServer | undefined;
  /** Load-balanced mode: the connection of the transaction, from its first command to commit/abort. */
  private pinnedConnection: HeldConnection | undefined;
  /** Sharded transactions: the last recoveryToken a mongos sent, given back on commit/abort. */
  private recoveryToken: Document | undefined;
  /** The wire version of the last server a command went to (who labels retryable errors). */
  private lastWireVersion = 0;
  /**
   * CSOT "Convenient Transactions API": while a withTransaction with a timeoutMS runs, the
   * operations of its callback share this scope's deadline (set and cleared by the loop).
   */
  withTransactionScope: ExecutionScope | undefined;
  /** The commit/abort operations this session made (the role 'end' of the transaction). */
  private readonly ownOps = new WeakSet<CommandOperation<unknown>>();

  constructor(
    /** @internal The client's session pool, cluster clock and execution path. */
    readonly owner: SessionOwner,
    options: ClientSessionOptions = {},
    explicit = true,
  ) {
    if (options.snapshot === true && options.causalConsistency === true) {
      throw new MongoInvalidArgumentError(
        'Properties "causalConsistency" and "snapshot" are mutually exclusive',
      );
    }
    if (options.snapshotTime !== undefined) {
      if (options.snapshot !== true) {
        throw new MongoInvalidArgumentError('snapshotTime can only be given with snapshot: true');
      }
      if (typeof options.snapshotTime?.greaterThan !== 'function') {
        throw new MongoInvalidArgumentError('snapshotTime must be a Timestamp');
      }
      this.readTime = options.snapshotTime;
    }
    const timeoutMS = options.defaultTimeoutMS;
    if (timeoutMS !== undefined && !(Number.isInteger(timeoutMS) && timeoutMS >= 0)) {
      throw new MongoInvalidArgumentError(
        `defaultTimeoutMS must be a non-negative integer, got ${timeoutMS}`,
      );
    }
    this.defaultTimeoutMS = timeoutMS ?? owner.timeoutMS;
    this.defaultTransactionOptions = options.defaultTransactionOptions;
    this.explicit = explicit;
    this.snapshotEnabled = options.snapshot === true;
    // Causal consistency is the default for explicit sessions only (causal-consistency spec).
    this.causalConsistency = explicit && !this.snapshotEnabled && options.causalConsistency !== false;
  }

  /**
   * The `lsid` document. Reading it before the first command takes the server session from the
   * pool then (as the official driver does); undefined once the session ended without one.
   */
  get id(): Document | undefined {
    if (!this.serverSession && !this.ended) {
      this.serverSession = this.owner.pool.acquire(this.owner.now(), this.timeoutMinutes ?? 30);
    }
    return this.serverSession?.toDocument();
  }

  /** A snapshot session's read time: given at start, or taken from its first read's reply. */
  get snapshotTime(): Timestamp | undefined {
    return this.readTime;
  }

  /** The highest `$clusterTime` this session has seen (gossiped to the server with each command). */
  get clusterTime(): Document | undefined {
    return this.sessionClusterTime;
  }

  /** The `operationTime` of the last reply in this session (causal consistency reads after it). */
  get operationTime(): Timestamp | undefined {
    return this.lastOperationTime;
  }

  /** True once `endSession()` ran: the session can no longer be used (MongoExpiredSessionError). */
  get hasEnded(): boolean {
    return this.ended;
  }

  /** Whether a transaction was started and is neither committed nor aborted. */
  get inTransaction(): boolean {
    return isActive(this.txnState);
  }

  /** The transactions spec's state: none, starting, in_progress, committed, committed_empty, aborted. */
  get transactionState(): TransactionState {
    return this.txnState;
  }

  /** Whether commands of the session go to one mongos, or (load-balanced) one connection. */
  get isPinned(): boolean {
    return this.pinnedServer !== undefined || this.pinnedConnection !== undefined;
  }

  /** The address of the mongos the session is pinned to (undefined when not pinned). */
  get pinnedAddress(): string | undefined {
    return this.pinnedServer?.description.address;
  }

  /**
   * Starts a transaction (transactions spec): the next operation with this session sends
   * `startTransaction: true`; typed errors for a transaction already in progress, a snapshot
   * session, or an unacknowledged write concern.
   */
  startTransaction(options?: TransactionOptions): void {
    if (this.ended) throw new MongoExpiredSessionError('Cannot use a session that has ended');
    if (this.snapshotEnabled)
      throw new MongoCompatibilityError('Transactions are not supported in snapshot sessions');
    const next = transitions.start(this.txnState);
    const resolved = resolveTransactionOptions(
      options,
      this.defaultTransactionOptions,
      this.owner.transactionDefaults ?? {},
    );
    // A new transaction unpins (mongos pinning) and takes the next txnNumber.
    this.unpin();
    this.recoveryToken = undefined;
    const serverSession = this.serverSessionNow();
    serverSession.txnNumber++;
    this.txnOptions = resolved;
    this.txnState = next;
  }

  /**
   * Commits the transaction: sends commitTransaction to admin with the transaction's write
   * concern (nothing when no statement was sent), retried once on a retryable error with
   * w: majority; the error of a commit whose result is unknown carries UnknownTransactionCommitResult.
   */
  commitTransaction(options: EndTransactionOptions = {}): Observable<void> {
    return defer(() => this.commitWith(this.ownScope(options.timeoutMS)));
  }

  /** commitTransaction in the given scope (withTransaction: its shared CSOT deadline). */
  commitWith(scope: ExecutionScope): Observable<void> {
    return defer(() => {
      this.assertNotEnded();
      const step = transitions.commit(this.txnState);
      this.txnState = step.next;
      if (!step.send) return of(undefined);
      const own = scope;
      own.retryCount = newRetryCount();
      return this.sendEnd('commitTransaction', own, step.retry).pipe(
        catchError((error: unknown) =>
          this.retriesEnd(error, own)
            ? this.sendEnd('commitTransaction', own, true, true).pipe(
                catchError((retryError: unknown) => {
                  // The retry's error is labelled by the same rules (retryable-writes).
                  labelRetryableWriteError(retryError, this.lastWireVersion);
                  return throwError(() => this.commitError(retryError));
                }),
              )
            : throwError(() => this.commitError(error)),
        ),
      );
    });
  }

  /**
   * Aborts the transaction: sends abortTransaction (nothing when no statement was sent), retried
   * once on a retryable error; errors are swallowed (transactions spec: the server aborts an
   * abandoned transaction itself). Unpins at the end.
   */
  abortTransaction(options: EndTransactionOptions = {}): Observable<void> {
    return defer(() => {
      this.assertNotEnded();
      const step = transitions.abort(this.txnState);
      this.txnState = step.next;
      if (!step.send) {
        this.unpin();
        return of(undefined);
      }
      const own = this.ownScope(options.timeoutMS);
      own.retryCount = newRetryCount();
      return this.sendEnd('abortTransaction', own, false).pipe(
        catchError((error: unknown) =>
          this.retriesEnd(error, own)
            ? this.sendEnd('abortTransaction', own, false, true)
            : throwError(() => error),
        ),
        catchError(() => of(undefined)),
        finalize(() => this.unpin()),
      );
    });
  }

  /**
   * The convenient transactions API: starts a transaction, runs `fn`, commits, and emits the last
   * value `fn` emitted once the commit succeeded. Retries as transactions-convenient-api says
   * (the whole transaction on TransientTransactionError, the commit on
   * UnknownTransactionCommitResult) within 120 s on the owner's clock (CSOT: within timeoutMS); an
   * error of `fn` aborts the transaction and reaches the subscriber unchanged. Unsubscribing
   * aborts an open transaction, and nothing of it is sent after that abort.
   */
  withTransaction<T>(
    fn: (session: ClientSession) => ObservableInput<T>,
    options?: WithTransactionOptions,
  ): Observable<T> {
    return withTransactionLoop(this, fn, options);
  }

  /** For tests and the unified runner: whether the server session was marked dirty. */
  get isDirty(): boolean {
    return this.serverSession?.dirty ?? false;
  }

  /** Moves the session's cluster time forward to `clusterTime` (from another session), never back. */
  advanceClusterTime(clusterTime: Document): void {
    if (!isClusterTime(clusterTime)) {
      throw new MongoInvalidArgumentError('clusterTime must be a document with a Timestamp clusterTime');
    }
    this.sessionClusterTime = laterClusterTime(this.sessionClusterTime, clusterTime);
  }

  /** Moves the session's operation time forward (to read after another session's writes), never back. */
  advanceOperationTime(operationTime: Timestamp): void {
    if (typeof operationTime?.greaterThan !== 'function') {
      throw new MongoInvalidArgumentError('operationTime must be a Timestamp');
    }
    if (!this.lastOperationTime || operationTime.greaterThan(this.lastOperationTime))
      this.lastOperationTime = operationTime;
  }

  /** Returns the server session to the pool; later use errors with MongoExpiredSessionError. Idempotent. */
  endSession(): Observable<void> {
    return defer(() => {
      // An open transaction is aborted first (driver sessions spec, "endSession").
      if (this.txnState === 'in_progress' && !this.ended)
        return this.abortTransaction().pipe(finalize(() => this.finish()));
      if (this.txnState === 'starting') this.txnState = 'aborted';
      this.finish();
      return of(undefined);
    });
  }

  // --- ScopeSession: what the execution path asks of a session -----------------------------

  attaches(op: CommandOperation<unknown>, server: SessionServerInfo): boolean {
    if (server.logicalSessionTimeoutMinutes === null && server.serverType !== 'LoadBalancer') return false;
    // An implicit session is never used for an unacknowledged write (sessions spec).
    return op.sessionSupport !== false || this.explicit;
  }

  applyTo(command: Document, op: CommandOperation<unknown>, server: SessionServerInfo): void {
    this.assertUsable(op);
    if (!this.attaches(op, server)) {
      if (
        this.explicit &&
        server.logicalSessionTimeoutMinutes === null &&
        server.serverType !== 'LoadBalancer'
      )
        throw new MongoCompatibilityError('Current topology does not support sessions');
      return;
    }
    const serverSession = this.acquire(server);
    serverSession.lastUse = this.owner.now();
    command.lsid = serverSession.toDocument();
    const later = laterClusterTime(command.$clusterTime as Document | undefined, this.sessionClusterTime);
    if (later) command.$clusterTime = later;
    this.lastWireVersion = server.maxWireVersion;
    if (this.ownOps.has(op)) {
      this.applyEnd(command, serverSession);
      return;
    }
    if (isActive(this.txnState)) {
      this.applyStatement(command, serverSession);
      return;
    }
    this.applyReadConcern(command, op);
  }

  transactionFor(op: CommandOperation<unknown>): TransactionPart | undefined {
    if (this.ownOps.has(op))
      return { role: 'end', pinnedServer: this.pinnedServer, pinnedConnection: this.pinnedConnection };
    if (!isActive(this.txnState)) {
      // An operation outside a transaction ends the previous one's state and pin, before it selects
      // a server or checks a connection out (so a pinned connection goes back first).
      if (isEnded(this.txnState)) {
        this.txnState = 'none';
        this.unpin();
      }
      return undefined;
    }
    // The transaction's read preference applies to its reads, and to a command sent as given
    // (runCommand), whose own read preference, when given, is checked instead.
    const asGiven = op.readPreferenceExplicit !== undefined;
    const readPreference = (asGiven && op.readPreference) || this.txnOptions?.readPreference;
    if ((op.kind === 'read' || asGiven) && readPreference && readPreference.mode !== 'primary')
      throw new MongoTransactionError(
        `Read preference in a transaction must be primary, not: ${readPreference.mode}`,
      );
    return { role: 'statement', pinnedServer: this.pinnedServer, pinnedConnection: this.pinnedConnection };
  }

  pinTo(server: SelectedServer): void {
    if (this.pinnedServer || server.description.type !== 'Mongos') return;
    if (isActive(this.txnState)) this.pinnedServer = server;
  }

  pinConnection(held: HeldConnection): void {
    if (this.pinnedConnection && this.pinnedConnection !== held) this.pinnedConnection.release();
    this.pinnedConnection = held;
  }

  /**
   * Drops the mongos pin and gives back a pinned connection (a new transaction, an operation
   * outside one, a transient error, commit/abort done, the end of the session).
   */
  unpin(): void {
    this.pinnedServer = undefined;
    this.releaseConnection();
  }

  /** Load-balanced mode: the transaction's connection goes back to the pool. */
  private releaseConnection(): void {
    const held = this.pinnedConnection;
    this.pinnedConnection = undefined;
    held?.release();
  }

  nextTxnNumber(): Long {
    const serverSession = this.serverSession;
    if (!serverSession) throw new MongoAPIError('no server session attached');
    serverSession.txnNumber++;
    return Long.fromNumber(serverSession.txnNumber);
  }

  onReply(reply: Document): void {
    this.gossip(reply);
    if (reply.recoveryToken !== undefined && typeof reply.recoveryToken === 'object')
      this.recoveryToken = reply.recoveryToken as Document;
    if (this.snapshotEnabled && !this.readTime) {
      const at = (reply.cursor as Document | undefined)?.atClusterTime ?? reply.atClusterTime;
      if (at) this.readTime = at as Timestamp;
    }
  }

  onError(error: unknown): void {
    if (error instanceof MongoNetworkError && this.serverSession) this.serverSession.dirty = true;
    if (error instanceof MongoServerError) this.gossip(error.errorResponse);
    // mongos pinning: a transient transaction error unpins, so a retried transaction may go elsewhere.
    if (error instanceof MongoError && error.hasErrorLabel(TRANSIENT_TRANSACTION_ERROR)) this.unpin();
  }

  done(): void {
    if (!this.explicit) this.finish();
  }

  /** Typed errors for a use the spec forbids, raised before anything is sent. */
  assertUsable(op: CommandOperation<unknown>): void {
    if (this.ended) throw new MongoExpiredSessionError('Cannot use a session that has ended');
    if (this.explicit && op.sessionSupport === false) {
      throw new MongoAPIError('Cannot have explicit session with unacknowledged writes');
    }
  }

  /** The server session now (startTransaction needs its txnNumber before any command). */
  private serverSessionNow(): ServerSession {
    if (!this.serverSession)
      this.serverSession = this.owner.pool.acquire(this.owner.now(), this.timeoutMinutes ?? 30);
    return this.serverSession;
  }

  private assertNotEnded(): void {
    if (this.ended) throw new MongoExpiredSessionError('Cannot use a session that has ended');
  }

  /** A scope of the session's own commands: the given timeoutMS, else its defaultTimeoutMS (CSOT), started now. */
  ownScope(timeoutMS?: number): ExecutionScope {
    const scope = new ExecutionScope({ session: this, timeoutMS: timeoutMS ?? this.defaultTimeoutMS });
    scope.startDeadline(this.owner.now());
    return scope;
  }

  /** `reselect`: a retry of commit/abort unpins first, so it may go to another mongos (mongos pinning). */
  private sendEnd(
    name: EndTransactionCommand,
    scope: ExecutionScope,
    retry: boolean,
    reselect = false,
  ): Observable<void> {
    return defer(() => {
      if (reselect) this.unpin();
      const options = this.txnOptions;
      const op = endTransactionOperation(name, {
        writeConcern: options
          ? commitWriteConcern(options.writeConcern, name === 'commitTransaction' && retry)
          : undefined,
        maxTimeMS: name === 'commitTransaction' ? options?.maxCommitTimeMS : undefined,
      });
      this.ownOps.add(op);
      return this.owner.execute(op, scope);
    });
  }

  /**
   * Commit and abort are retried once on the retryable-writes errors (retryWrites=false does not
   * turn it off), within the retries the execution path already made of them on overload errors
   * (client-backpressure: after one, maxAdaptiveRetries in all).
   */
  private retriesEnd(error: unknown, scope: ExecutionScope): boolean {
    if (!labelRetryableWriteError(error, this.lastWireVersion)) return false;
    const count = scope.retryCount ?? newRetryCount();
    return takeRetry(count, error, scope.csot, this.owner.maxAdaptiveRetries ?? BACKPRESSURE.maxRetries);
  }

  /**
   * transactions spec, "UnknownTransactionCommitResult": a commit error after which the commit may
   * or may not have happened gets the label (and unpins); other errors pass as they are.
   */
  private commitError(error: unknown): unknown {
    if (error instanceof MongoError && unknownCommitResult(error)) {
      error.addErrorLabel(UNKNOWN_TRANSACTION_COMMIT_RESULT);
      this.unpin();
    }
    if (error instanceof MongoError && error.hasErrorLabel(TRANSIENT_TRANSACTION_ERROR)) this.unpin();
    return error;
  }

  /** The fields of commitTransaction / abortTransaction: lsid is set; txnNumber, autocommit, recoveryToken. */
  private applyEnd(command: Document, serverSession: ServerSession): void {
    command.txnNumber = Long.fromNumber(serverSession.txnNumber);
    command.autocommit = false;
    if (this.recoveryToken) command.recoveryToken = this.recoveryToken;
  }

  /**
   * A statement of the transaction: txnNumber and autocommit: false; the first also
   * startTransaction: true and the transaction's read concern (with afterClusterTime in a causally
   * consistent session); no statement carries a writeConcern or a read concern of its own.
   */
  private applyStatement(command: Document, serverSession: ServerSession): void {
    command.txnNumber = Long.fromNumber(serverSession.txnNumber);
    delete command.writeConcern;
    delete command.readConcern;
    if (this.txnState === 'starting') {
      command.startTransaction = true;
      const readConcern: Document = readConcernToDocument(this.txnOptions?.readConcern ?? {});
      if (this.causalConsistency && this.lastOperationTime)
        readConcern.afterClusterTime = this.lastOperationTime;
      if (Object.keys(readConcern).length > 0) command.readConcern = readConcern;
      this.txnState = 'in_progress';
    }
    command.autocommit = false;
  }

  private acquire(server: SessionServerInfo): ServerSession {
    if (!this.serverSession) {
      const timeout = server.logicalSessionTimeoutMinutes ?? 30;
      this.serverSession = this.owner.pool.acquire(this.owner.now(), timeout);
      this.timeoutMinutes = server.logicalSessionTimeoutMinutes;
    }
    return this.serverSession;
  }

  private timeoutMinutes: number | null = null;

  /**
   * Snapshot sessions put their read concern on every command, those that refuse one included, so
   * the server rejects what cannot read at a snapshot (snapshot-sessions, "Sending readConcern to
   * the server on all commands"); a cursor's getMore and killCursors continue its first command.
   * Causally consistent sessions add afterClusterTime to reads and to the writes that take it.
   */
  private applyReadConcern(command: Document, op: CommandOperation<unknown>): void {
    if (this.snapshotEnabled) {
      if (op.commandName === 'getMore' || op.commandName === 'killCursors') return;
      const readConcern: Document = { ...(command.readConcern as Document | undefined), level: 'snapshot' };
      if (this.readTime) readConcern.atClusterTime = this.readTime;
      command.readConcern = readConcern;
    } else if (this.causalConsistency && this.lastOperationTime) {
      if (op.readConcernSupport) {
        command.readConcern = {
          ...(command.readConcern as Document | undefined),
          afterClusterTime: this.lastOperationTime,
        };
      } else if (op.causalWrite) {
        command.readConcern = { afterClusterTime: this.lastOperationTime };
      }
    }
  }

  private gossip(reply: Document | undefined): void {
    if (!reply) return;
    if (isClusterTime(reply.$clusterTime)) {
      this.sessionClusterTime = laterClusterTime(this.sessionClusterTime, reply.$clusterTime);
    }
    const operationTime = reply.operationTime as Timestamp | undefined;
    if (typeof operationTime?.greaterThan === 'function') this.advanceOperationTime(operationTime);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.unpin();
    const serverSession = this.serverSession;
    if (serverSession) this.owner.pool.release(serverSession, this.owner.now(), this.timeoutMinutes);
  }
}

/** Server codes after which a commit may or may not have happened (transactions spec). */
const MAX_TIME_MS_EXPIRED = 50;
const UNSATISFIABLE_WRITE_CONCERN = 100;
const UNKNOWN_REPL_WRITE_CONCERN = 79;

function unknownCommitResult(error: MongoError): boolean {
  if (error instanceof MongoWriteConcernError)
    // A writeConcernError: unknown unless the write concern can never be satisfied.
    return error.code !== UNSATISFIABLE_WRITE_CONCERN && error.code !== UNKNOWN_REPL_WRITE_CONCERN;
  if (error instanceof MongoServerError && error.code === MAX_TIME_MS_EXPIRED) return true;
  return (
    error.hasErrorLabel(RETRYABLE_WRITE_ERROR) ||
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoOperationTimeoutError
  );
}
