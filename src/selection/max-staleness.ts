import { MongoInvalidArgumentError } from '../errors.js';
import type { ServerDescription } from '../sdam/description/server-description.js';
import { primaryOf, type TopologyDescription } from '../sdam/description/topology-description.js';

/** The server writes a no-op every 10 s when idle (max-staleness "idleWritePeriodMS"). */
export const IDLE_WRITE_PERIOD_MS = 10_000;
/** max-staleness "smallestMaxStalenessSeconds". */
export const SMALLEST_MAX_STALENESS_SECONDS = 90;

/**
 * Max-staleness "Client validation": maxStalenessSeconds must be at least 90 and at least
 * heartbeatFrequencyMS + idleWritePeriodMS (in seconds). Called for replica set topologies only;
 * mongos validates it for sharded clusters.
 */
export function validateMaxStaleness(maxStalenessSeconds: number, heartbeatFrequencyMS: number): void {
  const floor = Math.max(
    SMALLEST_MAX_STALENESS_SECONDS,
    (heartbeatFrequencyMS + IDLE_WRITE_PERIOD_MS) / 1000,
  );
  if (!(maxStalenessSeconds >= floor)) {
    throw new MongoInvalidArgumentError(
      `maxStalenessSeconds must be at least ${floor} seconds (max of ${SMALLEST_MAX_STALENESS_SECONDS} and heartbeatFrequencyMS + ${IDLE_WRITE_PERIOD_MS} ms), got ${maxStalenessSeconds}`,
    );
  }
}

/**
 * Max-staleness "Server Selection": estimated staleness in ms of a secondary. With a known primary P:
 * (S.lastUpdateTime - S.lastWriteDate) - (P.lastUpdateTime - P.lastWriteDate) + heartbeatFrequencyMS;
 * without one, relative to the secondary with the newest lastWriteDate. lastUpdateTime is monotonic
 * and lastWriteDate wall-clock; the clock offsets cancel out in the difference.
 */
export function stalenessMS(td: TopologyDescription, server: ServerDescription): number {
  const lastWrite = server.lastWriteDate ?? 0;
  const primary = primaryOf(td);
  if (primary) {
    return (
      server.lastUpdateTime -
      lastWrite -
      (primary.lastUpdateTime - (primary.lastWriteDate ?? 0)) +
      td.heartbeatFrequencyMS
    );
  }
  let newest = Number.NEGATIVE_INFINITY;
  for (const sd of td.servers.values()) {
    if (sd.type === 'RSSecondary') newest = Math.max(newest, sd.lastWriteDate ?? 0);
  }
  return newest - lastWrite + td.heartbeatFrequencyMS;
}

/** Keeps the primary and the secondaries no staler than maxStalenessSeconds. */
export function filterByStaleness(
  td: TopologyDescription,
  servers: readonly ServerDescription[],
  maxStalenessSeconds: number,
): ServerDescription[] {
  return servers.filter(
    (sd) => sd.type !== 'RSSecondary' || stalenessMS(td, sd) <= maxStalenessSeconds * 1000,
  );
}
