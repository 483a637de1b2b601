// Adapter until src/selection lands: the minimum of server-selection the live topology needs
// (modes, tag sets, latency window). Swap for the pure selection module when it is available.
import { ReadPreference } from '../read-preference.js';
import type { ServerDescription } from './description/server-description.js';
import type { TopologyDescription } from './description/topology-description.js';
import type { SelectionCriteria } from './topology-contract.js';

export function readPreferenceOf(criteria: SelectionCriteria): ReadPreference {
  const rp = criteria.readPreference;
  return rp instanceof ReadPreference ? rp : ReadPreference.primary;
}

/** Suitable servers within the latency window (server-selection "Server selection algorithm"). */
export function suitableServers(td: TopologyDescription, criteria: SelectionCriteria): ServerDescription[] {
  const all = [...td.servers.values()];
  let candidates: ServerDescription[];
  switch (td.type) {
    case 'Unknown':
      return [];
    case 'Single':
    case 'LoadBalanced':
      candidates = all.filter((s) => s.type !== 'Unknown' && s.type !== 'PossiblePrimary');
      break;
    case 'Sharded':
      candidates = all.filter((s) => s.type === 'Mongos');
      break;
    default:
      candidates = replicaSetCandidates(all, criteria);
  }
  const preferred = candidates.filter((s) => !criteria.deprioritized?.some((d) => d.address === s.address));
  return latencyWindow(preferred.length > 0 ? preferred : candidates, td.localThresholdMS);
}

function replicaSetCandidates(all: ServerDescription[], criteria: SelectionCriteria): ServerDescription[] {
  const primary = all.filter((s) => s.type === 'RSPrimary');
  if (criteria.kind === 'write') return primary;
  const rp = readPreferenceOf(criteria);
  const secondaries = byTags(
    all.filter((s) => s.type === 'RSSecondary'),
    rp,
  );
  switch (rp.mode) {
    case 'primary':
      return primary;
    case 'primaryPreferred':
      return primary.length > 0 ? primary : secondaries;
    case 'secondary':
      return secondaries;
    case 'secondaryPreferred':
      return secondaries.length > 0 ? secondaries : primary;
    default:
      return byTags(
        all.filter((s) => s.type === 'RSSecondary' || s.type === 'RSPrimary'),
        rp,
      );
  }
}

function byTags(servers: ServerDescription[], rp: ReadPreference): ServerDescription[] {
  if (rp.tags.length === 0) return servers;
  for (const set of rp.tags) {
    const match = servers.filter((s) => Object.entries(set).every(([k, v]) => s.tags[k] === v));
    if (match.length > 0) return match;
  }
  return [];
}

function latencyWindow(servers: ServerDescription[], localThresholdMS: number): ServerDescription[] {
  if (servers.length <= 1) return servers;
  const rtts = servers.map((s) => s.roundTripTime ?? 0);
  const min = Math.min(...rtts);
  return servers.filter((s) => (s.roundTripTime ?? 0) <= min + localThresholdMS);
}

/** "Power of two choices": of two random candidates, the one with fewer operations in flight. */
export function pickServer<T>(
  candidates: readonly T[],
  load: (c: T) => number,
  random = Math.random,
): T | undefined {
  if (candidates.length <= 1) return candidates[0];
  const i = Math.floor(random() * candidates.length);
  let j = Math.floor(random() * (candidates.length - 1));
  if (j >= i) j++;
  const a = candidates[i] as T;
  const b = candidates[j] as T;
  return load(b) < load(a) ? b : a;
}
