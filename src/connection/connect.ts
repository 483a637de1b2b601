import { defer, Observable, type SchedulerLike, switchMap, take, throwError, timeout } from 'rxjs';
import { MongoNetworkTimeoutError } from '../errors.js';
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
  /** Clock of the establishment bound (`connectTimeoutMS` over socket, TLS, hello and auth). */
  readonly scheduler?: SchedulerLike;
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
    (source) => {
      const ms = options.connectTimeoutMS ?? 0;
      if (!options.scheduler || ms <= 0) return source;
      const where = targetToString(options.target);
      const expired = () =>
        new MongoNetworkTimeoutError(`connecting to ${where} timed out after ${ms} ms`, {
          beforeHandshake: true,
        });
      return source.pipe(
        timeout({ first: ms, scheduler: options.scheduler, with: () => throwError(expired) }),
      );
    },
  );
}
