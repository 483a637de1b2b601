import type { EventBus } from '../events/bus.js';
import type { TopologyLike } from '../sdam/topology-contract.js';
import type { ResolvedOptions } from '../uri/resolved-options.js';

/** Builds the client's topology from its resolved options (monitors, pools, connection factory). */
export function createTopology(_options: ResolvedOptions, _bus: EventBus): TopologyLike {
  throw new Error('topology layer not wired yet');
}
