import { type ServerApi, serverApiFields } from '../connection/handshake.js';
import type { Connection } from '../connection/types.js';
import { MongoNetworkTimeoutError, MongoServerSelectionError, MongoTopologyClosedError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { ConnectionPool, type PoolInit } from '../pool/index.js';
import {
  BehaviorSubject,
  Observable,
  type SchedulerLike,
  type Subscriber,
  type Subscription,
  throwError,
  timeout,
} from '../rx.js';
import type { ReadPreferenceLike } from '../selection/read-preference-like.js';
import { pickServer, selectServers } from '../selection/select.js';
import {
  readPreferenceSelector,
  type ServerSelector,
  writableServerSelector,
} from '../selection/selectors.js';
import type { Connector } from './connector.js';
import { describeTopology } from './description/describe.js';
import { handleMonitorCheckError } from './description/error-handling.js';
import { diffTopologyEvents, openingEvents } from './description/events.js';
import type { ServerDescription } from './description/server-description.js';
import {
  type InitialTopologyOptions,
  initialTopologyDescription,
  openingDescription,
  type TopologyDescription,
} from './description/topology-description.js';
import { invalidatedPrimaries, updateTopology } from './description/update-topology.js';
import { Monitor } from './monitor/monitor.js';
import { MIN_HEARTBEAT_FREQUENCY_MS, type ServerMonitoringMode, streamingEnabled } from './monitor/types.js';
import { Server } from './server.js';
import type { SrvPollerOptions } from './srv-poller.js';
import { SrvPoller } from './srv-poller.js';
import type { SelectedServer, SelectionCriteria, TopologyLike } from './topology-contract.js';

export const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 30_000;
/** connectTimeoutMS default (connection string spec). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Everything a Topology needs; the client fills it from the resolved connection string options.
 * `hosts` is the seed list ("host:port" or socket paths); for mongodb+srv, what SRV resolution returned.
 */
export interface TopologyOptions extends InitialTopologyOptions {
  readonly serverSelectionTimeoutMS?: number;
  /**
   * Bound on establishing every connection (pool, monitor, RTT: socket, TLS, hello, auth) and the
   * socket timeout of monitoring checks; 0 = none. Default 10000.
   */
  readonly connectTimeoutMS?: number;
  readonly serverMonitoringMode?: ServerMonitoringMode;
  /** The Stable API version requested, if any: monitors then speak `hello` from the first check. */
  readonly serverApi?: ServerApi;
  /** Opens every connection of the topology: pools', monitors', RTT pingers' (tests pass fakes). */
  readonly connector: Connector;
  /** Clock and timers of selection, monitors, pools, SRV polling and connection establishment. */
  readonly scheduler: SchedulerLike;
  /** CMAP options (maxPoolSize, minPoolSize, maxConnecting, waitQueueTimeoutMS, maxIdleTimeMS). */
  readonly pool?: Omit<PoolInit, 'address' | 'onError' | 'loadBalanced' | 'connectTimeoutMS'>;
  /** mongodb+srv URIs in a sharded (or unknown) topology: poll SRV records for mongos changes. */
  readonly srvPolling?: Omit<SrvPollerOptions, 'scheduler' | 'heartbeatFrequencyMS'>;
  /** The client's event bus (SDAM, heartbeat, CMAP and command events). */
  readonly bus?: EventBus;
  /** @internal Tests shorten the spec's 500 ms floor between checks. */
  readonly minHeartbeatFrequencyMS?: number;
}

/** A selection waiting for a suitable server (server-selection "wait queue"). */
interface SelectionWaiter {
  readonly criteria: SelectionCriteria;
  readonly subscriber: Subscriber<SelectedServer>;
  timer: Subscription | undefined;
}

let nextTopologyId = 1;

/**
 * The live topology: SDAM state in a BehaviorSubject, one Server (pool + monitor) per
 * address, server selection with an explicit wait queue and deadline on the injected scheduler,
 * and SRV polling. It opens no socket itself: every connection comes from the injected connector.
 */
export class Topology implements TopologyLike {
  readonly topologyId = nextTopologyId++;
  readonly bus: EventBus;
  private readonly options: TopologyOptions;
  private readonly scheduler: SchedulerLike;
  /** The latest description, RTT updates included; `state` only emits SDAM-visible changes. */
  private current: TopologyDescription;
  private readonly state: BehaviorSubject<TopologyDescription>;
  private readonly servers = new Map<string, Server>();
  private readonly waiters = new Set<SelectionWaiter>();
  private srvPoller: SrvPoller | undefined;
  private phase: 'new' | 'open' | 'closed' = 'new';
  private nextMonitorConnectionId = 1;
  /** Load-balanced mode: the description published right after opening (load-balancers "Monitoring"). */
  private readonly loadBalancedDescription: TopologyDescription | undefined;

  constructor(options: TopologyOptions) {
    this.options = options;
    this.bus = options.bus ?? new EventBus();
    this.scheduler = options.scheduler;
    const initial = initialTopologyDescription(options);
    // Load-balanced: opens LoadBalanced with an Unknown server, which becomes a LoadBalancer on connect.
    if (initial.type === 'LoadBalanced') this.loadBalancedDescription = initial;
    this.current = openingDescription(initial);
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

  /**
   * Cold. Emits a suitable server at once when there is one; otherwise waits, asking monitors for
   * immediate checks, and is re-evaluated on every description change and every finished check.
   * Errors with MongoServerSelectionError exactly when serverSelectionTimeoutMS (or the criteria's
   * earlier deadline) has passed on the topology's scheduler, whatever the monitors do, and with
   * MongoTopologyClosedError when the topology is (or gets) closed. Unsubscribing leaves the queue.
   */
  selectServer(criteria: SelectionCriteria): Observable<SelectedServer> {
    return new Observable<SelectedServer>((subscriber) => {
      this.emitSelection('serverSelectionStarted', criteria);
      if (this.phase === 'closed') {
        this.deliver(criteria, subscriber, closedError());
        return;
      }
      this.connect();
      const found = this.trySelect(criteria);
      if (found !== undefined) {
        this.deliver(criteria, subscriber, found);
        return;
      }
      const limitMS = this.options.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
      const now = this.scheduler.now();
      const deadline = Math.min(now + limitMS, criteria.deadline ?? Number.POSITIVE_INFINITY);
      // The earlier of serverSelectionTimeoutMS and the operation's deadline, fixed at subscribe.
      const timeoutMS = Math.max(0, deadline - now);
      const waiter: SelectionWaiter = { criteria, subscriber, timer: undefined };
      this.waiters.add(waiter);
      // server-selection "Logging": once per operation, when it starts waiting.
      if (this.bus.wants('waitingForSuitableServer'))
        this.bus.emit({
          name: 'waitingForSuitableServer',
          ...this.selectionFields(criteria),
          remainingTimeMS: timeoutMS,
        });
      waiter.timer = this.scheduler.schedule(() => {
        waiter.timer = undefined;
        if (!this.waiters.delete(waiter)) return;
        this.deliver(criteria, subscriber, this.selectionError(criteria, timeoutMS));
      }, timeoutMS);
      this.requestChecks();
      return () => this.leave(waiter);
    });
  }

  /**
   * Errors every waiting selection with MongoTopologyClosedError, closes every server (monitor
   * and RTT connections destroyed; pools closed: check-outs fail, pending establishments are
   * aborted, available and in-use connections closed), stops SRV polling, publishes the closing
   * events, and completes. Nothing of the topology is left running when it completes.
   */
  close(): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.phase !== 'closed') this.shutdown();
      subscriber.next();
      subscriber.complete();
    });
  }

  private shutdown(): void {
    const wasOpen = this.phase === 'open';
    this.phase = 'closed';
    for (const waiter of [...this.waiters]) {
      this.leave(waiter);
      this.deliver(waiter.criteria, waiter.subscriber, closedError());
    }
    this.srvPoller?.stop();
    for (const server of this.servers.values()) {
      server.close(true);
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
    this.state.complete();
  }

  // --- selection ---

  /** A selected server, an immediate error (incompatible topology, bad read preference), or undefined to keep waiting. */
  private trySelect(criteria: SelectionCriteria): SelectedServer | Error | undefined {
    if (this.phase === 'closed') return closedError();
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
    return {
      description: chosen,
      topologyType: td.type,
      withConnection: (fn, options) => server.withConnection(fn, options),
      reportError: (error, connection) => server.reportErrorOn(error, connection),
      hold: (kind, options) => server.hold(kind, options),
    };
  }

  /** Re-evaluates waiting selections (after a description change or a finished check), oldest first. */
  private processWaiters(): void {
    if (this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) {
      // An earlier delivery may have run code that settled or removed this one.
      if (!this.waiters.has(waiter)) continue;
      const found = this.trySelect(waiter.criteria);
      if (found === undefined) continue;
      this.leave(waiter);
      this.deliver(waiter.criteria, waiter.subscriber, found);
    }
    if (this.waiters.size > 0) this.requestChecks();
  }

  /** Ends a selection with its server or error, after the event that says so. */
  private deliver(
    criteria: SelectionCriteria,
    subscriber: Subscriber<SelectedServer>,
    found: SelectedServer | Error,
  ): void {
    if (found instanceof Error) {
      if (this.bus.wants('serverSelectionFailed'))
        this.bus.emit({ name: 'serverSelectionFailed', ...this.selectionFields(criteria), failure: found });
      subscriber.error(found);
      return;
    }
    if (this.bus.wants('serverSelectionSucceeded'))
      this.bus.emit({
        name: 'serverSelectionSucceeded',
        ...this.selectionFields(criteria),
        address: found.description.address,
      });
    subscriber.next(found);
    subscriber.complete();
  }

  private emitSelection(name: 'serverSelectionStarted', criteria: SelectionCriteria): void {
    if (this.bus.wants(name)) this.bus.emit({ name, ...this.selectionFields(criteria) });
  }

  /** What every server selection event says: the operation, its selector and the topology now. */
  private selectionFields(criteria: SelectionCriteria) {
    return {
      topologyId: this.topologyId,
      operation: criteria.operationName,
      ...(criteria.operationId !== undefined && { operationId: criteria.operationId }),
      kind: criteria.kind,
      ...(criteria.kind === 'read' && { readPreference: readPreferenceOf(criteria) }),
      topologyDescription: this.current,
    };
  }

  private leave(waiter: SelectionWaiter): void {
    this.waiters.delete(waiter);
    waiter.timer?.unsubscribe();
    waiter.timer = undefined;
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
  private apply(next: TopologyDescription, withUpdate?: () => void): void {
    const previous = this.current;
    if (this.phase !== 'open') return;
    if (next === previous) {
      withUpdate?.();
      return;
    }
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
    // SDAM "Connection Pool Management": a pool clear is synchronized with the update, so no one
    // (description$ subscribers, waiting selections) sees the new description before the clear.
    withUpdate?.();
    if (events.length > 0) this.state.next(next);
    if (this.phase === 'open') this.processWaiters();
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
      const pool = this.servers.get(sd.address)?.pool;
      this.apply(decision.topology, () => {
        if (decision.clearPool)
          pool?.clear({ interruptInUseConnections: decision.interruptInUseConnections });
      });
    } else {
      this.apply(updateTopology(this.current, sd));
    }
    // A finished check may not change the description, but waiting selections ask for the next one.
    if (this.phase === 'open') this.processWaiters();
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
    const connectTimeoutMS = o.connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let server: Server | undefined;
    const pool = new ConnectionPool(
      {
        ...o.pool,
        address,
        loadBalanced,
        connectTimeoutMS,
        onError: (error, context) => server?.reportError(error, context),
      },
      (info) =>
        o.connector({
          address,
          purpose: 'pool',
          id: info.id,
          generation: info.generation,
          scheduler: this.scheduler,
          connectTimeoutMS,
          authenticating: info.authenticating,
        }),
      this.bus,
      this.scheduler,
    );
    const monitor = loadBalanced
      ? undefined
      : new Monitor({
          address,
          heartbeatFrequencyMS: this.current.heartbeatFrequencyMS,
          minHeartbeatFrequencyMS: o.minHeartbeatFrequencyMS ?? MIN_HEARTBEAT_FREQUENCY_MS,
          connectTimeoutMS,
          streaming: streamingEnabled(o.serverMonitoringMode ?? 'auto'),
          serverApi: o.serverApi !== undefined,
          serverApiFields: serverApiFields(o.serverApi),
          connector: (addr, purpose) => this.openMonitorConnection(addr, purpose, connectTimeoutMS),
          scheduler: this.scheduler,
          bus: this.bus,
          topologyId: this.topologyId,
          onDescription: (sd) => this.onMonitorDescription(sd),
        });
    server = new Server(address, pool, monitor, {
      describe: () => this.current,
      update: (next, withUpdate) => this.apply(next, withUpdate),
    });
    this.servers.set(address, server);
    return server;
  }

  /** Monitoring and RTT connections (no auth, no command events), bounded by connectTimeoutMS on the scheduler. */
  private openMonitorConnection(
    address: string,
    purpose: 'monitor' | 'rtt',
    connectTimeoutMS: number,
  ): Observable<Connection> {
    const attempt = this.options.connector({
      address,
      purpose,
      id: this.nextMonitorConnectionId++,
      generation: 0,
      scheduler: this.scheduler,
      connectTimeoutMS,
    });
    if (connectTimeoutMS <= 0) return attempt;
    const expired = () =>
      new MongoNetworkTimeoutError(
        `${purpose} connection to ${address} was not established within connectTimeoutMS (${connectTimeoutMS} ms)`,
        { beforeHandshake: true },
      );
    return attempt.pipe(
      timeout({ first: connectTimeoutMS, scheduler: this.scheduler, with: () => throwError(expired) }),
    );
  }
}

function closedError(): MongoTopologyClosedError {
  return new MongoTopologyClosedError('Topology is closed');
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
