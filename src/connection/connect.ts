import { MongoNetworkTimeoutError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import {
  asyncScheduler,
  defer,
  type MonoTypeOperatorFunction,
  Observable,
  type SchedulerLike,
  switchMap,
  take,
  throwError,
  timeout,
} from '../rx.js';
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
 * once, then completes. `socket.connectTimeoutMS` bounds opening the socket, and then the whole
 * handshake, each on its own (MongoNetworkTimeoutError, before the handshake). Failing or
 * unsubscribing before it is ready closes the socket.
 */
export function connect(
  options: ConnectOptions,
  ids: { id: number; generation: number },
): Observable<SocketConnection> {
  const transport = options.transport ?? netTransport;
  const scheduler = options.scheduler ?? asyncScheduler;
  const address = targetToString(options.target);
  const limitMS = options.socket.connectTimeoutMS;
  return defer(() => transport.connect(options.target, options.socket)).pipe(
    take(1),
    timeoutBeforeHandshake(limitMS, scheduler, `connect ${address}`),
    switchMap(
      (socket) =>
        new Observable<SocketConnection>((subscriber) => {
          const conn = new SocketConnection(socket, {
            id: ids.id,
            generation: ids.generation,
            address,
            bus: options.bus,
            scheduler,
            codecs: options.codecs,
          });
          let ready = false;
          const sub = handshake(conn, options)
            .pipe(timeoutBeforeHandshake(limitMS, scheduler, `handshake with ${address}`))
            .subscribe({
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

/** Errors with MongoNetworkTimeoutError when no value comes within `ms` (0 = no limit). */
function timeoutBeforeHandshake<T>(
  ms: number,
  scheduler: SchedulerLike,
  what: string,
): MonoTypeOperatorFunction<T> {
  if (!(ms > 0)) return (source) => source;
  return timeout({
    first: ms,
    scheduler,
    with: () =>
      throwError(
        () => new MongoNetworkTimeoutError(`${what} timed out after ${ms} ms`, { beforeHandshake: true }),
      ),
  });
}
