import type { Document, Long } from 'bson';
import type { Connection } from '../connection/types.js';
import type { CommandOperation, ServerInfo } from '../operations/operation.js';
import type { HeldConnection, SelectedServer } from '../sdam/topology-contract.js';
import type { RetryCount } from './retry-rules.js';

/** How a command takes part in the session's transaction (transactions spec). */
export interface TransactionPart {
  /** 'statement': an operation inside the transaction; 'end': its commitTransaction / abortTransaction. */
  readonly role: 'statement' | 'end';
  /** mongos pinning: every command of the transaction goes to this server. */
  readonly pinnedServer?: SelectedServer;
  /** Load-balanced mode: the connection every command of the transaction uses. */
  readonly pinnedConnection?: HeldConnection;
}

/**
 * What a session contributes to each command of a scope. Defined here (the execution path) and
 * implemented by `session/`, which sits above: the chokepoint calls it, it never imports it.
 */
export interface ScopeSession {
  /**
   * Adds `lsid`, a later `$clusterTime`, `readConcern.afterClusterTime` / snapshot fields to
   * `command`; throws a typed error when the session cannot be used for it (ended, unacknowledged
   * write on an explicit session, deployment without sessions).
   */
  applyTo(command: Document, op: CommandOperation<unknown>, server: SessionServerInfo): void;
  /** Whether `applyTo` attached an `lsid` to commands of this kind on this server. */
  attaches(op: CommandOperation<unknown>, server: SessionServerInfo): boolean;
  /** The next txnNumber of the server session (retryable writes): one per statement set. */
  nextTxnNumber(): Long;
  /** Called with every reply: cluster time and operation time gossip, snapshot time. */
  onReply(reply: Document): void;
  /** Called with every error of a command sent under this session (network errors make it dirty). */
  onError(error: unknown): void;
  /**
   * Whether `op` runs inside the session's transaction, and where it is pinned; undefined outside
   * one. Throws the spec's typed error for an operation a transaction refuses (a read preference
   * other than primary). Inside a transaction nothing is retried by the retryable reads/writes
   * rules and the session, not the execution path, sets the txnNumber.
   */
  transactionFor(op: CommandOperation<unknown>): TransactionPart | undefined;
  /** The server a command of the transaction went to (mongos pinning: the first one is kept). */
  pinTo(server: SelectedServer): void;
  /** Load-balanced mode: the connection the transaction's first command checked out, kept to its end. */
  pinConnection(held: HeldConnection): void;
  /** The owner of the scope is done: an implicit session goes back to the pool; an explicit one stays the user's. */
  done(): void;
}

/** What a session needs to know of the server a command goes to. */
export interface SessionServerInfo extends ServerInfo {
  /** From the topology: null when the deployment does not support sessions. */
  readonly logicalSessionTimeoutMinutes: number | null;
}

/** What the owner of a scope says about CSOT (client-side-operations-timeout). */
export interface ScopeTimeout {
  /**
   * The operation's `timeoutMS`, resolved operation -> session -> collection -> db -> client; 0 =
   * no limit. Undefined: CSOT is off and the legacy options (socketTimeoutMS, waitQueueTimeoutMS,
   * wTimeoutMS, maxTimeMS) keep their meaning.
   */
  readonly timeoutMS?: number;
  /** Whether commands carry a `maxTimeMS` derived from the deadline (default true; cursors in ITERATION mode: false). */
  readonly maxTimeMS?: boolean;
}

/**
 * Everything that must stay the same across the commands of one logical operation (a cursor's
 * find/getMore/killCursors, a bulk write's batches, a transaction): the session, the server and
 * connection pinned to it, and the deadline. Created by the public API, filled in by the chokepoint
 * (the pinned server) and by the layers that own sessions, pinning and timeouts.
 *
 * CSOT: `timeoutMS` says whether the operation runs under CSOT, `deadline` when it must end; every
 * blocking step of every command of the scope (selection, check-out, establishment, the send and
 * the reply) runs against that one deadline, and `executeOperation` derives each command's
 * `maxTimeMS` from it. The owner starts the deadline (`startDeadline`, at subscribe) and may
 * restart it: a cursor in ITERATION mode before each getMore, any cursor before killCursors.
 * Transactions plug in the same way: `withTransaction` starts one deadline for the whole call from
 * the session's `defaultTimeoutMS` (or the client's `timeoutMS`) and runs every statement, the
 * commit and its retries in scopes that share it (`inheritDeadline`); an `abortTransaction` after a
 * failed callback gets a fresh one (`startDeadline` again), as CSOT "Convenient Transactions API" says.
 */
export class ExecutionScope {
  /** Implicit or explicit session; undefined when the deployment does not support sessions. */
  session: ScopeSession | undefined;
  /** When set, commands go to this server without server selection (a cursor's getMore). */
  server: SelectedServer | undefined;
  /** When set, commands use this connection without check-out (load-balanced cursors, pinned transactions). */
  connection: Connection | undefined;
  /** Load-balanced cursors: the connection this scope holds (checked back in by `releaseConnection`). */
  held: HeldConnection | undefined;
  /** CSOT: the operation's timeoutMS (0 = no limit); undefined = CSOT off. */
  timeoutMS: number | undefined;
  /** Absolute time on the scheduler's clock by which the operation must end (CSOT); undefined = none. */
  deadline: number | undefined;
  /** CSOT: commands of this scope carry `maxTimeMS` = remaining time minus the server's minimum RTT. */
  maxTimeMS: boolean;
  /** The first server selected in this scope becomes `server` (cursors pin their server). */
  readonly pinsServer: boolean;
  /**
   * When set, the retries of every command run in this scope count against it (a commit or abort
   * and the session's own retry of it are one operation); else each command counts its own.
   */
  retryCount: RetryCount | undefined;

  constructor(
    options: { pinsServer?: boolean; session?: ScopeSession; deadline?: number } & ScopeTimeout = {},
  ) {
    this.pinsServer = options.pinsServer ?? false;
    this.session = options.session;
    this.timeoutMS = options.timeoutMS;
    this.deadline = options.deadline;
    this.maxTimeMS = options.maxTimeMS ?? true;
    this.server = undefined;
    this.connection = undefined;
    this.held = undefined;
    this.retryCount = undefined;
  }

  /** Gives back the connection the scope holds (load-balanced cursors: exhausted, killed, failed). */
  releaseConnection(): void {
    const held = this.held;
    this.held = undefined;
    this.connection = undefined;
    held?.release();
  }

  /** Whether the scope runs under CSOT (timeoutMS given, 0 included). */
  get csot(): boolean {
    return this.timeoutMS !== undefined;
  }

  /** (Re)starts the deadline: `timeoutMS` from `now` (none for 0 or without CSOT). */
  startDeadline(now: number): void {
    this.deadline = this.timeoutMS !== undefined && this.timeoutMS > 0 ? now + this.timeoutMS : undefined;
  }

  /** Shares the CSOT settings and the running deadline of `parent` (statements of one transaction). */
  inheritDeadline(parent: ExecutionScope): void {
    this.timeoutMS = parent.timeoutMS;
    this.deadline = parent.deadline;
  }
}
