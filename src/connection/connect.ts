import { defer, Observable, switchMap, take } from 'rxjs';
import type { EventBus } from '../events/bus.js';
import { type HandshakeOptions, handshake } from './handshake.js';
import { SocketConnection } from './socket-connection.js';
import {
  netTransport,
  type SocketOptions,
  type SocketTarget,
  type Transport,
  targetToString,
} from './transport.js';

export interface ConnectOptions extends HandshakeOptions {
  readonly target: SocketTarget;
  readonly socket: SocketOptions;
  readonly transport?: Transport;
  readonly bus?: EventBus;
}

/**
 * Opens a socket, performs the handshake (and authentication), and emits the ready connection
 * once, then completes. Failing or unsubscribing before it is ready closes the socket.
 */
export function connect(
  options: ConnectOptions,
  ids: { id: number; generation: number },
): Observable<SocketConnection> {
  const transport = options.transport ?? netTransport;
  return defer(() => transport.connect(options.target, options.socket)).pipe(
    take(1),
    switchMap(
      (socket) =>
        new Observable<SocketConnection>((subscriber) => {
          const conn = new SocketConnection(socket, {
            id: ids.id,
            generation: ids.generation,
            address: targetToString(options.target),
            bus: options.bus,
          });
          let ready = false;
          const sub = handshake(conn, options).subscribe({
            next: () => {
              ready = true;
              subscriber.next(conn);
              subscriber.complete();
            },
            error: (e) => {
              conn.close();
              subscriber.error(e);
            },
          });
          return () => {
            sub.unsubscribe();
            if (!ready) conn.close();
          };
        }),
    ),
  );
}
