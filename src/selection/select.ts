import type { ServerDescription } from '../sdam/description/server-description.js';
import type { TopologyDescription } from '../sdam/description/topology-description.js';
import type { ServerSelector } from './selectors.js';

export interface SelectOptions {
  /**
   * Servers an earlier attempt of this operation failed on (retryable reads/writes): they are
   * used only when nothing else is suitable. Addresses or descriptions.
   */
  readonly deprioritized?: Iterable<string | ServerDescription>;
}

/**
 * server-selection "Server Selection Algorithm" step 3: filter out deprioritized servers, find
 * suitable ones, and fall back to the full list when that finds none.
 */
export function suitableServers(
  td: TopologyDescription,
  selector: ServerSelector,
  options: SelectOptions = {},
): ServerDescription[] {
  const all = [...td.servers.values()];
  const skip = new Set(
    [...(options.deprioritized ?? [])].map((s) => (typeof s === 'string' ? s : s.address)),
  );
  if (skip.size > 0) {
    const preferred = selector(
      td,
      all.filter((sd) => !skip.has(sd.address)),
    );
    if (preferred.length > 0) return preferred;
  }
  return selector(td, all);
}

/**
 * server-selection "Filtering suitable servers based on the latency window": the servers whose
 * average RTT is within localThresholdMS of the fastest one.
 */
export function inLatencyWindow(
  servers: readonly ServerDescription[],
  localThresholdMS: number,
): ServerDescription[] {
  if (servers.length <= 1) return [...servers];
  const rtt = (sd: ServerDescription) => sd.roundTripTime ?? 0;
  const fastest = Math.min(...servers.map(rtt));
  return servers.filter((sd) => rtt(sd) <= fastest + localThresholdMS);
}

/** Suitable servers within the latency window: the candidates `pickServer` chooses from. */
export function selectServers(
  td: TopologyDescription,
  selector: ServerSelector,
  options: SelectOptions = {},
): ServerDescription[] {
  return inLatencyWindow(suitableServers(td, selector, options), td.localThresholdMS);
}

/**
 * server-selection steps 6-7 ("operationCount-based selection within the latency window"): pick two
 * servers at random and keep the one running fewer operations. `random` returns [0, 1).
 */
export function pickServer(
  candidates: readonly ServerDescription[],
  operationCount: (address: string) => number,
  random: () => number = Math.random,
): ServerDescription | undefined {
  if (candidates.length <= 1) return candidates[0];
  const i = Math.floor(random() * candidates.length);
  let j = Math.floor(random() * (candidates.length - 1));
  if (j >= i) j++;
  const a = candidates[i];
  const b = candidates[j];
  return operationCount(b.address) < operationCount(a.address) ? b : a;
}
