import { createAuthProvider } from '../connection/auth/index.js';
import { ClientMetadata } from '../connection/client-metadata.js';
import { tlsConnectionOptions } from '../connection/tls.js';
import { MongoTopologyClosedError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import {
  asyncScheduler,
  concatMap,
  defer,
  map,
  type Observable,
  of,
  race,
  type SchedulerLike,
  Subject,
  shareReplay,
  take,
  tap,
  throwError,
} from '../rx.js';
import { socketConnector } from '../sdam/connector.js';
import type { TopologyDescription } from '../sdam/description/topology-description.js';
import { resolveSrvHost, type SrvHostVerification, type SrvResolver } from '../sdam/srv.js';
import { Topology, type TopologyOptions } from '../sdam/topology.js';
import type { SelectedServer, SelectionCriteria, TopologyLike } from '../sdam/topology-contract.js';
import type { MongoClientOptions } from '../uri/client-options.js';
import { TcpHostAddress } from '../uri/host-address.js';
import { applySrvRecords } from '../uri/parse.js';
import type { ResolvedOptions } from '../uri/resolved-options.js';

/**
 * Maps the resolved client options onto the topology's (pools, monitoring, selection) and builds
 * the connector that opens its sockets (handshake, auth, TLS). `scheduler` is the clock of every
 * timer of the topology and its connections.
 */
export function topologyOptions(
  options: ResolvedOptions,
  bus: EventBus,
  scheduler: SchedulerLike = asyncScheduler,
  metadata: ClientMetadata = new ClientMetadata({ appName: options.appName, driverInfo: options.driverInfo }),
): TopologyOptions {
  return {
    hosts: options.hosts.map(String),
    directConnection: options.directConnection,
    replicaSet: options.replicaSet,
    loadBalanced: options.loadBalanced,
    heartbeatFrequencyMS: options.heartbeatFrequencyMS,
    minHeartbeatFrequencyMS: options.minHeartbeatFrequencyMS,
    localThresholdMS: options.localThresholdMS,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS,
    connectTimeoutMS: options.connectTimeoutMS,
    serverMonitoringMode: options.serverMonitoringMode,
    serverApi: options.serverApi,
    connector: socketConnector({
      handshake: {
        // Read per connection: appendMetadata() reaches new connections only.
        get metadata() {
          return metadata.document;
        },
        serverApi: options.serverApi,
        loadBalanced: options.loadBalanced,
        compressors: options.compressors,
        zlibCompressionLevel: options.zlibCompressionLevel,
        auth: options.credentials ? createAuthProvider(options.credentials) : undefined,
      },
      socket: { tls: tlsConnectionOptions(options, options.hosts[0] ? String(options.hosts[0]) : '') },
      bus,
    }),
    scheduler,
    pool: {
      maxPoolSize: options.maxPoolSize,
      minPoolSize: options.minPoolSize,
      maxConnecting: options.maxConnecting,
      waitQueueTimeoutMS: options.waitQueueTimeoutMS,
      maxIdleTimeMS: options.maxIdleTimeMS,
    },
    srvPolling:
      options.srv && options.srvHost
        ? {
            srvHost: options.srvHost,
            srvServiceName: options.srvServiceName,
            srvMaxHosts: options.srvMaxHosts,
            verification: srvVerification(options),
          }
        : undefined,
    bus,
  };
}

/**
 * Builds the client's topology. For `mongodb+srv://` the seed list comes from DNS, so the real
 * topology is created once SRV/TXT resolution succeeds (initial-dns-seedlist-discovery).
 */
export function createTopology(
  uri: string,
  clientOptions: MongoClientOptions,
  options: ResolvedOptions,
  bus: EventBus,
  resolver?: SrvResolver,
  metadata?: ClientMetadata,
): TopologyLike {
  if (!options.srv || !options.srvHost)
    return new Topology(topologyOptions(options, bus, undefined, metadata));
  return new SrvTopology(uri, clientOptions, options, bus, resolver, metadata);
}

/** A topology that resolves its seed list through DNS before it starts. */
class SrvTopology implements TopologyLike {
  private readonly ready$: Observable<Topology>;
  private topology: Topology | undefined;
  private closed = false;
  /** Fires once on close: selections still waiting for DNS error then. */
  private readonly closing = new Subject<void>();

  constructor(
    uri: string,
    clientOptions: MongoClientOptions,
    options: ResolvedOptions,
    bus: EventBus,
    resolver?: SrvResolver,
    metadata?: ClientMetadata,
  ) {
    this.ready$ = defer(() =>
      resolveSrvHost(options.srvHost ?? '', {
        serviceName: options.srvServiceName,
        maxHosts: options.srvMaxHosts,
        verification: srvVerification(options),
        resolver,
      }),
    ).pipe(
      take(1),
      concatMap((result) => {
        const txt = Object.entries(result.options)
          .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
          .join('&');
        const hosts = result.hosts.map((h) => {
          const colon = h.lastIndexOf(':');
          return new TcpHostAddress(h.slice(0, colon).replace(/^\[|\]$/g, ''), Number(h.slice(colon + 1)));
        });
        const resolved = applySrvRecords(uri, clientOptions, { hosts, txt: txt || undefined });
        const topology = new Topology(topologyOptions(resolved, bus, undefined, metadata));
        return of(topology);
      }),
      tap((topology) => {
        this.topology = topology;
        if (!this.closed) topology.connect();
      }),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
  }

  get description$(): Observable<TopologyDescription> {
    return this.ready$.pipe(concatMap((t) => t.description$));
  }

  selectServer(criteria: SelectionCriteria): Observable<SelectedServer> {
    return defer(() => {
      if (this.closed) return throwError(srvClosedError);
      return race(
        this.ready$.pipe(
          concatMap((t) => (this.closed ? throwError(srvClosedError) : t.selectServer(criteria))),
        ),
        this.closing.pipe(
          map(() => {
            throw srvClosedError();
          }),
        ),
      );
    });
  }

  connect(): void {
    this.ready$.subscribe({ error: () => {} });
  }

  close(): Observable<void> {
    return defer(() => {
      if (!this.closed) {
        this.closed = true;
        this.closing.next();
        this.closing.complete();
      }
      return this.topology ? this.topology.close() : of(undefined);
    });
  }
}

function srvVerification(options: ResolvedOptions): SrvHostVerification {
  return { allowedHostsSuffix: options.srvAllowedHostsSuffix, hostValidator: options.srvHostValidator };
}

function srvClosedError(): MongoTopologyClosedError {
  return new MongoTopologyClosedError('Topology is closed');
}
