import type { AuthProvider } from '../connection/auth/provider.js';
import { connect } from '../connection/connect.js';
import type { HandshakeOptions } from '../connection/handshake.js';
import type { SocketOptions, SocketTarget, Transport } from '../connection/transport.js';
import type { Connection } from '../connection/types.js';
import type { EventBus } from '../events/bus.js';
import type { Observable, SchedulerLike } from '../rx.js';
import { splitAddress } from './description/address.js';

/** What a connection is for: the pool's (authenticated, command events), a monitor's, an RTT pinger's. */
export type ConnectionPurpose = 'pool' | 'monitor' | 'rtt';

/** One connection the topology asks for. */
export interface ConnectRequest {
  readonly address: string;
  readonly purpose: ConnectionPurpose;
  /** CMAP connection id (pool) or the monitor's own numbering. */
  readonly id: number;
  /** Pool generation at creation (0 for monitoring connections). */
  readonly generation: number;
  /** The topology's clock: every timer of the connection runs on it. */
  readonly scheduler: SchedulerLike;
  /** Socket, TLS, hello and authentication together take at most this long; 0 = no limit. */
  readonly connectTimeoutMS: number;
  /**
   * Pool connections: called once the hello is answered and authentication begins, so SDAM can
   * tell an error of the authentication step from one of connecting or the hello.
   */
  readonly authenticating?: () => void;
}

/**
 * Opens handshaken connections (auth only for `purpose: 'pool'`): emits the ready connection once
 * and completes, errors when establishment fails, and unsubscribing aborts the attempt and
 * destroys its socket. The Topology never opens sockets itself: it gets one of these (tests pass fakes).
 */
export type Connector = (request: ConnectRequest) => Observable<Connection>;

export interface SocketConnectorOptions {
  /** Handshake of every connection (metadata, serverApi, auth, compressors). Monitors never authenticate. */
  readonly handshake: HandshakeOptions;
  /** TLS, noDelay, keepAlive of every socket. */
  readonly socket?: Omit<SocketOptions, 'connectTimeoutMS'>;
  readonly transport?: Transport;
  /** Bus for command monitoring events of pool connections. */
  readonly bus?: EventBus;
}

/** The real connector: `connect()` over TCP/TLS/Unix sockets (or the given transport). */
export function socketConnector(options: SocketConnectorOptions): Connector {
  return (request) => {
    const { address, purpose, connectTimeoutMS, scheduler } = request;
    const { host, port } = splitAddress(address);
    const target: SocketTarget = port === undefined ? { socketPath: host } : { host, port };
    const pool = purpose === 'pool';
    const { auth, ...rest } = options.handshake;
    return connect(
      {
        ...rest,
        auth: pool && auth ? announcing(auth, request.authenticating) : undefined,
        target,
        socket: { ...options.socket, connectTimeoutMS },
        transport: options.transport,
        bus: pool ? options.bus : undefined,
        scheduler,
      },
      { id: request.id, generation: request.generation },
    );
  };
}

/** The same provider, calling `onStart` when the authentication step begins. */
function announcing(provider: AuthProvider, onStart: (() => void) | undefined): AuthProvider {
  if (!onStart) return provider;
  return {
    mechanism: provider.mechanism,
    helloFields: () => provider.helloFields(),
    authenticate: (conn, reply) => {
      onStart();
      return provider.authenticate(conn, reply);
    },
  };
}
