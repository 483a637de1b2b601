import type { Observable } from 'rxjs';
import type { Connection } from '../connection/types.js';
import type { ReadPreference } from '../read-preference.js';
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
}

/** A server chosen by selection: its description and a way to borrow one of its connections. */
export interface SelectedServer {
  readonly description: ServerDescription;
  /** The topology's type when it was selected: how read preference is passed to it depends on it. */
  readonly topologyType: TopologyType;
  /**
   * Checks a connection out, runs `fn` on it, and always returns it (or closes it on a network
   * error), whatever happens downstream. Application errors are reported to SDAM here.
   */
  withConnection<T>(fn: (connection: Connection) => Observable<T>): Observable<T>;
}

/** The topology as the execution path and the client see it. */
export interface TopologyLike {
  /** Replays the current description, then each change. */
  readonly description$: Observable<TopologyDescription>;
  /** Waits (up to serverSelectionTimeoutMS) for a suitable server; errors with MongoServerSelectionError. */
  selectServer(criteria: SelectionCriteria): Observable<SelectedServer>;
  /** Starts monitoring (idempotent). */
  connect(): void;
  /** Stops monitors, closes pools; completes when everything is released. */
  close(): Observable<void>;
}
