import type { ObjectId } from 'bson';
import { MongoInvalidArgumentError } from '../../errors.js';
import { normalizeAddress } from './address.js';
import {
  loadBalancerServerDescription,
  type ServerDescription,
  unknownServerDescription,
} from './server-description.js';

/** SDAM "TopologyType". */
export type TopologyType =
  | 'Single'
  | 'ReplicaSetNoPrimary'
  | 'ReplicaSetWithPrimary'
  | 'Sharded'
  | 'LoadBalanced'
  | 'Unknown';

/** Default `heartbeatFrequencyMS` for an asynchronous client (SDAM "heartbeatFrequencyMS"). */
export const DEFAULT_HEARTBEAT_FREQUENCY_MS = 10_000;
/** Default `localThresholdMS` (server-selection "localThresholdMS"). */
export const DEFAULT_LOCAL_THRESHOLD_MS = 15;

/** Everything the client knows about the deployment (SDAM "TopologyDescription"). Immutable. */
export interface TopologyDescription {
  /** Single, ReplicaSetNoPrimary, ReplicaSetWithPrimary, Sharded, LoadBalanced or Unknown. */
  readonly type: TopologyType;
  /** Replica set name: given by the user (`replicaSet`) or discovered. */
  readonly setName: string | null;
  /** The highest replica set config version a primary reported (stale primaries are below it). */
  readonly maxSetVersion: number | null;
  /** The highest election id a primary reported. */
  readonly maxElectionId: ObjectId | null;
  /** Keyed by normalized address, in discovery order. */
  readonly servers: ReadonlyMap<string, ServerDescription>;
  /** Single-threaded clients only; always false here (kept for the spec's shape). */
  readonly stale: boolean;
  /** False when a server's wire versions do not overlap the driver's: selection then errors. */
  readonly compatible: boolean;
  /** Why the topology is not compatible. */
  readonly compatibilityError: string | null;
  /** The least session timeout of the data-bearing servers; null when some have no sessions. */
  readonly logicalSessionTimeoutMinutes: number | null;
  /** The client's heartbeatFrequencyMS. */
  readonly heartbeatFrequencyMS: number;
  /** The client's localThresholdMS. */
  readonly localThresholdMS: number;
  /** The initial seed list, needed by updateUnknownWithStandalone ("settings.seeds has one seed"). */
  readonly seeds: readonly string[];
}

export interface InitialTopologyOptions {
  readonly hosts: readonly string[];
  readonly directConnection?: boolean;
  readonly replicaSet?: string;
  readonly loadBalanced?: boolean;
  readonly heartbeatFrequencyMS?: number;
  readonly localThresholdMS?: number;
}

/**
 * The TopologyDescription a client starts with (SDAM "Initial TopologyDescription"): every seed
 * Unknown, type chosen from directConnection / replicaSet / loadBalanced.
 */
export function initialTopologyDescription(options: InitialTopologyOptions): TopologyDescription {
  const seeds = [...new Set(options.hosts.map(normalizeAddress))];
  if (seeds.length === 0) throw new MongoInvalidArgumentError('At least one host is required');
  const setName = options.replicaSet ?? null;
  if (options.directConnection && seeds.length > 1) {
    throw new MongoInvalidArgumentError('directConnection=true cannot be used with multiple seeds');
  }
  if (options.loadBalanced) {
    if (seeds.length > 1)
      throw new MongoInvalidArgumentError('loadBalanced=true cannot be used with multiple seeds');
    if (options.directConnection) {
      throw new MongoInvalidArgumentError('loadBalanced=true cannot be used with directConnection=true');
    }
    if (setName !== null)
      throw new MongoInvalidArgumentError('loadBalanced=true cannot be used with replicaSet');
  }
  const type: TopologyType = options.loadBalanced
    ? 'LoadBalanced'
    : options.directConnection
      ? 'Single'
      : setName !== null
        ? 'ReplicaSetNoPrimary'
        : 'Unknown';
  const servers = new Map<string, ServerDescription>();
  for (const address of seeds) {
    servers.set(
      address,
      type === 'LoadBalanced' ? loadBalancerServerDescription(address) : unknownServerDescription(address),
    );
  }
  return {
    type,
    setName,
    maxSetVersion: null,
    maxElectionId: null,
    servers,
    stale: false,
    compatible: true,
    compatibilityError: null,
    logicalSessionTimeoutMinutes: null,
    heartbeatFrequencyMS: options.heartbeatFrequencyMS ?? DEFAULT_HEARTBEAT_FREQUENCY_MS,
    localThresholdMS: options.localThresholdMS ?? DEFAULT_LOCAL_THRESHOLD_MS,
    seeds,
  };
}

/**
 * SDAM "Monitoring" of a load balancer: the topology opens as LoadBalanced with its server still
 * Unknown (the first topologyDescriptionChanged), and only then does the server become a
 * LoadBalancer (serverDescriptionChanged, then a second topologyDescriptionChanged). Other
 * topologies open as they are.
 */
export function openingDescription(initial: TopologyDescription): TopologyDescription {
  if (initial.type !== 'LoadBalanced') return initial;
  const servers = new Map([...initial.servers.keys()].map((a) => [a, unknownServerDescription(a)]));
  return { ...initial, servers };
}

/** True when some server is RSPrimary. */
export function hasPrimary(servers: ReadonlyMap<string, ServerDescription>): boolean {
  for (const sd of servers.values()) if (sd.type === 'RSPrimary') return true;
  return false;
}

/** The primary's description, if one is known. */
export function primaryOf(td: TopologyDescription): ServerDescription | undefined {
  for (const sd of td.servers.values()) if (sd.type === 'RSPrimary') return sd;
  return undefined;
}
