import type { EventInit, SdamEvent } from '../../events/types.js';
import { objectIdsEqual, type ServerDescription, serverDescriptionEquals } from './server-description.js';
import type { TopologyDescription } from './topology-description.js';

/** An SDAM event before the bus stamps its time. */
export type SdamEventInit = EventInit<SdamEvent>;

/**
 * The events of a topology opening (SDAM logging-and-monitoring): topologyOpening, then the change
 * from an empty Unknown description to the initial one, then serverOpening for each seed.
 */
export function openingEvents(topologyId: number, initial: TopologyDescription): SdamEventInit[] {
  const empty: TopologyDescription = { ...initial, type: 'Unknown', setName: null, servers: new Map() };
  return [
    { name: 'topologyOpening', topologyId },
    { name: 'topologyDescriptionChanged', topologyId, previousDescription: empty, newDescription: initial },
    ...[...initial.servers.keys()].map(
      (address): SdamEventInit => ({ name: 'serverOpening', topologyId, address }),
    ),
  ];
}

/**
 * The events one topology update produces, in publishing order: serverDescriptionChanged for each
 * server whose description changed (per "Server Description Equality"), serverOpening for added
 * servers, serverClosed for removed ones, and finally topologyDescriptionChanged when anything differs.
 */
export function diffTopologyEvents(
  prev: TopologyDescription,
  next: TopologyDescription,
  topologyId: number,
): SdamEventInit[] {
  if (prev === next) return [];
  const events: SdamEventInit[] = [];
  for (const [address, after] of next.servers) {
    const before = prev.servers.get(address);
    if (before && !serverDescriptionEquals(asChecked(before), asChecked(after))) {
      events.push({
        name: 'serverDescriptionChanged',
        topologyId,
        address,
        previousDescription: before,
        newDescription: after,
      });
    }
  }
  for (const address of next.servers.keys()) {
    if (!prev.servers.has(address)) events.push({ name: 'serverOpening', topologyId, address });
  }
  for (const address of prev.servers.keys()) {
    if (!next.servers.has(address)) events.push({ name: 'serverClosed', topologyId, address });
  }
  if (events.length > 0 || !topologyFieldsEqual(prev, next)) {
    events.push({
      name: 'topologyDescriptionChanged',
      topologyId,
      previousDescription: prev,
      newDescription: next,
    });
  }
  return events;
}

/**
 * PossiblePrimary is a hint from another member, not the outcome of checking this server; for
 * asynchronous clients it is synonymous with Unknown (SDAM "ServerType"), so it publishes no event.
 */
function asChecked(sd: ServerDescription): ServerDescription {
  return sd.type === 'PossiblePrimary' ? { ...sd, type: 'Unknown' } : sd;
}

/** The topology-level fields that, when changed, warrant a topologyDescriptionChanged on their own. */
function topologyFieldsEqual(a: TopologyDescription, b: TopologyDescription): boolean {
  return (
    a.type === b.type &&
    a.setName === b.setName &&
    a.maxSetVersion === b.maxSetVersion &&
    objectIdsEqual(a.maxElectionId, b.maxElectionId) &&
    a.compatible === b.compatible &&
    a.logicalSessionTimeoutMinutes === b.logicalSessionTimeoutMinutes
  );
}
