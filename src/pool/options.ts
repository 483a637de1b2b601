import { MongoInvalidArgumentError } from '../errors.js';

/** Where an error of a pool connection happened, and what SDAM needs to judge it. */
export interface ConnectionErrorContext {
  /**
   * `connect`: socket, TLS or the hello of a new connection; `auth`: its authentication step;
   * `command`: a command on an established, checked-out connection.
   */
  readonly phase: 'connect' | 'auth' | 'command';
  /** Generation of the connection (its service's generation in load-balanced mode). */
  readonly generation: number;
  /** From the connection's hello; 0 before the handshake. */
  readonly maxWireVersion: number;
  /** Load-balanced mode: the service the connection belongs to (undefined before the handshake). */
  readonly serviceId?: unknown;
}

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
   * Establishing one connection (socket, TLS, hello, auth) takes at most this long, whatever the
   * factory does; 0 = no limit. Default 10000 (connectTimeoutMS).
   */
  readonly connectTimeoutMS: number;
  /**
   * The one route of connection errors into SDAM (the server's `reportError`): every failed
   * establishment (check-outs and background population alike, CMAP "Populating the Pool") and
   * every error of a command run through `withConnection`, before the error goes downstream and
   * before the connection is checked in. Not called for errors the pool itself caused
   * (interrupted by a clear, closed with the pool).
   */
  readonly onError?: (error: unknown, context: ConnectionErrorContext) => void;
}

export const POOL_DEFAULTS = {
  maxPoolSize: 100,
  minPoolSize: 0,
  maxConnecting: 2,
  waitQueueTimeoutMS: 0,
  maxIdleTimeMS: 0,
  connectTimeoutMS: 10_000,
} as const;

/** Fills defaults and rejects values the spec forbids (CMAP "Connection Pool Options"). */
export function resolvePoolOptions(options: Partial<PoolOptions> & { address: string }): PoolOptions {
  const o: PoolOptions = { ...POOL_DEFAULTS, ...options };
  const nonNegative = [
    'maxPoolSize',
    'minPoolSize',
    'waitQueueTimeoutMS',
    'maxIdleTimeMS',
    'connectTimeoutMS',
  ] as const;
  for (const key of nonNegative) {
    if (!(o[key] >= 0)) throw new MongoInvalidArgumentError(`${key} must be >= 0, got ${o[key]}`);
  }
  if (!(o.maxConnecting > 0)) throw new MongoInvalidArgumentError(`maxConnecting must be > 0`);
  if (o.maxPoolSize > 0 && o.minPoolSize > o.maxPoolSize) {
    throw new MongoInvalidArgumentError('minPoolSize must be <= maxPoolSize');
  }
  return o;
}
