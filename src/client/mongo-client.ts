import { inspect } from 'node:util';
import type { Document } from 'bson';
import { pickBsonOptions } from '../bson-options.js';
import { ClientMetadata, type DriverInfo } from '../connection/client-metadata.js';
import { serverApiFields } from '../connection/handshake.js';
import type { ChangeStream, WatchOptions } from '../cursor/change-stream.js';
import type { ChangeStreamDocument } from '../cursor/change-stream-events.js';
import { MongoInvalidArgumentError, MongoNotConnectedError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { resolveLoggerConfig } from '../events/logging/config.js';
import { MongoLogger } from '../events/logging/logger.js';
import type { EventOf, MongoEvent, MongoEventName } from '../events/types.js';
import { ClusterClock } from '../execute/cluster-clock.js';
import { clockOf, type ExecutionContext } from '../execute/context.js';
import { executeOperation } from '../execute/execute-operation.js';
import type {
  AnyClientBulkWriteModel,
  ClientBulkWriteOptions,
} from '../operations/client-bulk-write-models.js';
import type { ClientBulkWriteResult } from '../operations/client-bulk-write-results.js';
import { checkPkFactory } from '../operations/document-id.js';
import {
  type ListDatabasesOptions,
  type ListDatabasesResult,
  listDatabasesOperation,
} from '../operations/list-databases.js';
import type { ReadConcern } from '../read-concern.js';
import type { ReadPreference } from '../read-preference.js';
import { concat, defer, finalize, from, map, Observable, type ObservableInput, of, take } from '../rx.js';
import type { TopologyDescription } from '../sdam/description/topology-description.js';
import type { SelectedServer, SelectionCriteria, TopologyLike } from '../sdam/topology-contract.js';
import { ClientSession, type ClientSessionOptions, type SessionOwner } from '../session/client-session.js';
import { ServerSessionPool } from '../session/server-session-pool.js';
import type { MongoClientOptions } from '../uri/client-options.js';
import { parseConnectionString } from '../uri/parse.js';
import type { ResolvedOptions } from '../uri/resolved-options.js';
import { emitOptionWarnings, MongoRxWarning } from '../uri/warnings.js';
import type { WriteConcern } from '../write-concern.js';
import { runClientBulkWrite } from './client-bulk-write.js';
import type { ClientContext } from './client-context.js';
import { Db } from './db.js';
import { endServerSessions } from './end-sessions.js';
import { EventListeners } from './event-listeners.js';
import type { InheritableOptions } from './inherited-options.js';
import { changeStreamOf } from './options-holder.js';
import { operationScope, type SessionOption } from './session-scope.js';
import { createTopology } from './topology-factory.js';
import { watchMethods } from './unsubscribed-warning.js';

/**
 * The entry point. Construction parses and validates the connection string (throwing
 * MongoParseError synchronously); nothing touches the network until an operation is subscribed
 * or `connect()` is.
 */
export class MongoClient {
  /** The validated options the client runs with (URI and client options merged, defaults filled in). */
  readonly options: ResolvedOptions;
  /** Hot bus of every SDAM, heartbeat, CMAP and command event. */
  readonly events$: Observable<MongoEvent>;
  private readonly listeners: EventListeners;
  private readonly bus = new EventBus();
  /** Logs the bus's events of the components the MONGODB_LOG_* variables or the options enable. */
  private readonly logger: MongoLogger;
  /** The handshake's `client` document; appendMetadata() changes it for new connections. */
  private readonly metadata: ClientMetadata;
  private topology: TopologyLike | undefined;
  /** Set by close(), cleared by connect(): until then operations error (as the official driver). */
  private hasBeenClosed = false;
  private readonly context: ClientContext;
  private readonly uri: string;
  private readonly clientOptions: MongoClientOptions;
  /** The server-session pool and cluster clock every session of this client shares. */
  private readonly sessions: SessionOwner = {
    pool: new ServerSessionPool(),
    clusterClock: new ClusterClock(),
    // The clock of the execution path (deadlines, backoff): session expiry runs on the same one.
    now: () => clockOf(this.context.execution()).now(),
    execute: () => {
      throw new MongoNotConnectedError('the client is not constructed yet');
    },
  };

  constructor(uri: string, options: MongoClientOptions = {}) {
    this.options = parseConnectionString(uri, options);
    this.metadata = new ClientMetadata({
      appName: this.options.appName,
      driverInfo: this.options.driverInfo,
    });
    this.sessions = {
      ...this.sessions,
      timeoutMS: this.options.timeoutMS,
      maxAdaptiveRetries: this.options.maxAdaptiveRetries,
      transactionDefaults: {
        readConcern: this.options.readConcern,
        writeConcern: this.options.writeConcern,
        readPreference: this.options.readPreference,
      },
      // Lazy: the execution context is built below.
      execute: (op, scope) => executeOperation(this.context.execution(), op, scope),
    };
    this.logger = new MongoLogger(resolveLoggerConfig(process.env, options));
    for (const warning of [...this.logger.config.warnings, ...this.logger.warnings]) warnOnce(warning);
    this.logger.attach(this.bus);
    // URI option warnings: a process warning each, and the logger's `client` component (warn).
    emitOptionWarnings(this.options, (message) => this.logger.log('client', 'warn', { message }));
    this.uri = uri;
    this.clientOptions = options;
    this.events$ = this.bus.events$;
    this.listeners = new EventListeners(this.bus);
    const execution: ExecutionContext = {
      topology: this.lazyTopology(),
      retryReads: this.options.retryReads,
      retryWrites: this.options.retryWrites,
      maxAdaptiveRetries: this.options.maxAdaptiveRetries,
      enableOverloadRetargeting: this.options.enableOverloadRetargeting,
      serverApiFields: serverApiFields(this.options.serverApi),
      socketTimeoutMS: this.options.socketTimeoutMS,
      timeoutMS: this.options.timeoutMS,
      clusterClock: this.sessions.clusterClock,
      implicitSession: () => new ClientSession(this.sessions, {}, false),
    };
    this.context = {
      execution: () => execution,
      bus: this.bus,
      sessions: this.sessions,
      warnUnsubscribed: this.options.warnUnsubscribed,
      inherited: {
        readPreference: this.options.readPreference,
        readConcern: nonEmpty(this.options.readConcern.toDocument()),
        writeConcern: nonEmpty(this.options.writeConcern.toDocument()),
        timeoutMS: this.options.timeoutMS,
        pkFactory: checkPkFactory(options.pkFactory),
        forceServerObjectId: options.forceServerObjectId,
        bson: pickBsonOptions(options),
      },
    };
  }

  /** The client's read preference (from `readPreference`, `readPreferenceTags`, `maxStalenessSeconds`). */
  get readPreference(): ReadPreference {
    return this.options.readPreference;
  }
  /** The client's read concern (`readConcernLevel`, or the `readConcern` option). */
  get readConcern(): ReadConcern {
    return this.options.readConcern;
  }
  /** The client's write concern (`w`, `journal`, `wtimeoutMS`, or the `writeConcern` option). */
  get writeConcern(): WriteConcern {
    return this.options.writeConcern;
  }

  /** Replays the current topology description, then each change (starts monitoring). */
  get topology$(): Observable<TopologyDescription> {
    return defer(() => this.ensureTopology().description$);
  }

  /**
   * The official driver's `MongoClient.connect(uri, options)`: a new client, emitted once a server
   * can be selected. Cold: each subscription makes its own client. A bad URI or option errors the
   * Observable (MongoParseError) rather than throwing; when connecting fails, or the subscriber
   * leaves before it is connected, the client is closed first (no monitor left running).
   */
  static connect(uri: string, options?: MongoClientOptions): Observable<MongoClient> {
    return new Observable<MongoClient>((subscriber) => {
      let client: MongoClient;
      try {
        client = new MongoClient(uri, options);
      } catch (e) {
        subscriber.error(e);
        return undefined;
      }
      // Connected (the client is the subscriber's now), or failed (closed here already).
      let settled = false;
      const closeThen = (then: () => void) => client.close().subscribe({ complete: then, error: then });
      const sub = client.connect().subscribe({
        next: (c) => {
          settled = true;
          subscriber.next(c);
        },
        error: (e: unknown) => {
          settled = true;
          closeThen(() => subscriber.error(e));
        },
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        if (!settled) closeThen(() => {});
      };
    });
  }

  /**
   * EventEmitter style, as on the official driver's client: `listener` gets each event named
   * `name` (`'commandStarted'`, `'serverHeartbeatFailed'`, ...) from the bus `events$` has, until
   * removed. Command events come whatever `monitorCommands` says.
   */
  on<N extends MongoEventName>(name: N, listener: (event: EventOf<N>) => void): this {
    this.listeners.add(name, listener, false);
    return this;
  }

  /** Like `on`, for the next event of that name only. */
  once<N extends MongoEventName>(name: N, listener: (event: EventOf<N>) => void): this {
    this.listeners.add(name, listener, true);
    return this;
  }

  /** Removes a listener added with `on`/`once` (its latest registration, as EventEmitter does). */
  off<N extends MongoEventName>(name: N, listener: (event: EventOf<N>) => void): this {
    this.listeners.remove(name, listener);
    return this;
  }

  /** Same as `off`. */
  removeListener<N extends MongoEventName>(name: N, listener: (event: EventOf<N>) => void): this {
    return this.off(name, listener);
  }

  /** Removes every listener of `name`, or of every name. */
  removeAllListeners(name?: MongoEventName): this {
    this.listeners.removeAll(name);
    return this;
  }

  /** How many listeners `name` has. */
  listenerCount(name: MongoEventName): number {
    return this.listeners.count(name);
  }

  /** Starts monitoring and waits until a server can be selected. Optional: operations connect lazily. */
  connect(): Observable<MongoClient> {
    return defer(() => {
      this.hasBeenClosed = false;
      return this.ensureTopology()
        .selectServer({ kind: 'read', readPreference: this.options.readPreference, operationName: 'connect' })
        .pipe(
          take(1),
          map(() => this),
        );
    });
  }

  /**
   * Appends a wrapping library's name, version and platform to the handshake metadata (handshake
   * spec): connections made from now on carry it, existing ones are left alone. A DriverInfo equal
   * to one given before (empty strings count as unset) changes nothing; "|" in a value is a
   * MongoInvalidArgumentError.
   */
  appendMetadata(driverInfo: DriverInfo): void {
    this.metadata.append(driverInfo);
  }

  /**
   * Ends the pooled server sessions (`endSessions`, at most 10,000 ids per command, errors
   * ignored: sessions spec), stops monitoring and closes every connection; emits once and completes
   * when all is released. Until `connect()` is called again, operations error with
   * MongoNotConnectedError. Cold: nothing happens before subscribe (`await lastValueFrom(client.close())`).
   */
  close(): Observable<void> {
    return defer(() => {
      this.hasBeenClosed = true;
      const topology = this.topology;
      if (!topology) return of(undefined);
      return concat(
        endServerSessions(this.context.execution(), this.sessions.pool.drain()),
        defer(() => {
          this.topology = undefined;
          return topology.close();
        }),
        // The closing messages are written: a log file is released until the next message.
      ).pipe(finalize(() => this.logger.close()));
    });
  }

  /** An explicit session (driver sessions spec); end it with `endSession()`. */
  startSession(options: ClientSessionOptions = {}): ClientSession {
    return new ClientSession(this.sessions, options, true);
  }

  /**
   * Runs `fn` with a new session and ends the session when the result completes, errors or is
   * unsubscribed. Cold: each subscription starts its own session.
   */
  withSession<T>(fn: (session: ClientSession) => ObservableInput<T>): Observable<T>;
  withSession<T>(
    options: ClientSessionOptions,
    fn: (session: ClientSession) => ObservableInput<T>,
  ): Observable<T>;
  withSession<T>(
    a: ClientSessionOptions | ((session: ClientSession) => ObservableInput<T>),
    b?: (session: ClientSession) => ObservableInput<T>,
  ): Observable<T> {
    const [options, fn] = typeof a === 'function' ? [{}, a] : [a, b];
    return defer(() => {
      if (typeof fn !== 'function') throw new MongoInvalidArgumentError('withSession needs a function');
      const session = this.startSession(options);
      return from(fn(session)).pipe(finalize(() => session.endSession().subscribe()));
    });
  }

  /** A handle on the database `name` (default: the URI's database, else `test`). Nothing is sent. */
  db(name?: string, options?: InheritableOptions): Db {
    return new Db(this.context, name ?? this.options.dbName ?? 'test', options);
  }

  /**
   * A change stream on every database of the deployment (admin, config and local excluded):
   * `allChangesForCluster` on admin; see Collection.watch.
   */
  watch<TSchema extends Document = Document, TChange extends Document = ChangeStreamDocument<TSchema>>(
    pipeline: Document[] = [],
    options: WatchOptions & SessionOption = {},
  ): ChangeStream<TSchema, TChange> {
    return changeStreamOf<TSchema, TChange>(this.context, 'admin', 1, pipeline, options, true);
  }

  /** `listDatabases` on admin (enumerate-databases spec). */
  listDatabases(options: ListDatabasesOptions & SessionOption = {}): Observable<ListDatabasesResult> {
    return defer(() => {
      const ctx = this.context.execution();
      const { scope, end } = operationScope(
        ctx,
        this.sessions,
        options,
        this.options.timeoutMS,
        clockOf(ctx).now(),
      );
      return executeOperation(ctx, listDatabasesOperation(options), scope).pipe(finalize(end));
    });
  }

  /**
   * Client-level bulk write (MongoDB 8.0 `bulkWrite` command, crud spec bulk-write.md): writes to any
   * namespaces, batched by the server's limits; errors with ClientBulkWriteError on write errors.
   */
  bulkWrite(
    models: readonly AnyClientBulkWriteModel[],
    options: ClientBulkWriteOptions & SessionOption = {},
  ): Observable<ClientBulkWriteResult> {
    return runClientBulkWrite(this.context, models, options);
  }

  /** CSOT: the client's timeoutMS (undefined: not set). */
  get timeoutMS(): number | undefined {
    return this.options.timeoutMS;
  }

  /**
   * The topology, created on first use. After close() operations error with MongoNotConnectedError
   * until connect() is called again, as the official driver does (a closed client never silently
   * reconnects and keeps the process alive).
   */
  private ensureTopology(): TopologyLike {
    if (!this.topology) {
      if (this.hasBeenClosed) {
        throw new MongoNotConnectedError(
          'Client must be connected before running operations (it was closed)',
        );
      }
      this.topology = createTopology(
        this.uri,
        this.clientOptions,
        this.options,
        this.bus,
        undefined,
        this.metadata,
      );
      this.topology.connect();
    }
    return this.topology;
  }

  /** A TopologyLike whose methods create the real topology only when subscribed. */
  private lazyTopology(): TopologyLike {
    return {
      description$: defer(() => this.ensureTopology().description$),
      selectServer: (criteria: SelectionCriteria): Observable<SelectedServer> =>
        defer(() => this.ensureTopology().selectServer(criteria)),
      connect: () => this.ensureTopology().connect(),
      close: () => this.close(),
    };
  }

  /** What `console.log(client)` shows: the hosts, never credentials. */
  [inspect.custom](): string {
    return `MongoClient { hosts: ${this.options.hosts.map(String).join(',')} }`;
  }

  /** The hosts only: credentials never serialize. */
  toJSON(): unknown {
    return { hosts: this.options.hosts.map(String) };
  }
}

watchMethods(MongoClient.prototype, 'MongoClient', (client) => client.options.warnUnsubscribed);

function nonEmpty<T extends object>(doc: T): T | undefined {
  return Object.keys(doc).length > 0 ? doc : undefined;
}

/** Logging misconfigurations in the environment are the same for every client: said once per process. */
const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(new MongoRxWarning(message, 'MONGORX_LOG'));
}
