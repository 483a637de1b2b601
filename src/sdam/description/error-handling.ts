import type { Document } from 'bson';
import {
  MongoAuthError,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoPoolClearedError,
  MongoServerError,
  SYSTEM_OVERLOADED_ERROR,
} from '../../errors.js';
import {
  compareTopologyVersion,
  parseTopologyVersion,
  type ServerDescription,
  type TopologyVersion,
  toNumber,
  unknownServerDescription,
} from './server-description.js';
import type { TopologyDescription } from './topology-description.js';
import { updateTopology } from './update-topology.js';

/** SDAM "not writable primary" / "node is recovering" codes ("Error handling pseudocode"). */
const RECOVERING_CODES = new Set([11600, 11602, 13436, 189, 91]);
const NOT_WRITABLE_PRIMARY_CODES = new Set([10107, 13435, 10058]);
const SHUTDOWN_CODES = new Set([11600, 91]);
/** MongoDB 4.2: state-change errors from older servers close every connection. */
const WIRE_VERSION_4_2 = 8;
const AUTHENTICATION_FAILED = 18;

export type ApplicationErrorKind = 'network' | 'timeout' | 'command' | 'auth';

/** What SDAM needs to know about an error an application operation hit on a server. */
export interface ApplicationError {
  readonly kind: ApplicationErrorKind;
  /** True when the error happened while establishing the connection (socket, hello or auth). */
  readonly beforeHandshake: boolean;
  /**
   * The error carries the `SystemOverloadedError` label: the pool puts it on network errors of
   * connecting and the hello (CMAP "backpressure-enabled"), and SDAM then leaves the server alone.
   */
  readonly systemOverloaded?: boolean;
  /** Load-balanced mode: the service of the connection (pools are cleared per service). */
  readonly serviceId?: unknown;
  /** Server error code and message (command errors, write concern errors). */
  readonly code?: number;
  readonly errmsg?: string;
  readonly topologyVersion?: TopologyVersion | null;
  /** Pool generation of the connection the error happened on; defaults to the pool's current one. */
  readonly connectionGeneration?: number;
  /** maxWireVersion of that connection, to tell pre-4.2 servers apart. */
  readonly maxWireVersion: number;
  /** The error itself, stored in the Unknown ServerDescription. */
  readonly error?: Error;
}

/** What the topology must do about an error. The topology is unchanged when the error is ignored. */
export interface ErrorDecision {
  readonly topology: TopologyDescription;
  /** The server's new description when it was marked Unknown, else null. */
  readonly serverDescription: ServerDescription | null;
  readonly clearPool: boolean;
  /** Clear with `interruptInUseConnections` (CMAP): only for monitor check timeouts. */
  readonly interruptInUseConnections: boolean;
  /** Ask the server's monitor to check it now (state-change errors). */
  readonly requestImmediateCheck: boolean;
  /** Cancel the monitor's in-progress check (network errors). */
  readonly cancelMonitorCheck: boolean;
}

function ignored(topology: TopologyDescription): ErrorDecision {
  return {
    topology,
    serverDescription: null,
    clearPool: false,
    interruptInUseConnections: false,
    requestImmediateCheck: false,
    cancelMonitorCheck: false,
  };
}

export function isRecoveringError(code: number | undefined, errmsg: string | undefined): boolean {
  if (code !== undefined) return RECOVERING_CODES.has(code);
  const m = errmsg ?? '';
  return m.includes('not master or secondary') || m.includes('node is recovering');
}

export function isNotWritablePrimaryError(code: number | undefined, errmsg: string | undefined): boolean {
  if (code !== undefined) return NOT_WRITABLE_PRIMARY_CODES.has(code);
  if (isRecoveringError(undefined, errmsg)) return false;
  return (errmsg ?? '').includes('not master');
}

/** SDAM "isStateChangeError": "not writable primary" or "node is recovering". */
export function isStateChangeError(code: number | undefined, errmsg: string | undefined): boolean {
  return isRecoveringError(code, errmsg) || isNotWritablePrimaryError(code, errmsg);
}

export function isShutdownError(code: number | undefined): boolean {
  return code !== undefined && SHUTDOWN_CODES.has(code);
}

/**
 * SDAM "Error handling" for application operations: decides the server's new description and the
 * pool and monitor actions. `poolGeneration` is the server pool's current generation.
 */
export function handleApplicationError(
  td: TopologyDescription,
  address: string,
  error: ApplicationError,
  poolGeneration: number,
): ErrorDecision {
  const current = td.servers.get(address);
  if (!current) return ignored(td);
  // isStaleError: an older pool generation, or a topologyVersion we already know.
  if ((error.connectionGeneration ?? poolGeneration) < poolGeneration) return ignored(td);
  if (compareTopologyVersion(current.topologyVersion, error.topologyVersion) >= 0) return ignored(td);
  const loadBalanced = td.type === 'LoadBalanced';
  // Load-balanced pools are cleared per service: not at all when the error came before the service was known.
  const clearable = !loadBalanced || error.serviceId !== undefined;

  if (error.kind === 'command' && isStateChangeError(error.code, error.errmsg)) {
    const message = error.errmsg ?? `state change error (code ${error.code})`;
    const marked = loadBalanced
      ? null
      : markUnknown(td, address, error.error ?? new Error(message), error.topologyVersion);
    return {
      topology: marked?.topology ?? td,
      serverDescription: marked?.serverDescription ?? null,
      clearPool: clearable && (isShutdownError(error.code) || error.maxWireVersion < WIRE_VERSION_4_2),
      interruptInUseConnections: false,
      requestImmediateCheck: true,
      cancelMonitorCheck: false,
    };
  }

  if (!marksUnknown(error)) return ignored(td);
  const marked = loadBalanced
    ? null
    : markUnknown(td, address, error.error ?? new Error(`${error.kind} error`), undefined);
  return {
    topology: marked?.topology ?? td,
    serverDescription: marked?.serverDescription ?? null,
    // Load-balanced: the caller clears the connection's serviceId generation instead.
    clearPool: clearable,
    interruptInUseConnections: false,
    requestImmediateCheck: false,
    cancelMonitorCheck: true,
  };
}

/**
 * A failed monitor check (server-monitoring "Network or command error during server check"): the
 * server becomes Unknown and its pool is cleared; a timeout also interrupts in-use connections.
 */
export function handleMonitorCheckError(
  td: TopologyDescription,
  address: string,
  error: Error,
  options: { timeout: boolean; now?: number },
): ErrorDecision {
  if (!td.servers.has(address) || td.type === 'LoadBalanced') return ignored(td);
  const sd = unknownServerDescription(address, error, { now: options.now });
  return {
    topology: updateTopology(td, sd),
    serverDescription: sd,
    clearPool: true,
    interruptInUseConnections: options.timeout,
    requestImmediateCheck: false,
    cancelMonitorCheck: false,
  };
}

/**
 * SDAM "Error handling pseudocode" (`elif isNetworkError(error) or not error.completedHandshake`),
 * "Network error when reading or writing" and "MongoDB Handshake errors": any error while
 * establishing a connection (socket, hello, authentication) and a network error (not a timeout)
 * on an established one mark the server Unknown and clear its pool, unless the error carries the
 * SystemOverloadedError label, which the pool puts on network errors of connecting and the hello
 * (so those change nothing). Timeouts and other server errors on established connections are ignored.
 */
function marksUnknown(error: ApplicationError): boolean {
  if (!error.beforeHandshake && error.kind !== 'network') return false;
  return !error.systemOverloaded;
}

function markUnknown(
  td: TopologyDescription,
  address: string,
  error: Error,
  topologyVersion: TopologyVersion | null | undefined,
): { topology: TopologyDescription; serverDescription: ServerDescription } {
  const sd = unknownServerDescription(address, error, { topologyVersion: topologyVersion ?? null });
  return { topology: updateTopology(td, sd), serverDescription: sd };
}

/**
 * The state-change information of a command reply: `ok: 0` errors first, then a write concern
 * error. `writeErrors` are never looked at (SDAM "Errors contained within the writeErrors field
 * MUST NOT be checked"). Undefined when the reply carries neither.
 */
export function commandErrorOfReply(
  reply: Document,
): { code?: number; errmsg?: string; topologyVersion: TopologyVersion | null } | undefined {
  const topologyVersion = parseTopologyVersion(reply.topologyVersion);
  const source = toNumber(reply.ok) !== 1 ? reply : reply.writeConcernError;
  if (typeof source !== 'object' || source === null) return undefined;
  const code = toNumber(source.code) ?? undefined;
  const errmsg = typeof source.errmsg === 'string' ? source.errmsg : undefined;
  return { code, errmsg, topologyVersion };
}

/** Where an error happened (the pool's `ConnectionErrorContext`). */
export interface ErrorSite {
  /** `connect` (socket, TLS, hello) and `auth` are before the handshake completes; `command` after. */
  readonly phase: 'connect' | 'auth' | 'command';
  /** Generation of the connection (its service's generation in load-balanced mode). */
  readonly generation?: number;
  readonly maxWireVersion: number;
  readonly serviceId?: unknown;
}

/**
 * Describes a thrown error for `handleApplicationError`, or returns undefined for errors SDAM does
 * not act on (pool-cleared errors, driver/API errors).
 */
export function applicationErrorOf(error: unknown, site: ErrorSite): ApplicationError | undefined {
  const beforeHandshake = site.phase !== 'command';
  const base = {
    beforeHandshake,
    connectionGeneration: site.generation,
    maxWireVersion: site.maxWireVersion,
    serviceId: site.serviceId,
    systemOverloaded: error instanceof MongoError && error.hasErrorLabel(SYSTEM_OVERLOADED_ERROR),
  };
  if (error instanceof MongoPoolClearedError) return undefined;
  if (error instanceof MongoNetworkError) {
    const kind = error instanceof MongoNetworkTimeoutError ? 'timeout' : 'network';
    return { ...base, kind, error };
  }
  if (error instanceof MongoAuthError) return { ...base, kind: 'auth', error };
  if (error instanceof MongoServerError) {
    return {
      ...base,
      // A server-side authentication failure during the handshake counts as an auth error.
      kind: beforeHandshake && error.code === AUTHENTICATION_FAILED ? 'auth' : 'command',
      code: error.code,
      errmsg: error.errmsg,
      topologyVersion: parseTopologyVersion(error.topologyVersion),
      error,
    };
  }
  return undefined;
}
