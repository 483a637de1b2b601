import type { EventBus } from '../events/bus.js';
import type { ExecutionContext } from '../execute/context.js';
import type { InheritedOptions } from './inherited-options.js';

/** What Db and Collection share with their client: how to execute, the bus, inherited options. */
export interface ClientContext {
  /** Connects lazily (starting monitoring on first use). */
  readonly execution: () => ExecutionContext;
  readonly bus: EventBus;
  readonly inherited: InheritedOptions;
}
