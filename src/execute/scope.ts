import type { Document } from 'bson';
import type { Connection } from '../connection/types.js';
import type { CommandOperation, ServerInfo } from '../operations/operation.js';
import type { SelectedServer } from '../sdam/topology-contract.js';

/**
 * What a session contributes to each command of a scope. Defined here (the execution path) and
 * implemented by `session/`, which sits above: the chokepoint calls it, it never imports it.
 */
export interface ScopeSession {
  /** Adds `lsid`, `txnNumber`, `$clusterTime`, `readConcern.afterClusterTime`, ... to `command`. */
  applyTo(command: Document, op: CommandOperation<unknown>, server: ServerInfo): void;
  /** Called with every reply (also `ok: 0` ones): cluster time and operation time gossip. */
  onReply(reply: Document): void;
  /** Called with every error of a command sent under this session (network errors make it dirty). */
  onError(error: unknown): void;
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
