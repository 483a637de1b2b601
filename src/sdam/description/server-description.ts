import type { Document, ObjectId } from 'bson';
import { normalizeAddress } from './address.js';

/** SDAM "ServerType". PossiblePrimary is kept for completeness; async clients treat it as Unknown. */
export type ServerType =
  | 'Standalone'
  | 'Mongos'
  | 'PossiblePrimary'
  | 'RSPrimary'
  | 'RSSecondary'
  | 'RSArbiter'
  | 'RSOther'
  | 'RSGhost'
  | 'LoadBalancer'
  | 'Unknown';

/** `{processId, counter}` from hello and state-change errors (SDAM "topologyVersion"). */
export interface TopologyVersion {
  readonly processId: ObjectId;
  readonly counter: unknown;
}

/** The client's view of one server from its latest hello (SDAM "ServerDescription"). Immutable. */
export interface ServerDescription {
  /** `host:port` (lowercase), as the topology names the server. */
  readonly address: string;
  /**
   * Standalone, Mongos, RSPrimary, RSSecondary, RSArbiter, RSOther, RSGhost, LoadBalancer,
   * PossiblePrimary or Unknown.
   */
  readonly type: ServerType;
  /** The last error seen for this server (network error, stale primary, state change). */
  readonly error: Error | null;
  /** Average RTT in ms (server-selection "Calculation of Average Round Trip Times"); null while Unknown. */
  readonly roundTripTime: number | null;
  /** The least RTT of the last samples (the CSOT RTT estimate); null while Unknown. */
  readonly minRoundTripTime: number | null;
  /** `lastWrite.lastWriteDate` in ms since the epoch. */
  readonly lastWriteDate: number | null;
  /** `lastWrite.opTime` of a replica set member. */
  readonly opTime: Document | null;
  /** The oldest wire protocol version the server speaks. */
  readonly minWireVersion: number;
  /** The newest wire protocol version the server speaks (e.g. 21 for MongoDB 7.0). */
  readonly maxWireVersion: number;
  /** The address the member calls itself (a mismatch removes it from the topology). */
  readonly me: string | null;
  /** The set's electable members as this member sees them. */
  readonly hosts: readonly string[];
  /** The set's priority-0 members. */
  readonly passives: readonly string[];
  /** The set's arbiters. */
  readonly arbiters: readonly string[];
  /** The member's tags (matched by readPreferenceTags). */
  readonly tags: Readonly<Record<string, string>>;
  /** The replica set's name. */
  readonly setName: string | null;
  /** The replica set configuration's version (stale primaries are detected with it). */
  readonly setVersion: number | null;
  /** The primary's election id (with setVersion, orders primaries). */
  readonly electionId: ObjectId | null;
  /** The primary this member believes in. */
  readonly primary: string | null;
  /** Monotonic ms when the server was last checked (-Infinity: never). */
  readonly lastUpdateTime: number;
  /** How long the server keeps an idle session; null when it has no sessions. */
  readonly logicalSessionTimeoutMinutes: number | null;
  /** The server's `topologyVersion` (newer ones win; awaitable hello waits on it). */
  readonly topologyVersion: TopologyVersion | null;
  /** True for mongocryptd. */
  readonly iscryptd: boolean | null;
  /** The largest document the server accepts (16 MiB). */
  readonly maxBsonObjectSize: number | null;
  /** The largest wire message the server accepts (48 MB). */
  readonly maxMessageSizeBytes: number | null;
  /** The most writes one command may carry (100,000). */
  readonly maxWriteBatchSize: number | null;
  /** The compressors the server accepted in the handshake, in the client's order. */
  readonly compression: readonly string[];
  /** The server's id of the monitoring connection. */
  readonly connectionId: number | null;
  /** The server understands `hello` (the legacy `isMaster` is no longer needed). */
  readonly helloOk: boolean;
  /** Load-balanced deployments only (load-balancers spec). */
  readonly serviceId: ObjectId | null;
}

/** What the monitor knows besides the reply itself. */
export interface HelloContext {
  /** The average RTT to record (see `averageRtt` in monitor/rtt-stats.ts); null keeps it unset. */
  readonly roundTripTime?: number | null;
  readonly minRoundTripTime?: number | null;
  /** Monotonic clock reading for `lastUpdateTime` (defaults to `performance.now()`). */
  readonly now?: number;
}

const DEFAULTS: Omit<ServerDescription, 'address' | 'lastUpdateTime'> = {
  type: 'Unknown',
  error: null,
  roundTripTime: null,
  minRoundTripTime: null,
  lastWriteDate: null,
  opTime: null,
  minWireVersion: 0,
  maxWireVersion: 0,
  me: null,
  hosts: [],
  passives: [],
  arbiters: [],
  tags: {},
  setName: null,
  setVersion: null,
  electionId: null,
  primary: null,
  logicalSessionTimeoutMinutes: null,
  topologyVersion: null,
  iscryptd: null,
  maxBsonObjectSize: null,
  maxMessageSizeBytes: null,
  maxWriteBatchSize: null,
  compression: [],
  connectionId: null,
  helloOk: false,
  serviceId: null,
};

/** A default ServerDescription of type Unknown, optionally carrying the error (and topologyVersion) that caused it. */
export function unknownServerDescription(
  address: string,
  error?: Error | null,
  extra?: { topologyVersion?: TopologyVersion | null; now?: number },
): ServerDescription {
  return {
    ...DEFAULTS,
    address: normalizeAddress(address),
    error: error ?? null,
    topologyVersion: extra?.topologyVersion ?? null,
    lastUpdateTime: extra?.now ?? Number.NEGATIVE_INFINITY,
  };
}

/** A ServerDescription for a load balancer: the load-balancers spec says it is always type LoadBalancer. */
export function loadBalancerServerDescription(
  address: string,
  serviceId?: ObjectId | null,
): ServerDescription {
  return {
    ...DEFAULTS,
    address: normalizeAddress(address),
    type: 'LoadBalancer',
    serviceId: serviceId ?? null,
    lastUpdateTime: Number.NEGATIVE_INFINITY,
  };
}

/** Builds a ServerDescription from a hello or legacy hello reply (SDAM "Parsing a hello or legacy hello response"). */
export function serverDescriptionFromHello(
  address: string,
  hello: Document,
  context: HelloContext = {},
): ServerDescription {
  const now = context.now ?? performance.now();
  if (toNumber(hello.ok) !== 1) {
    const message = typeof hello.errmsg === 'string' ? hello.errmsg : 'hello reply without ok: 1';
    return unknownServerDescription(address, new Error(message), { now });
  }
  const type = serverTypeOf(hello);
  const lastWrite = isDocument(hello.lastWrite) ? hello.lastWrite : undefined;
  return {
    address: normalizeAddress(address),
    type,
    error: null,
    roundTripTime: context.roundTripTime ?? null,
    minRoundTripTime: context.minRoundTripTime ?? null,
    lastWriteDate: toMillis(lastWrite?.lastWriteDate),
    opTime: isDocument(lastWrite?.opTime) ? lastWrite.opTime : null,
    minWireVersion: toNumber(hello.minWireVersion) ?? 0,
    maxWireVersion: toNumber(hello.maxWireVersion) ?? 0,
    me: typeof hello.me === 'string' ? normalizeAddress(hello.me) : null,
    hosts: addressList(hello.hosts),
    passives: addressList(hello.passives),
    arbiters: addressList(hello.arbiters),
    tags: stringRecord(hello.tags),
    setName: typeof hello.setName === 'string' ? hello.setName : null,
    setVersion: toNumber(hello.setVersion),
    electionId: isObjectId(hello.electionId) ? hello.electionId : null,
    primary: typeof hello.primary === 'string' ? normalizeAddress(hello.primary) : null,
    lastUpdateTime: now,
    logicalSessionTimeoutMinutes: toNumber(hello.logicalSessionTimeoutMinutes),
    topologyVersion: parseTopologyVersion(hello.topologyVersion),
    iscryptd: typeof hello.iscryptd === 'boolean' ? hello.iscryptd : null,
    maxBsonObjectSize: toNumber(hello.maxBsonObjectSize),
    maxMessageSizeBytes: toNumber(hello.maxMessageSizeBytes),
    maxWriteBatchSize: toNumber(hello.maxWriteBatchSize),
    compression: Array.isArray(hello.compression)
      ? hello.compression.filter((c) => typeof c === 'string')
      : [],
    connectionId: toNumber(hello.connectionId),
    helloOk: hello.helloOk === true,
    serviceId: isObjectId(hello.serviceId) ? hello.serviceId : null,
  };
}

/** SDAM "type" table. `isWritablePrimary` is checked first, then legacy `ismaster`. */
function serverTypeOf(hello: Document): ServerType {
  if (hello.isreplicaset === true) return 'RSGhost';
  if (hello.msg === 'isdbgrid') return 'Mongos';
  if (typeof hello.setName === 'string') {
    const writable = hello.isWritablePrimary !== undefined ? hello.isWritablePrimary : hello.ismaster;
    if (hello.hidden === true) return 'RSOther';
    if (writable === true) return 'RSPrimary';
    if (hello.secondary === true) return 'RSSecondary';
    if (hello.arbiterOnly === true) return 'RSArbiter';
    return 'RSOther';
  }
  return 'Standalone';
}

/** Data-bearing types (SDAM "data-bearing server type"). */
export function isDataBearing(type: ServerType): boolean {
  return (
    type === 'Standalone' ||
    type === 'Mongos' ||
    type === 'RSPrimary' ||
    type === 'RSSecondary' ||
    type === 'LoadBalancer'
  );
}

/** Every member address a replica set member reports: hosts, passives and arbiters. */
export function memberAddresses(sd: ServerDescription): string[] {
  return [...sd.hosts, ...sd.passives, ...sd.arbiters];
}

/**
 * SDAM "Server Description Equality": compares only the fields marked (=), for deciding whether
 * to publish a serverDescriptionChanged event. Addresses are assumed equal.
 */
export function serverDescriptionEquals(a: ServerDescription, b: ServerDescription): boolean {
  return (
    a.type === b.type &&
    (a.error?.message ?? null) === (b.error?.message ?? null) &&
    a.minWireVersion === b.minWireVersion &&
    a.maxWireVersion === b.maxWireVersion &&
    a.me === b.me &&
    sameSet(a.hosts, b.hosts) &&
    sameSet(a.passives, b.passives) &&
    sameSet(a.arbiters, b.arbiters) &&
    sameTags(a.tags, b.tags) &&
    a.setName === b.setName &&
    a.setVersion === b.setVersion &&
    objectIdsEqual(a.electionId, b.electionId) &&
    a.primary === b.primary &&
    a.logicalSessionTimeoutMinutes === b.logicalSessionTimeoutMinutes &&
    topologyVersionsEqual(a.topologyVersion, b.topologyVersion) &&
    a.iscryptd === b.iscryptd
  );
}

/**
 * SDAM `compareTopologyVersion`: -1 when `a` is older than `b` or they cannot be compared (either
 * missing, or different processIds), 0 when equal, 1 when `a` is newer.
 */
export function compareTopologyVersion(
  a: TopologyVersion | null | undefined,
  b: TopologyVersion | null | undefined,
): -1 | 0 | 1 {
  if (!a || !b) return -1;
  if (!objectIdsEqual(a.processId, b.processId)) return -1;
  const ca = toBigInt(a.counter);
  const cb = toBigInt(b.counter);
  if (ca === cb) return 0;
  return ca < cb ? -1 : 1;
}

function topologyVersionsEqual(a: TopologyVersion | null, b: TopologyVersion | null): boolean {
  return a === null || b === null ? a === b : compareTopologyVersion(a, b) === 0;
}

/** Bytewise ObjectId order (SDAM "Using electionId and setVersion to detect stale primaries"); null sorts first. */
export function compareObjectIds(a: ObjectId | null, b: ObjectId | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const ha = a.toHexString();
  const hb = b.toHexString();
  return ha === hb ? 0 : ha < hb ? -1 : 1;
}

export function objectIdsEqual(a: ObjectId | null, b: ObjectId | null): boolean {
  return compareObjectIds(a, b) === 0;
}

/** Parses a topologyVersion sub-document, or null when absent or malformed. */
export function parseTopologyVersion(value: unknown): TopologyVersion | null {
  if (!isDocument(value) || !isObjectId(value.processId) || value.counter === undefined) return null;
  return { processId: value.processId, counter: value.counter };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

function sameTags(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function addressList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((x) => typeof x === 'string').map(normalizeAddress) : [];
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isDocument(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

function isDocument(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObjectId(value: unknown): value is ObjectId {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { _bsontype?: unknown })._bsontype === 'ObjectId' &&
    typeof (value as { toHexString?: unknown }).toHexString === 'function'
  );
}

/** Numbers arrive as number, Int32, Long or Double depending on the decoder's options. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null) {
    const v = value as { toNumber?: () => number; valueOf?: () => unknown };
    if (typeof v.toNumber === 'function') return v.toNumber();
    const prim = typeof v.valueOf === 'function' ? v.valueOf() : undefined;
    if (typeof prim === 'number') return prim;
  }
  return null;
}

function toMillis(value: unknown): number | null {
  if (value instanceof Date) return value.getTime();
  return toNumber(value);
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'object' && value !== null) {
    const v = value as { toBigInt?: () => bigint };
    if (typeof v.toBigInt === 'function') return v.toBigInt();
  }
  return BigInt(String(value));
}
