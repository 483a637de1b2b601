import type { ServerDescription } from './server-description.js';
import type { TopologyDescription } from './topology-description.js';

/**
 * A one-line summary of a topology for error messages (MongoServerSelectionError) and logs, e.g.
 * `ReplicaSetNoPrimary (setName rs): a:27017 RSSecondary rtt=3ms, b:27017 Unknown (connect ECONNREFUSED)`.
 */
export function describeTopology(td: TopologyDescription): string {
  const head = td.setName !== null ? `${td.type} (setName ${td.setName})` : td.type;
  const servers = [...td.servers.values()].map(describeServer);
  const compat = td.compatible ? '' : `; incompatible: ${td.compatibilityError}`;
  return `${head}: ${servers.length > 0 ? servers.join(', ') : 'no servers'}${compat}`;
}

export function describeServer(sd: ServerDescription): string {
  let s = `${sd.address} ${sd.type}`;
  if (sd.roundTripTime !== null) s += ` rtt=${Math.round(sd.roundTripTime)}ms`;
  if (sd.error) s += ` (${sd.error.message})`;
  return s;
}
