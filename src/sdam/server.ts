import { catchError, defer, finalize, type Observable, throwError } from 'rxjs';
import type { Connection } from '../connection/types.js';
import { isNetworkError } from '../errors.js';
import type { ConnectionPool } from '../pool/index.js';
import type { Monitor } from './monitor/monitor.js';

/** What the topology learns about an application error on one of this server's connections. */
export interface ServerErrorContext {
  /** Pool generation of the connection the error happened on (undefined: while establishing). */
  readonly connectionGeneration?: number;
  readonly maxWireVersion: number;
  readonly beforeHandshake?: boolean;
  readonly serviceId?: unknown;
}

export type ServerErrorHandler = (address: string, error: unknown, context: ServerErrorContext) => void;

/**
 * One server of the topology: its pool, its monitor (none in load-balanced mode) and the number
 * of operations in flight, which server selection uses for the "power of two choices" pick.
 */
export class Server {
  readonly address: string;
  readonly pool: ConnectionPool;
  readonly monitor: Monitor | undefined;
  private inFlight = 0;
  private readonly onError: ServerErrorHandler;

  constructor(
    address: string,
    pool: ConnectionPool,
    monitor: Monitor | undefined,
    onError: ServerErrorHandler,
  ) {
    this.address = address;
    this.pool = pool;
    this.monitor = monitor;
    this.onError = onError;
  }

  /** Operations currently holding or waiting for one of this server's connections. */
  get operationCount(): number {
    return this.inFlight;
  }

  /**
   * Borrows a pool connection for `fn`. Network and establishment errors reach SDAM through the
   * pool's hooks (before the error goes downstream); server errors (state changes) are reported
   * here, also before the error is passed on, so a retry selects with the updated topology.
   */
  withConnection<T>(fn: (connection: Connection) => Observable<T>): Observable<T> {
    return defer(() => {
      this.inFlight++;
      return this.pool.withConnection((conn) =>
        defer(() => fn(conn)).pipe(
          catchError((error: unknown) => {
            if (!isNetworkError(error)) {
              this.onError(this.address, error, {
                connectionGeneration: conn.generation,
                maxWireVersion: maxWireVersionOf(conn),
                serviceId: conn.hello?.serviceId,
              });
            }
            return throwError(() => error);
          }),
        ),
      );
    }).pipe(finalize(() => this.inFlight--));
  }

  close(): void {
    this.monitor?.stop();
    this.pool.close();
  }
}

export function maxWireVersionOf(conn: Connection): number {
  const v = conn.hello?.maxWireVersion;
  return typeof v === 'number' ? v : 0;
}
