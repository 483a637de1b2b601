import {
  asyncScheduler,
  BehaviorSubject,
  defer,
  filter,
  map,
  merge,
  type Observable,
  of,
  type SchedulerLike,
  Subject,
  take,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import { connect } from '../connection/connect.js';
import type { HandshakeOptions } from '../connection/handshake.js';
import type { SocketOptions, SocketTarget, Transport } from '../connection/transport.js';
import type { Connection } from '../connection/types.js';
import { MongoNetworkTimeoutError, MongoServerSelectionError, MongoTopologyClosedError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { type ConnectionFactory, ConnectionPool, type PoolInit } from '../pool/index.js';
import type { ReadPreferenceLike } from '../selection/read-preference-like.js';
import { pickServer, selectServers } from '../selection/select.js';
import {
  readPreferenceSelector,
  type ServerSelector,
  writableServerSelector,
} from '../selection/selectors.js';
import { splitAddress } from './description/address.js';
import { describeTopology } from './description/describe.js';
import {
  applicationErrorOf,
  handleApplicationError,
  handleMonitorCheckError,
} from './description/error-handling.js';
import { diffTopologyEvents, openingEvents } from './description/events.js';
import { type ServerDescription, unknownServerDescription } from './description/server-description.js';
import {
  type InitialTopologyOptions,
  initialTopologyDescription,
  type TopologyDescription,
} from './description/topology-description.js';
import { invalidatedPrimaries, updateTopology } from './description/update-topology.js';
import { Monitor } from './monitor/monitor.js';
import {
  MIN_HEARTBEAT_FREQUENCY_MS,
  type MonitorConnector,
  type ServerMonitoringMode,
  streamingEnabled,
} from './monitor/types.js';
import { maxWireVersionOf, Server, type ServerErrorContext } from './server.js';
import type { SrvPollerOptions } from './srv-poller.js';
import { SrvPoller } from './srv-poller.js';
import type { SelectedServer, SelectionCriteria, TopologyLike } from './topology-contract.js';

export const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * Everything a Topology needs; the client fills it from the resolved connection string options.
 * `hosts` is the seed list ("host:port" or socket paths); for mongodb+srv, what SRV resolution returned.
 */
export interface TopologyOptions extends InitialTopologyOptions {
  readonly serverSelectionTimeoutMS?: number;
  /** Connection establishment and monitoring socket timeout; 0 = none. Default 30000. */
  readonly connectTimeoutMS?: number;
  readonly serverMonitoringMode?: ServerMonitoringMode;
  /** Handshake of every connection (metadata, serverApi, auth, compressors). Monitors never authenticate. */
  readonly handshake: HandshakeOptions;
  /** TLS, noDelay, keepAlive of every socket. */
  readonly socket?: Omit<SocketOptions, 'connectTimeoutMS'>;
  readonly transport?: Transport;
  /** CMAP options (maxPoolSize, minPoolSize, maxConnecting, waitQueueTimeoutMS, maxIdleTimeMS). */
  readonly pool?: Omit<PoolInit, 'address' | 'onNetworkError' | 'onEstablishmentError' | 'loadBalanced'>;
  /** mongodb+srv URIs in a sharded (or unknown) topology: poll SRV records for mongos changes. */
  readonly srvPolling?: Omit<SrvPollerOptions, 'scheduler' | 'heartbeatFrequencyMS'>;
  /** The client's event bus (SDAM, heartbeat, CMAP and command events). */
  readonly bus?: EventBus;
  /** Clock and timers for monitors, pools and selection; virtual time in tests. */
  readonly scheduler?: SchedulerLike;
  /** @internal Tests shorten the spec's 500 ms floor between checks. */
  readonly minHeartbeatFrequencyMS?: number;
  /** @internal Opens monitoring / RTT connections (tests inject fakes). */
  readonly monitorConnector?: MonitorConnector;
  /** @internal Connection factory of each pool (tests inject fakes). */
  readonly connectionFactory?: (address: string) => ConnectionFactory;
}

let nextTopologyId = 1;

/**
 * The live topology: SDAM state in a BehaviorSubject, one Server (pool + monitor) per address,
 * server selection that waits on the state, application error handling, and SRV polling.
 */
export class Topology implements TopologyLike {
  readonly topologyId = nextTopologyId++;
  readonly bus: EventBus;
  private readonly options: TopologyOptions;
  private readonly scheduler: SchedulerLike;
  /** The latest description, RTT updates included; `state` only emits SDAM-visible changes. */
  private current: TopologyDescription;
  private readonly state: BehaviorSubject<TopologyDescription>;
  /** Ticks after every monitor check, so waiting selections re-evaluate and re-request checks. */
  private readonly checked = new Subject<void>();
  private readonly servers = new Map<string, Server>();
  private srvPoller: SrvPoller | undefined;
  private phase: 'new' | 'open' | 'closed' = 'new';
  private nextMonitorConnectionId = 1;
  /** Load-balanced mode: the description published right after opening (load-balancers "Monitoring"). */
  private readonly loadBalancedDescription: TopologyDescription | undefined;

  constructor(options: TopologyOptions) {
    this.options = options;
    this.bus = options.bus ?? new EventBus();
    this.scheduler = options.scheduler ?? asyncScheduler;
    const initial = initialTopologyDescription(options);
    if (initial.type === 'LoadBalanced') {
      // Opens as Unknown, then changes to LoadBalanced (server Unknown -> LoadBalancer) on connect.
      this.loadBalancedDescription = initial;
      const servers = new Map([...initial.servers.keys()].map((a) => [a, unknownServerDescription(a)]));
      this.current = { ...initial, type: 'Unknown', servers };
    } else {
      this.current = initial;
    }
    this.state = new BehaviorSubject(this.current);
  }

  /** Replays the current description, then each change; completes when the topology closes. */
  get description$(): Observable<TopologyDescription> {
    return this.state.asObservable();
  }

  /** The latest description (including RTT updates that publish no event). */
  get description(): TopologyDescription {
    return this.current;
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  connect(): void {
    if (this.phase !== 'new') return;
    this.phase = 'open';
    for (const event of openingEvents(this.topologyId, this.current)) this.bus.emit(event);
    const added = [...this.current.servers.keys()].map((address) => this.addServer(address));
    // load-balancers spec: no monitoring; apply() marks the pool ready with the LoadBalancer description.
    if (this.loadBalancedDescription) this.apply(this.loadBalancedDescription);
    for (const server of added) server.monitor?.start();
    if (this.options.srvPolling && !this.options.loadBalanced) {
      this.srvPoller = new SrvPoller({
        ...this.options.srvPolling,
        heartbeatFrequencyMS: this.current.heartbeatFrequencyMS,
        scheduler: this.scheduler,
      });
      this.srvPoller.start(
        () => this.current.type,
        (hosts) => this.applySrvHosts(hosts),
        [...this.current.servers.keys()],
      );
    }
  }

  selectServer(criteria: SelectionCriteria): Observable<SelectedServer> {
    return defer(() => {
      if (this.phase === 'closed')
        return throwError(() => new MongoTopologyClosedError('Topology is closed'));
      this.connect();
      const timeoutMS = this.options.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
      return merge(of(undefined), this.checked, this.state).pipe(
        map(() => this.trySelect(criteria)),
        tap((found) => {
          if (found === undefined) this.requestChecks();
        }),
        filter((found): found is SelectedServer | Error => found !== undefined),
        take(1),
        timeout({
          first: timeoutMS,
          scheduler: this.scheduler,
          with: () => throwError(() => this.selectionError(criteria, timeoutMS)),
        }),
        map((found) => {
          if (found instanceof Error) throw found;
          return found;
        }),
      );
    });
  }

  close(): Observable<void> {
    return defer(() => {
      if (this.phase !== 'closed') this.shutdown();
      return of(undefined);
    });
  }

  private shutdown(): void {
    const wasOpen = this.phase === 'open';
    this.phase = 'closed';
    this.srvPoller?.stop();
    for (const server of this.servers.values()) {
      server.close();
      if (wasOpen)
        this.bus.emit({ name: 'serverClosed', topologyId: this.topologyId, address: server.address });
    }
    this.servers.clear();
    const previous = this.current;
    this.current = { ...previous, type: 'Unknown', servers: new Map() };
    if (wasOpen) {
      this.bus.emit({
        name: 'topologyDescriptionChanged',
        topologyId: this.topologyId,
        previousDescription: previous,
        newDescription: this.current,
      });
      this.bus.emit({ name: 'topologyClosed', topologyId: this.topologyId });
    }
    this.checked.complete();
    this.state.complete();
  }

  // --- selection ---

  /** A selected server, an immediate error (incompatible topology, bad read preference), or undefined to keep waiting. */
  private trySelect(criteria: SelectionCriteria): SelectedServer | Error | undefined {
    if (this.phase === 'closed') return new MongoTopologyClosedError('Topology is closed');
    const td = this.current;
    if (!td.compatible)
      return new MongoServerSelectionError(td.compatibilityError ?? 'incompatible server', td);
    let candidates: ServerDescription[];
    try {
      candidates = selectServers(td, selectorOf(criteria), { deprioritized: criteria.deprioritized });
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
    const live = candidates.filter((sd) => this.servers.has(sd.address));
    const chosen = pickServer(live, (address) => this.servers.get(address)?.operationCount ?? 0);
    if (!chosen) return undefined;
    const server = this.servers.get(chosen.address) as Server;
    return { description: chosen, topologyType: td.type, withConnection: (fn) => server.withConnection(fn) };
  }

  private requestChecks(): void {
    for (const server of this.servers.values()) server.monitor?.requestCheck();
  }

  private selectionError(criteria: SelectionCriteria, timeoutMS: number): MongoServerSelectionError {
    const td = this.current;
    const rp = criteria.kind === 'write' ? 'primary (write)' : readPreferenceOf(criteria).mode;
    const message =
      `Server selection timed out after ${timeoutMS} ms for ${criteria.operationName}: ` +
      `no server matches read preference ${rp}. Topology: ${describeTopology(td)}`;
    return new MongoServerSelectionError(message, td);
  }

  // --- state ---

  /** Publishes the events of a change, syncs servers with the new member list, then emits the state. */
  private apply(next: TopologyDescription): void {
    const previous = this.current;
    if (next === previous || this.phase !== 'open') return;
    this.current = next;
    const added: Server[] = [];
    for (const address of next.servers.keys())
      if (!this.servers.has(address)) added.push(this.addServer(address));
    for (const [address, server] of this.servers) {
      if (!next.servers.has(address)) {
        this.servers.delete(address);
        server.close();
      }
    }
    // Pool "ready" is synchronized with the update: a selectable server never has a paused pool.
    for (const sd of next.servers.values()) {
      if (sd.type !== 'Unknown' && sd.type !== 'PossiblePrimary') this.servers.get(sd.address)?.pool.ready();
    }
    const events = diffTopologyEvents(previous, next, this.topologyId);
    for (const event of events) this.bus.emit(event);
    if (events.length > 0) this.state.next(next);
    // SDAM "A note on invalidating the old primary": check it now; pre-4.2 servers also lose their pool.
    for (const old of invalidatedPrimaries(previous, next)) {
      const server = this.servers.get(old.address);
      if (old.maxWireVersion < 8) server?.pool.clear();
      server?.monitor?.requestCheck();
    }
    // Monitors of new servers start after their serverOpening event.
    for (const server of added) server.monitor?.start();
  }

  private onMonitorDescription(sd: ServerDescription): void {
    if (this.phase !== 'open') return;
    if (sd.error !== null && sd.type === 'Unknown') {
      const decision = handleMonitorCheckError(this.current, sd.address, sd.error, {
        timeout: sd.error instanceof MongoNetworkTimeoutError,
        now: sd.lastUpdateTime,
      });
      this.apply(decision.topology);
      if (decision.clearPool) {
        this.servers
          .get(sd.address)
          ?.pool.clear({ interruptInUseConnections: decision.interruptInUseConnections });
      }
    } else {
      this.apply(updateTopology(this.current, sd));
    }
    if (this.phase === 'open') this.checked.next();
  }

  /** SDAM "Error handling": an application error on one of a server's connections. */
  private onApplicationError(address: string, error: unknown, context: ServerErrorContext): void {
    const server = this.servers.get(address);
    if (!server || this.phase !== 'open') return;
    const described = applicationErrorOf(error, context);
    if (!described) return;
    const decision = handleApplicationError(this.current, address, described, server.pool.generation);
    this.apply(decision.topology);
    if (decision.clearPool) {
      server.pool.clear({
        interruptInUseConnections: decision.interruptInUseConnections,
        serviceId: this.current.type === 'LoadBalanced' ? context.serviceId : undefined,
      });
    }
    if (decision.cancelMonitorCheck) server.monitor?.cancelCheck();
    if (decision.requestImmediateCheck) server.monitor?.requestCheck();
  }

  /** SRV polling found a new host list: applied only while the topology is Sharded or Unknown. */
  private applySrvHosts(hosts: readonly string[]): void {
    const td = this.current;
    if (td.type !== 'Sharded' && td.type !== 'Unknown') return;
    const servers = new Map<string, ServerDescription>();
    const fresh = initialTopologyDescription({ hosts, heartbeatFrequencyMS: td.heartbeatFrequencyMS });
    for (const [address, sd] of fresh.servers) servers.set(address, td.servers.get(address) ?? sd);
    this.apply({ ...td, servers });
  }

  // --- servers ---

  /** Creates a server with its pool and (not yet started) monitor. */
  private addServer(address: string): Server {
    const o = this.options;
    const loadBalanced = this.loadBalancedDescription !== undefined;
    const pool = new ConnectionPool(
      {
        ...o.pool,
        address,
        loadBalanced,
        onNetworkError: (error, conn) =>
          this.onApplicationError(address, error, {
            connectionGeneration: conn.generation,
            maxWireVersion: maxWireVersionOf(conn),
            serviceId: conn.hello?.serviceId,
          }),
        onEstablishmentError: (error) =>
          this.onApplicationError(address, error, { beforeHandshake: true, maxWireVersion: 0 }),
      },
      o.connectionFactory?.(address) ?? this.poolConnectionFactory(address),
      this.bus,
      this.scheduler,
    );
    const monitor = loadBalanced
      ? undefined
      : new Monitor({
          address,
          heartbeatFrequencyMS: this.current.heartbeatFrequencyMS,
          minHeartbeatFrequencyMS: o.minHeartbeatFrequencyMS ?? MIN_HEARTBEAT_FREQUENCY_MS,
          connectTimeoutMS: o.connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS,
          streaming: streamingEnabled(o.serverMonitoringMode ?? 'auto'),
          serverApi: o.handshake.serverApi !== undefined,
          connector: o.monitorConnector ?? ((addr) => this.openMonitorConnection(addr)),
          scheduler: this.scheduler,
          bus: this.bus,
          onDescription: (sd) => this.onMonitorDescription(sd),
        });
    const server = new Server(address, pool, monitor, (addr, error, context) =>
      this.onApplicationError(addr, error, context),
    );
    this.servers.set(address, server);
    return server;
  }

  private poolConnectionFactory(address: string): ConnectionFactory {
    return (ids) =>
      connect({ ...this.options.handshake, ...this.socketOptions(address), bus: this.bus }, ids);
  }

  /** Monitoring connections: same handshake, no authentication, no command monitoring. */
  private openMonitorConnection(address: string): Observable<Connection> {
    const { auth: _auth, ...handshake } = this.options.handshake;
    return connect(
      { ...handshake, ...this.socketOptions(address) },
      { id: this.nextMonitorConnectionId++, generation: 0 },
    );
  }

  private socketOptions(address: string): {
    target: SocketTarget;
    socket: SocketOptions;
    transport?: Transport;
    connectTimeoutMS: number;
    scheduler: SchedulerLike;
  } {
    const connectTimeoutMS = this.options.connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const { host, port } = splitAddress(address);
    const target: SocketTarget = port === undefined ? { socketPath: host } : { host, port };
    return {
      target,
      socket: { ...this.options.socket, connectTimeoutMS },
      transport: this.options.transport,
      connectTimeoutMS,
      scheduler: this.scheduler,
    };
  }
}

const PRIMARY: ReadPreferenceLike = { mode: 'primary' };

function readPreferenceOf(criteria: SelectionCriteria): ReadPreferenceLike {
  const rp = criteria.readPreference as ReadPreferenceLike | undefined;
  return rp !== undefined && typeof rp === 'object' && typeof rp.mode === 'string' ? rp : PRIMARY;
}

function selectorOf(criteria: SelectionCriteria): ServerSelector {
  return criteria.kind === 'write'
    ? writableServerSelector()
    : readPreferenceSelector(readPreferenceOf(criteria));
}
