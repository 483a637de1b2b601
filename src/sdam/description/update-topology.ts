import type { ObjectId } from 'bson';
import {
  compareObjectIds,
  compareTopologyVersion,
  isDataBearing,
  memberAddresses,
  type ServerDescription,
  unknownServerDescription,
} from './server-description.js';
import { hasPrimary, type TopologyDescription, type TopologyType } from './topology-description.js';
import { compatibilityError } from './wire-version.js';

/** Error messages SDAM asks for when a primary is marked stale ("ServerDescription error"). */
export const STALE_PRIMARY_MISMATCH = 'primary marked stale due to electionId/setVersion mismatch';
export const STALE_PRIMARY_NEWER = 'primary marked stale due to discovery of newer primary';

/** The mutable working copy one update runs on; it never escapes this module. */
interface Draft {
  type: TopologyType;
  setName: string | null;
  maxSetVersion: number | null;
  maxElectionId: ObjectId | null;
  readonly servers: Map<string, ServerDescription>;
  readonly seeds: readonly string[];
}

/**
 * Applies one new ServerDescription to the topology (SDAM "Updating the TopologyDescription") and
 * returns the new TopologyDescription, or the same object when the update is ignored (server not in
 * the topology, or a reply older than the current topologyVersion).
 */
export function updateTopology(td: TopologyDescription, incoming: ServerDescription): TopologyDescription {
  const current = td.servers.get(incoming.address);
  if (!current) return td;
  // isStaleServerDescription: ignore replies older than what we already know.
  if (compareTopologyVersion(current.topologyVersion, incoming.topologyVersion) > 0) return td;

  const d: Draft = {
    type: td.type,
    setName: td.setName,
    maxSetVersion: td.maxSetVersion,
    maxElectionId: td.maxElectionId,
    servers: new Map(td.servers),
    seeds: td.seeds,
  };
  apply(d, incoming);

  const servers: ReadonlyMap<string, ServerDescription> = d.servers;
  const error = compatibilityError(servers.values());
  return {
    ...td,
    type: d.type,
    setName: d.setName,
    maxSetVersion: d.maxSetVersion,
    maxElectionId: d.maxElectionId,
    servers,
    compatible: error === null,
    compatibilityError: error,
    logicalSessionTimeoutMinutes: logicalSessionTimeout(servers.values()),
  };
}

function apply(d: Draft, sd: ServerDescription): void {
  if (d.type === 'LoadBalanced') {
    // Load-balancers spec: the server stays a LoadBalancer whatever happens.
    if (sd.type === 'LoadBalancer') d.servers.set(sd.address, sd);
    return;
  }
  if (d.type === 'Single') {
    // "Verifying setName with TopologyType Single".
    const wrongSet = d.setName !== null && sd.type !== 'Unknown' && sd.setName !== d.setName;
    d.servers.set(
      sd.address,
      wrongSet
        ? unknownServerDescription(sd.address, new Error(`replica set name mismatch: expected ${d.setName}`))
        : sd,
    );
    return;
  }
  d.servers.set(sd.address, sd);
  switch (d.type) {
    case 'Unknown':
      updateFromUnknown(d, sd);
      return;
    case 'Sharded':
      if (sd.type !== 'Unknown' && sd.type !== 'Mongos' && sd.type !== 'PossiblePrimary')
        remove(d, sd.address);
      return;
    case 'ReplicaSetNoPrimary':
    case 'ReplicaSetWithPrimary':
      updateReplicaSet(d, sd);
      return;
  }
}

/** TopologyType Unknown row of the SDAM table. */
function updateFromUnknown(d: Draft, sd: ServerDescription): void {
  switch (sd.type) {
    case 'Standalone':
      // updateUnknownWithStandalone
      if (d.seeds.length === 1) d.type = 'Single';
      else remove(d, sd.address);
      return;
    case 'Mongos':
      d.type = 'Sharded';
      return;
    case 'RSPrimary':
    case 'RSSecondary':
    case 'RSArbiter':
    case 'RSOther':
      // It is a replica set: the ReplicaSetNoPrimary row takes over (and moves on to WithPrimary for a primary).
      d.type = 'ReplicaSetNoPrimary';
      updateReplicaSet(d, sd);
      return;
    default:
      // Unknown, RSGhost ("TopologyType remains Unknown when an RSGhost is discovered").
      return;
  }
}

/** ReplicaSetNoPrimary and ReplicaSetWithPrimary rows of the SDAM table. */
function updateReplicaSet(d: Draft, sd: ServerDescription): void {
  const withPrimary = d.type === 'ReplicaSetWithPrimary';
  switch (sd.type) {
    case 'Standalone':
    case 'Mongos':
    case 'LoadBalancer':
      remove(d, sd.address);
      if (withPrimary) checkIfHasPrimary(d);
      return;
    case 'RSPrimary':
      d.type = 'ReplicaSetWithPrimary';
      updateRSFromPrimary(d, sd);
      return;
    case 'RSSecondary':
    case 'RSArbiter':
    case 'RSOther':
      if (withPrimary) updateRSWithPrimaryFromMember(d, sd);
      else updateRSWithoutPrimary(d, sd);
      return;
    default:
      if (withPrimary) checkIfHasPrimary(d);
      return;
  }
}

function updateRSWithoutPrimary(d: Draft, sd: ServerDescription): void {
  if (d.setName === null) d.setName = sd.setName;
  else if (d.setName !== sd.setName) {
    remove(d, sd.address);
    return;
  }
  addMembers(d, sd);
  markPossiblePrimary(d, sd.primary);
  if (sd.me !== null && sd.address !== sd.me) remove(d, sd.address);
}

function updateRSWithPrimaryFromMember(d: Draft, sd: ServerDescription): void {
  if (d.setName !== sd.setName || (sd.me !== null && sd.address !== sd.me)) {
    remove(d, sd.address);
    checkIfHasPrimary(d);
    return;
  }
  // Had this member been the primary?
  if (!hasPrimary(d.servers)) {
    d.type = 'ReplicaSetNoPrimary';
    markPossiblePrimary(d, sd.primary);
  }
}

function updateRSFromPrimary(d: Draft, sd: ServerDescription): void {
  if (d.setName === null) d.setName = sd.setName;
  else if (d.setName !== sd.setName) {
    remove(d, sd.address);
    checkIfHasPrimary(d);
    return;
  }
  if (isStalePrimary(d, sd)) {
    d.servers.set(sd.address, unknownServerDescription(sd.address, new Error(STALE_PRIMARY_MISMATCH)));
    checkIfHasPrimary(d);
    return;
  }
  for (const [address, other] of d.servers) {
    if (address !== sd.address && other.type === 'RSPrimary') {
      d.servers.set(address, unknownServerDescription(address, new Error(STALE_PRIMARY_NEWER)));
    }
  }
  addMembers(d, sd);
  const members = new Set(memberAddresses(sd));
  for (const address of [...d.servers.keys()]) if (!members.has(address)) d.servers.delete(address);
  checkIfHasPrimary(d);
}

/**
 * The (electionId, setVersion) check of updateRSFromPrimary. Updates maxElectionId/maxSetVersion
 * as a side effect when the primary is not stale. MongoDB 6.0+ (wire 17) orders by electionId
 * first; older servers keep the legacy setVersion-first order.
 */
function isStalePrimary(d: Draft, sd: ServerDescription): boolean {
  if (sd.maxWireVersion >= 17) {
    const byElection = compareObjectIds(sd.electionId, d.maxElectionId);
    if (byElection < 0) return true;
    if (byElection === 0 && compareNullable(sd.setVersion, d.maxSetVersion) < 0) return true;
    d.maxElectionId = sd.electionId;
    d.maxSetVersion = sd.setVersion;
    return false;
  }
  if (sd.setVersion !== null && sd.electionId !== null) {
    if (d.maxSetVersion !== null && d.maxElectionId !== null) {
      if (d.maxSetVersion > sd.setVersion) return true;
      if (d.maxSetVersion === sd.setVersion && compareObjectIds(d.maxElectionId, sd.electionId) > 0)
        return true;
    }
    d.maxElectionId = sd.electionId;
  }
  if (sd.setVersion !== null && (d.maxSetVersion === null || sd.setVersion > d.maxSetVersion)) {
    d.maxSetVersion = sd.setVersion;
  }
  return false;
}

/** Null sorts before every number. */
function compareNullable(a: number | null, b: number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return a - b;
}

function addMembers(d: Draft, sd: ServerDescription): void {
  for (const address of memberAddresses(sd)) {
    if (!d.servers.has(address)) d.servers.set(address, unknownServerDescription(address));
  }
}

/** A member's opinion of the primary turns an Unknown server into PossiblePrimary. */
function markPossiblePrimary(d: Draft, primary: string | null): void {
  if (primary === null) return;
  const sd = d.servers.get(primary);
  if (sd?.type === 'Unknown') d.servers.set(primary, { ...sd, type: 'PossiblePrimary' });
}

function checkIfHasPrimary(d: Draft): void {
  d.type = hasPrimary(d.servers) ? 'ReplicaSetWithPrimary' : 'ReplicaSetNoPrimary';
}

function remove(d: Draft, address: string): void {
  d.servers.delete(address);
}

/** SDAM "Logical Session Timeout": the minimum over data-bearing servers, null if any lacks it. */
function logicalSessionTimeout(servers: Iterable<ServerDescription>): number | null {
  let min: number | null = null;
  for (const sd of servers) {
    if (!isDataBearing(sd.type)) continue;
    if (sd.logicalSessionTimeoutMinutes === null) return null;
    min = min === null ? sd.logicalSessionTimeoutMinutes : Math.min(min, sd.logicalSessionTimeoutMinutes);
  }
  return min;
}

/**
 * Primaries that `next` invalidated because a newer primary was discovered. A monitor-driven client
 * must request an immediate check of each, and clear its pool when it runs MongoDB < 4.2
 * (maxWireVersion < 8) — SDAM "A note on invalidating the old primary". Returns the old descriptions.
 */
export function invalidatedPrimaries(
  prev: TopologyDescription,
  next: TopologyDescription,
): ServerDescription[] {
  const out: ServerDescription[] = [];
  for (const [address, before] of prev.servers) {
    const after = next.servers.get(address);
    if (
      before.type === 'RSPrimary' &&
      after?.type === 'Unknown' &&
      after.error?.message === STALE_PRIMARY_NEWER
    ) {
      out.push(before);
    }
  }
  return out;
}
