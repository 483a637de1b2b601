import type { Connection } from '../connection/types.js';
import type { CheckOutOptions, ConnectionErrorContext, ConnectionPool, PinKind } from '../pool/index.js';
import { map, Observable } from '../rx.js';
import { applicationErrorOf, handleApplicationError } from './description/error-handling.js';
import type { TopologyDescription } from './description/topology-description.js';
import type { Monitor } from './monitor/monitor.js';

/** What a Server needs of the topology it belongs to. */
export interface ServerHost {
  /** The latest topology description. */
  describe(): TopologyDescription;
  /**
   * Publishes a new description (events, pools made ready, waiting selections re-evaluated),
   * running `withUpdate` after its events and before anyone can act on it (pool clears).
   */
  update(next: TopologyDescription, withUpdate?: () => void): void;
}

/**
 * One server of the topology: its pool, its monitor (none in load-balanced mode), the number of
 * operations in flight (for the "power of two choices" pick), and `reportError`, the one entry of
 * connection errors into SDAM.
 */
export class Server {
  readonly address: string;
  readonly pool: ConnectionPool;
  readonly monitor: Monitor | undefined;
  private readonly host: ServerHost;
  private inFlight = 0;
  private closed = false;

  constructor(address: string, pool: ConnectionPool, monitor: Monitor | undefined, host: ServerHost) {
    this.address = address;
    this.pool = pool;
    this.monitor = monitor;
    this.host = host;
  }

  /** Operations currently holding or waiting for one of this server's connections. */
  get operationCount(): number {
    return this.inFlight;
  }

  /**
   * Borrows a pool connection for `fn`. Errors reach `reportError` through the pool (its `onError`
   * hook: establishment and commands alike) before they go downstream, so a retry selects with the
   * updated topology.
   */
  withConnection<T>(fn: (connection: Connection) => Observable<T>, options?: CheckOutOptions): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.inFlight++;
      const work = this.pool.withConnection(fn, options).subscribe(subscriber);
      return () => {
        work.unsubscribe();
        this.inFlight--;
      };
    });
  }

  /**
   * Load-balanced pinning: a connection checked out until `release` (a cursor's whole life, a
   * transaction's first command to its commit/abort). Check-out errors are reported as
   * withConnection reports them.
   */
  hold(
    kind: PinKind,
    options?: CheckOutOptions,
  ): Observable<{ connection: Connection; release: () => void }> {
    return this.pool.checkOut(options).pipe(
      map((connection) => {
        this.pool.pin(connection, kind);
        let held = true;
        return {
          connection,
          release: () => {
            if (!held) return;
            held = false;
            this.pool.checkIn(connection);
          },
        };
      }),
    );
  }

  /** `reportError` for an error on a connection of this server's pool that is held outside `withConnection` (pinned). */
  reportErrorOn(error: unknown, connection: Connection): void {
    this.reportError(error, this.pool.errorContextOf(connection));
  }

  /**
   * SDAM "Error handling" for an error of one of this server's connections, whatever the route:
   * establishment (before the handshake, authentication, background population) or a command.
   * Stale errors (older pool generation, topologyVersion not newer than the server's) change
   * nothing; state-change errors mark the server Unknown (not in load-balanced mode), clear the pool
   * on shutdown codes and request an immediate check; network errors and establishment errors
   * without the SystemOverloadedError label mark it Unknown, clear the pool (one service in
   * load-balanced mode) and cancel the monitor's check. The pool is cleared together with the
   * update (after its events, before any waiting selection sees it), all before this returns.
   */
  reportError(error: unknown, context: ConnectionErrorContext): void {
    if (this.closed) return;
    const described = applicationErrorOf(error, context);
    if (!described) return;
    const td = this.host.describe();
    const loadBalanced = td.type === 'LoadBalanced';
    const serviceId = loadBalanced ? context.serviceId : undefined;
    const decision = handleApplicationError(td, this.address, described, this.pool.generationFor(serviceId));
    this.host.update(decision.topology, () => {
      if (decision.clearPool) {
        this.pool.clear({ interruptInUseConnections: decision.interruptInUseConnections, serviceId });
      }
      if (decision.cancelMonitorCheck) this.monitor?.cancelCheck();
      if (decision.requestImmediateCheck) this.monitor?.requestCheck();
    });
  }

  /**
   * Stops the monitor (and its RTT pinger) and closes the pool. `interruptInUse` (the topology
   * closing) also closes connections in use; otherwise (the server left the topology) they close
   * when checked in.
   */
  close(interruptInUse = false): void {
    this.closed = true;
    this.monitor?.stop();
    this.pool.close({ interruptInUseConnections: interruptInUse });
  }
}
