import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions as TlsConnectionOptions, connect as tlsConnect } from 'node:tls';
import { MongoNetworkError } from '../errors.js';
import { Observable } from '../rx.js';

/** Where to connect: a TCP host and port, or a Unix domain socket path. */
export type SocketTarget = { readonly host: string; readonly port: number } | { readonly socketPath: string };

export interface SocketOptions {
  /**
   * Bounds opening the socket (TLS included) and, separately, the handshake; 0 means no timeout.
   * `connect()` runs it on its scheduler: transports do not time out by themselves.
   */
  readonly connectTimeoutMS: number;
  /** When set, the socket is wrapped in TLS with these options (servername defaults to the host). */
  readonly tls?: TlsConnectionOptions;
  readonly noDelay?: boolean;
  readonly keepAlive?: boolean;
}

/**
 * What a connection needs of a socket: a net.Socket or tls.TLSSocket, or an in-memory fake.
 * 'close' may follow 'error' or `destroy()`; the connection tolerates both orders.
 */
export interface TransportSocket {
  write(data: Uint8Array, callback?: (error?: Error | null) => void): unknown;
  /** Buffers the writes that follow until `uncork` (net.Socket), so a message's pieces go out as one. */
  cork?(): void;
  uncork?(): void;
  destroy(): void;
  /**
   * True when each 'data' chunk is a view of one buffer the socket reads into again (net's
   * `onread`): nothing may keep a view of a chunk past its listener.
   */
  readonly reusesReadBuffer?: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/**
 * Opens sockets. Injectable so tests can hand connections an in-memory duplex instead of TCP.
 * The Observable emits the connected socket once and completes; unsubscribing before that
 * destroys the attempt. Timing out is the caller's job (on its scheduler).
 */
export interface Transport {
  connect(target: SocketTarget, options: SocketOptions): Observable<TransportSocket>;
}

export function targetToString(target: SocketTarget): string {
  return 'socketPath' in target ? target.socketPath : `${target.host}:${target.port}`;
}

/** The real transport: node:net, or node:tls when `tls` options are given. */
export const netTransport: Transport = {
  connect(target, options) {
    return new Observable<Socket>((subscriber) => {
      const where = targetToString(target);
      const secure = options.tls !== undefined;
      const base =
        'socketPath' in target ? { path: target.socketPath } : { host: target.host, port: target.port };
      const socket: Socket = secure
        ? tlsConnect({
            ...base,
            ...options.tls,
            servername:
              options.tls?.servername ??
              ('host' in target && !isIpAddress(target.host) ? target.host : undefined),
          })
        : plainSocket(base);
      let done = false;
      const onError = (e: Error) => {
        if (done) return;
        done = true;
        socket.destroy();
        subscriber.error(
          new MongoNetworkError(`connect ${where}: ${e.message}`, { cause: e, beforeHandshake: true }),
        );
      };
      socket.once('error', onError);
      socket.setNoDelay(options.noDelay ?? true);
      socket.setKeepAlive(options.keepAlive ?? true, 120_000);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        if (done) return;
        done = true;
        socket.off('error', onError);
        subscriber.next(socket);
        subscriber.complete();
      });
      return () => {
        if (!done) {
          done = true;
          socket.destroy();
        }
      };
    });
  },
};

/** Bytes a plain socket reads at once (node's own default read size). */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * A TCP or Unix socket that reads into one buffer of its own, reused for every read (net's
 * `onread`), instead of a fresh 64 KiB buffer per read: replies are copied out of it (the frame
 * splitter copies every frame, see `reusesReadBuffer`). TLS sockets have no `onread`: they keep
 * node's buffer per read. The server speaks only when spoken to, so nothing is read before the
 * connection's 'data' listener is attached.
 */
function plainSocket(base: { path: string } | { host: string; port: number }): Socket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const socket: Socket = netConnect({
    ...base,
    onread: {
      buffer,
      callback: (bytes: number, into: Uint8Array) => {
        socket.emit('data', Buffer.from(into.buffer, into.byteOffset, bytes));
        return true; // keep reading (false would pause)
      },
    },
  });
  return Object.assign(socket, { reusesReadBuffer: true });
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
