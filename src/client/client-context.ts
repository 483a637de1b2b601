import type { EventBus } from '../events/bus.js';
import type { ExecutionContext } from '../execute/context.js';
import type { SessionOwner } from '../session/client-session.js';
import type { InheritedOptions } from './inherited-options.js';

/** What Db and Collection share with their client: how to execute, the bus, inherited options. */
export interface ClientContext {
  /** Connects lazily (starting monitoring on first use). */
  readonly execution: () => ExecutionContext;
  readonly bus: EventBus;
  readonly inherited: InheritedOptions;
  /** The client's session pool and cluster clock: sessions of other clients are refused. */
  readonly sessions: SessionOwner;
  /** Warn about operation Observables collected unsubscribed (client option `warnUnsubscribed`). */
  readonly warnUnsubscribed?: boolean;
}
