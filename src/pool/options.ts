import type { Connection } from '../connection/types.js';
import { MongoInvalidArgumentError, type MongoNetworkError } from '../errors.js';

/** CMAP "Connection Pool Options" plus the hooks the topology layer installs. */
export interface PoolOptions {
  /** "host:port" of the server this pool serves. */
  readonly address: string;
  /** Cap on pending + available + in-use connections; 0 = unbounded. Default 100. */
  readonly maxPoolSize: number;
  /** Connections kept established in the background while the pool is ready. Default 0. */
  readonly minPoolSize: number;
  /** At most this many connections are being established at once. Default 2. */
  readonly maxConnecting: number;
  /** How long a check-out may wait in the wait queue; 0 = forever. Default 0. */
  readonly waitQueueTimeoutMS: number;
  /** Available connections idle longer than this are closed; 0 = never. Default 0. */
  readonly maxIdleTimeMS: number;
  /** Load-balancer mode: generations are tracked per serviceId (load-balancers spec). */
  readonly loadBalanced?: boolean;
  /** Delay before background population retries after a failed establishment. Default 100. */
  readonly backgroundRetryMS?: number;
  /**
   * Called by `withConnection` when an operation fails with a network error, after the
   * connection was closed; the topology clears the pool as SDAM "Application Errors" says.
   */
  readonly onNetworkError?: (error: MongoNetworkError, conn: Connection) => void;
  /**
   * Called when establishing a connection (handshake, auth) fails, for check-outs and
   * background population alike (CMAP "Populating the Pool": SDAM handles pre-handshake errors).
   * Check-out callers must not report the same error again.
   */
  readonly onEstablishmentError?: (error: unknown) => void;
}

export const POOL_DEFAULTS = {
  maxPoolSize: 100,
  minPoolSize: 0,
  maxConnecting: 2,
  waitQueueTimeoutMS: 0,
  maxIdleTimeMS: 0,
} as const;

/** Fills defaults and rejects values the spec forbids (CMAP "Connection Pool Options"). */
export function resolvePoolOptions(options: Partial<PoolOptions> & { address: string }): PoolOptions {
  const o: PoolOptions = { ...POOL_DEFAULTS, ...options };
  const nonNegative = ['maxPoolSize', 'minPoolSize', 'waitQueueTimeoutMS', 'maxIdleTimeMS'] as const;
  for (const key of nonNegative) {
    if (!(o[key] >= 0)) throw new MongoInvalidArgumentError(`${key} must be >= 0, got ${o[key]}`);
  }
  if (!(o.maxConnecting > 0)) throw new MongoInvalidArgumentError(`maxConnecting must be > 0`);
  if (o.maxPoolSize > 0 && o.minPoolSize > o.maxPoolSize) {
    throw new MongoInvalidArgumentError('minPoolSize must be <= maxPoolSize');
  }
  return o;
}
