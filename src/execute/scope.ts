import type { Document, Long } from 'bson';
import type { Connection } from '../connection/types.js';
import type { CommandOperation, ServerInfo } from '../operations/operation.js';
import type { SelectedServer } from '../sdam/topology-contract.js';

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
  /** The owner of the scope is done: an implicit session goes back to the pool; an explicit one stays the user's. */
  done(): void;
}

/** What a session needs to know of the server a command goes to. */
export interface SessionServerInfo extends ServerInfo {
  /** From the topology: null when the deployment does not support sessions. */
  readonly logicalSessionTimeoutMinutes: number | null;
}

/**
 * Everything that must stay the same across the commands of one logical operation (a cursor's
 * find/getMore/killCursors, a bulk write's batches, a transaction): the session, the server and
 * connection pinned to it, and the deadline. Created by the public API, filled in by the chokepoint
 * (the pinned server) and by the layers that own sessions, pinning and timeouts.
 */
export class ExecutionScope {
  /** Implicit or explicit session; undefined when the deployment does not support sessions. */
  session: ScopeSession | undefined;
  /** When set, commands go to this server without server selection (a cursor's getMore). */
  server: SelectedServer | undefined;
  /** When set, commands use this connection without check-out (load-balanced cursors, pinned transactions). */
  connection: Connection | undefined;
  /** Absolute time on the scheduler's clock by which the operation must end (CSOT); undefined = none. */
  deadline: number | undefined;
  /** The first server selected in this scope becomes `server` (cursors pin their server). */
  readonly pinsServer: boolean;

  constructor(options: { pinsServer?: boolean; session?: ScopeSession; deadline?: number } = {}) {
    this.pinsServer = options.pinsServer ?? false;
    this.session = options.session;
    this.deadline = options.deadline;
    this.server = undefined;
    this.connection = undefined;
  }
}
