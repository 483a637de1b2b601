import type { Connection } from '../connection/types.js';
import type { CheckOutOptions, PinKind } from '../pool/index.js';
import type { ReadPreference } from '../read-preference.js';
import type { Observable } from '../rx.js';
import type { ServerDescription } from './description/server-description.js';
import type { TopologyDescription, TopologyType } from './description/topology-description.js';

/** What an operation asks of server selection (server-selection spec). */
export interface SelectionCriteria {
  /** Writes need a writable server; reads follow the read preference. */
  readonly kind: 'read' | 'write';
  /** Undefined means primary. */
  readonly readPreference?: ReadPreference;
  /** Servers to avoid if others qualify (sharded retries: "deprioritized servers"). */
  readonly deprioritized?: readonly ServerDescription[];
  /** For error messages and logs. */
  readonly operationName: string;
  /** The driver's id of the operation (its retries share it), for the server selection events. */
  readonly operationId?: number;
  /**
   * Time on the topology's scheduler by which selection must succeed (CSOT: the operation's
   * deadline); selection fails at the earlier of this and serverSelectionTimeoutMS.
   */
  readonly deadline?: number;
}

/** A server chosen by selection: its description and a way to borrow one of its connections. */
export interface SelectedServer {
  readonly description: ServerDescription;
  /** The topology's type when it was selected: how read preference is passed to it depends on it. */
  readonly topologyType: TopologyType;
  /**
   * Checks a connection out (within waitQueueTimeoutMS, and by `options.deadline` when given), runs
   * `fn` on it, and always returns it (or closes it on a network error), whatever happens
   * downstream. Errors of establishment and of `fn` are reported to SDAM before they go on.
   */
  withConnection<T>(fn: (connection: Connection) => Observable<T>, options?: CheckOutOptions): Observable<T>;
  /**
   * Reports an error of a connection of this server held outside `withConnection` (a pinned
   * connection) to SDAM, as `withConnection` does for its own.
   */
  reportError(error: unknown, connection: Connection): void;
  /**
   * Load-balanced mode: checks a connection out until `release` is called (pinned to a cursor or a
   * transaction). Absent on test doubles that have no pool: nothing is pinned then.
   */
  hold?(kind: PinKind, options?: CheckOutOptions): Observable<HeldConnection>;
}

/** A connection checked out of a pool for longer than one command. */
export interface HeldConnection {
  readonly connection: Connection;
  /** Checks it back in (idempotent). */
  release(): void;
}

/** The topology as the execution path and the client see it. */
export interface TopologyLike {
  /** Replays the current description, then each change. */
  readonly description$: Observable<TopologyDescription>;
  /**
   * Waits (up to serverSelectionTimeoutMS, or `criteria.deadline`) for a suitable server; errors with
   * MongoServerSelectionError at that deadline, or MongoTopologyClosedError when the topology closes.
   */
  selectServer(criteria: SelectionCriteria): Observable<SelectedServer>;
  /** Starts monitoring (idempotent). */
  connect(): void;
  /**
   * Errors every waiting selection (MongoTopologyClosedError) and every check-out and command in
   * flight, stops monitors and RTT pingers, closes every socket and timer; then completes.
   */
  close(): Observable<void>;
}
