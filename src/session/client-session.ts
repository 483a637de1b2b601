import { type Document, Long, type Timestamp } from 'bson';
import { defer, type Observable, of } from 'rxjs';
import {
  MongoAPIError,
  MongoCompatibilityError,
  MongoExpiredSessionError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoServerError,
} from '../errors.js';
import { type ClusterClock, isClusterTime, laterClusterTime } from '../execute/cluster-clock.js';
import type { ScopeSession, SessionServerInfo } from '../execute/scope.js';
import type { CommandOperation } from '../operations/operation.js';
import type { ServerSession, ServerSessionPool } from './server-session-pool.js';

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
}

/** What sessions share with the client that started them. */
export interface SessionOwner {
  readonly pool: ServerSessionPool;
  readonly clusterClock: ClusterClock;
  /** CSOT: the client's timeoutMS (undefined: not set). */
  readonly timeoutMS?: number;
  /** Scheduler-clock ms. */
  now(): number;
}

/**
 * A client session (driver sessions spec). Explicit sessions come from `client.startSession()` and
 * live until `endSession()`; implicit ones are made by the driver for one operation (or one cursor)
 * and return their server session to the pool when it is done. The server session is taken from
 * the pool only when a command needs it, so a session never used costs nothing.
 */
export class ClientSession implements ScopeSession {
  readonly explicit: boolean;
  readonly causalConsistency: boolean;
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

  constructor(
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

  get clusterTime(): Document | undefined {
    return this.sessionClusterTime;
  }

  get operationTime(): Timestamp | undefined {
    return this.lastOperationTime;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** Transactions arrive with the transactions issue; until then a session is never in one. */
  get inTransaction(): boolean {
    return false;
  }

  /** For tests and the unified runner: whether the server session was marked dirty. */
  get isDirty(): boolean {
    return this.serverSession?.dirty ?? false;
  }

  advanceClusterTime(clusterTime: Document): void {
    if (!isClusterTime(clusterTime)) {
      throw new MongoInvalidArgumentError('clusterTime must be a document with a Timestamp clusterTime');
    }
    this.sessionClusterTime = laterClusterTime(this.sessionClusterTime, clusterTime);
  }

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
    this.applyReadConcern(command, op);
  }

  nextTxnNumber(): Long {
    const serverSession = this.serverSession;
    if (!serverSession) throw new MongoAPIError('no server session attached');
    serverSession.txnNumber++;
    return Long.fromNumber(serverSession.txnNumber);
  }

  onReply(reply: Document): void {
    this.gossip(reply);
    if (this.snapshotEnabled && !this.readTime) {
      const at = (reply.cursor as Document | undefined)?.atClusterTime ?? reply.atClusterTime;
      if (at) this.readTime = at as Timestamp;
    }
  }

  onError(error: unknown): void {
    if (error instanceof MongoNetworkError && this.serverSession) this.serverSession.dirty = true;
    if (error instanceof MongoServerError) this.gossip(error.errorResponse);
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
    const serverSession = this.serverSession;
    if (serverSession) this.owner.pool.release(serverSession, this.owner.now(), this.timeoutMinutes);
  }
}
