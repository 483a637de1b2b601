import type { ServerDescription } from './server-description.js';

/** Oldest server wire version mongorx speaks: 8 = MongoDB 4.2. */
export const MIN_SUPPORTED_WIRE_VERSION = 8;
export const MIN_SUPPORTED_SERVER_VERSION = '4.2';
/** Newest server wire version mongorx knows: 27 = MongoDB 8.2. */
export const MAX_SUPPORTED_WIRE_VERSION = 27;

const DRIVER_NAME = 'mongorx';

/**
 * SDAM "Checking wire protocol compatibility": the error message for the first incompatible
 * (non-Unknown) server, or null when every server's range overlaps ours.
 */
export function compatibilityError(servers: Iterable<ServerDescription>): string | null {
  for (const sd of servers) {
    if (sd.type === 'Unknown' || sd.type === 'PossiblePrimary' || sd.type === 'LoadBalancer') continue;
    if (sd.minWireVersion > MAX_SUPPORTED_WIRE_VERSION) {
      return `Server at ${sd.address} requires wire version ${sd.minWireVersion}, but this version of ${DRIVER_NAME} only supports up to ${MAX_SUPPORTED_WIRE_VERSION}.`;
    }
    if (sd.maxWireVersion < MIN_SUPPORTED_WIRE_VERSION) {
      return `Server at ${sd.address} reports wire version ${sd.maxWireVersion}, but this version of ${DRIVER_NAME} requires at least ${MIN_SUPPORTED_WIRE_VERSION} (MongoDB ${MIN_SUPPORTED_SERVER_VERSION}).`;
    }
  }
  return null;
}
