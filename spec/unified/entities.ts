// The entity map (unified test format, "Entity Map", "entity"): clients with their observed
// events, databases, collections, cursors and saved BSON values.
import type { Document } from 'bson';
import { lastValueFrom, Observable, type Subscription, take, timeout } from 'rxjs';
import { isSensitiveCommand } from '../../src/events/redact.js';
import type { MongoEvent } from '../../src/events/types.js';
import {
  type ChangeStreamIterator,
  type ClientSession,
  type Collection,
  type Db,
  GridFSBucket,
  type Log,
  MongoClient,
  type MongoClientOptions,
} from '../../src/index.js';
import type { MatchEntities } from './match.js';
import { ThreadEntity } from './threads.js';

/** Unified event type names -> the bus's event names. */
export const EVENT_NAMES: Readonly<Record<string, MongoEvent['name']>> = {
  commandStartedEvent: 'commandStarted',
  commandSucceededEvent: 'commandSucceeded',
  commandFailedEvent: 'commandFailed',
  poolCreatedEvent: 'connectionPoolCreated',
  poolReadyEvent: 'connectionPoolReady',
  poolClearedEvent: 'connectionPoolCleared',
  poolClosedEvent: 'connectionPoolClosed',
  connectionCreatedEvent: 'connectionCreated',
  connectionReadyEvent: 'connectionReady',
  connectionClosedEvent: 'connectionClosed',
  connectionCheckOutStartedEvent: 'connectionCheckOutStarted',
  connectionCheckOutFailedEvent: 'connectionCheckOutFailed',
  connectionCheckedOutEvent: 'connectionCheckedOut',
  connectionCheckedInEvent: 'connectionCheckedIn',
  serverDescriptionChangedEvent: 'serverDescriptionChanged',
  topologyDescriptionChangedEvent: 'topologyDescriptionChanged',
  topologyOpeningEvent: 'topologyOpening',
  topologyClosedEvent: 'topologyClosed',
  serverOpeningEvent: 'serverOpening',
  serverClosedEvent: 'serverClosed',
  serverHeartbeatStartedEvent: 'serverHeartbeatStarted',
  serverHeartbeatSucceededEvent: 'serverHeartbeatSucceeded',
  serverHeartbeatFailedEvent: 'serverHeartbeatFailed',
};

const SDAM_EVENT = /^(server|topology)/;

export interface ObservedEvent {
  /** The unified name, e.g. commandStartedEvent. */
  readonly type: string;
  readonly event: MongoEvent;
}

export class ClientEntity {
  readonly events: ObservedEvent[] = [];
  /** Log messages of the components observeLogMessages names (filled by the client's logger). */
  readonly logs: Log[];
  /** Connections checked out of the pool now (from CMAP events, observed or not). */
  checkedOut = 0;
  /** connectionReady events seen (awaitMinPoolSizeMS). */
  readyConnections = 0;
  private readonly subscription: Subscription;
  private monitoring: Subscription | undefined;

  constructor(
    readonly id: string,
    readonly client: MongoClient,
    spec: Document,
    storeInto: (entityId: string, event: Document) => void,
    logs: Log[] = [],
  ) {
    this.logs = logs;
    const observe = new Set<string>(spec.observeEvents ?? []);
    const ignore = new Set<string>(spec.ignoreCommandMonitoringEvents ?? []);
    const sensitive = spec.observeSensitiveCommands === true;
    const byBusName = new Map(Object.entries(EVENT_NAMES).map(([u, b]) => [b, u]));
    const stores: Array<{ id: string; events: Set<string> }> = (spec.storeEventsAsEntities ?? []).map(
      (s: Document) => ({ id: s.id, events: new Set<string>(s.events) }),
    );
    this.subscription = client.events$.subscribe((event) => {
      if (event.name === 'connectionCheckedOut') this.checkedOut++;
      if (event.name === 'connectionCheckedIn') this.checkedOut--;
      if (event.name === 'connectionReady') this.readyConnections++;
      const type = byBusName.get(event.name);
      if (!type) return;
      if ('commandName' in event) {
        if (ignore.has(event.commandName) || event.commandName === 'configureFailPoint') return;
        if (!sensitive && isSensitive(event)) return;
      }
      if (observe.has(type)) this.events.push({ type, event });
      for (const s of stores)
        if (s.events.has(type)) storeInto(s.id, { name: type, observedAt: event.time / 1000 });
    });
    // The driver connects lazily; a client that observes SDAM events or log messages starts
    // monitoring now, as the SDAM and logging tests expect of a client entity (they wait for
    // heartbeats or a ready pool before any operation).
    if ([...observe].some((t) => SDAM_EVENT.test(t)) || spec.observeLogMessages)
      this.monitoring = client.topology$.pipe(take(1)).subscribe({ error: () => {} });
  }

  async close(): Promise<void> {
    this.monitoring?.unsubscribe();
    // Unsubscribed after close: the closing events (topologyClosed ...) are observed too.
    await lastValueFrom(this.client.close(), { defaultValue: undefined });
    this.subscription.unsubscribe();
  }
}

function isSensitive(event: MongoEvent & { commandName: string }): boolean {
  const name = event.commandName.toLowerCase();
  if (isSensitiveCommand(name, {})) return true;
  if (name === 'hello' || name === 'ismaster') {
    // Redacted when it carried speculativeAuthenticate: the driver then publishes an empty command/reply.
    const doc = 'command' in event ? event.command : 'reply' in event ? event.reply : undefined;
    return doc !== undefined && Object.keys(doc).length === 0;
  }
  return false;
}

/** A cursor entity: pulls documents one at a time (createFindCursor, createCommandCursor). */
export class CursorEntity {
  private readonly iterator: AsyncIterator<Document>;
  private closed = false;
  /** The first result, fetched when the entity is created. */
  private head: IteratorResult<Document> | undefined;

  constructor(source: Observable<Document> | AsyncIterator<Document>) {
    this.iterator = source instanceof Observable ? pull(source) : source;
  }

  /**
   * A change stream entity: its aggregate runs now (errors surface here), but no event is awaited
   * (createChangeStream returns before any change happened).
   */
  static async openChangeStream(iterator: ChangeStreamIterator<Document>): Promise<CursorEntity> {
    await iterator.open();
    const entity = new CursorEntity(iterator);
    entity.tryNext = () => iterator.tryNext();
    return entity;
  }

  /** iterateOnce on a change stream: one getMore at most (the spec's tryNext); null when none came. */
  private tryNext: (() => Promise<Document | null>) | undefined;

  /**
   * Creates the server-side cursor now (unified format, createFindCursor / createCommandCursor:
   * the initial command runs when the operation does), so its errors surface here.
   */
  static async open(source: Observable<Document>): Promise<CursorEntity> {
    const cursor = new CursorEntity(source);
    cursor.head = await cursor.iterator.next();
    return cursor;
  }

  /**
   * unified "iterateOnce": a change stream sends one getMore at most when nothing is buffered (no
   * event: undefined); other cursors iterate as `next`.
   */
  async iterateOnce(): Promise<Document | undefined> {
    if (this.closed) throw new Error('cursor is closed');
    if (!this.tryNext || this.head) return this.next();
    return (await this.tryNext()) ?? undefined;
  }

  /** The next document, or undefined when the cursor is exhausted. */
  async next(): Promise<Document | undefined> {
    if (this.closed) throw new Error('cursor is closed');
    const r = this.head ?? (await this.iterator.next());
    this.head = undefined;
    return r.done ? undefined : r.value;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.iterator.return?.();
  }
}

/**
 * Pulls from a cursor: its own async iterator when it has one (demand-driven getMore),
 * else a buffered subscription.
 */
function pull(source: Observable<Document>): AsyncIterator<Document> {
  const own = (source as Partial<AsyncIterable<Document>>)[Symbol.asyncIterator];
  if (typeof own === 'function') return own.call(source);
  const buffer: Document[] = [];
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const sub = source.subscribe({
    next: (d) => {
      buffer.push(d);
      wake?.();
    },
    error: (e) => {
      failure = e;
      done = true;
      wake?.();
    },
    complete: () => {
      done = true;
      wake?.();
    },
  });
  return {
    async next() {
      while (buffer.length === 0 && !done) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (buffer.length > 0) return { done: false, value: buffer.shift() as Document };
      if (failure) throw failure;
      return { done: true, value: undefined };
    },
    async return() {
      sub.unsubscribe();
      return { done: true, value: undefined };
    },
  };
}

/**
 * A session entity. Its lsid is read when the entity is created, so `$$sessionLsid` still works
 * after the session ended (unified format, "session").
 */
export class SessionEntity {
  readonly lsid: Document | undefined;

  constructor(
    readonly client: ClientEntity,
    readonly session: ClientSession,
  ) {
    this.lsid = session.id;
  }
}

export type Entity =
  | { kind: 'client'; value: ClientEntity }
  | { kind: 'database'; value: Db }
  | { kind: 'collection'; value: Collection }
  | { kind: 'cursor'; value: CursorEntity }
  | { kind: 'session'; value: SessionEntity }
  | { kind: 'events'; value: Document[] }
  | { kind: 'thread'; value: ThreadEntity }
  | { kind: 'value'; value: unknown }
  | { kind: 'bucket'; value: GridFSBucket }
  | { kind: 'unsupported'; value: string };

type EntityValue<K extends Entity['kind']> = Extract<Entity, { kind: K }>['value'];

/** How createEntities treats new clients. */
export interface CreateOptions {
  /** Connect (select a server) before the operations run: see connectClients. */
  readonly connectClients?: boolean;
}

export class EntityMap implements MatchEntities {
  private readonly map = new Map<string, Entity>();

  set(id: string, entity: Entity): void {
    if (this.map.has(id)) throw new Error(`entity ${id} already exists`);
    this.map.set(id, entity);
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  get<K extends Entity['kind']>(id: string, kind: K): EntityValue<K> {
    const e: Entity | undefined = this.map.get(id);
    if (!e) throw new Error(`entity ${id} is not defined`);
    if (e.kind !== kind) throw new Error(`entity ${id} is a ${e.kind}, not a ${kind}`);
    const value: unknown = e.value;
    return value as EntityValue<K>;
  }

  any(id: string): Entity {
    const e = this.map.get(id);
    if (!e) throw new Error(`entity ${id} is not defined`);
    return e;
  }

  lookup(id: string): unknown {
    const e = this.any(id);
    if (e.kind !== 'value' && e.kind !== 'events') throw new Error(`entity ${id} is not a BSON value`);
    return e.value;
  }

  sessionLsid(id: string): unknown {
    return this.get(id, 'session').lsid;
  }

  /**
   * Creates the entities of createEntities (clients first use `uri`); resolves once the clients
   * with `awaitMinPoolSizeMS` (schema 1.26) have filled their pools to minPoolSize.
   */
  async create(list: readonly Document[], uri: string, options: CreateOptions = {}): Promise<void> {
    const pools: Promise<void>[] = [];
    for (const item of list) {
      const [type, spec] = Object.entries(item)[0] as [string, Document];
      if (type === 'client' && spec.awaitMinPoolSizeMS !== undefined) pools.push(this.awaitPools(spec, uri));
    }
    this.createAll(list, uri);
    await Promise.all(pools);
    if (options.connectClients) await this.connectClients(list);
  }

  /**
   * Discovers the deployment for each new client before the test's operations run (the official
   * Node runner connects every client entity): a millisecond timeoutMS then bounds the operation,
   * not the topology's first hello on a busy machine. Selection only, no command; a failure is left
   * for the operations to meet; bounded so a deployment that never answers cannot hold the test.
   */
  private async connectClients(list: readonly Document[]): Promise<void> {
    const clients = list
      .map((item) => Object.entries(item)[0] as [string, Document])
      .filter(([type]) => type === 'client')
      .map(([, spec]) => this.get(spec.id, 'client').client);
    await Promise.all(
      clients.map((client) =>
        lastValueFrom(client.connect().pipe(timeout(10_000)), { defaultValue: undefined }).catch(
          () => undefined,
        ),
      ),
    );
  }

  /** Waits (a bounded number of polls, no clock reading) for minPoolSize connectionReady events. */
  private async awaitPools(spec: Document, _uri: string): Promise<void> {
    await Promise.resolve();
    const entity = this.get(spec.id, 'client');
    const min = Number(spec.uriOptions?.minPoolSize ?? 0);
    await lastValueFrom(entity.client.connect(), { defaultValue: undefined });
    for (let poll = 0; poll < 1000 && entity.readyConnections < min; poll++)
      await new Promise((r) => setTimeout(r, 10));
    if (entity.readyConnections < min)
      throw new Error(`awaitMinPoolSizeMS: the pool of ${spec.id} did not reach minPoolSize ${min}`);
  }

  private createAll(list: readonly Document[], uri: string): void {
    for (const item of list) {
      const [type, spec] = Object.entries(item)[0] as [string, Document];
      switch (type) {
        case 'client':
          this.set(spec.id, { kind: 'client', value: this.newClient(spec, uri) });
          break;
        case 'database': {
          const client = this.get(spec.client, 'client').client;
          this.set(spec.id, {
            kind: 'database',
            value: client.db(spec.databaseName, concerns(spec.databaseOptions)),
          });
          break;
        }
        case 'collection': {
          const db = this.get(spec.database, 'database');
          const coll = db.collection(spec.collectionName, concerns(spec.collectionOptions));
          this.set(spec.id, { kind: 'collection', value: coll });
          break;
        }
        case 'session': {
          const client = this.get(spec.client, 'client');
          const options: Document = { ...(spec.sessionOptions ?? {}) };
          if (typeof options.snapshotTime === 'string')
            options.snapshotTime = this.lookup(options.snapshotTime);
          this.set(spec.id, {
            kind: 'session',
            value: new SessionEntity(client, client.client.startSession(options)),
          });
          break;
        }
        case 'thread':
          this.set(spec.id, { kind: 'thread', value: new ThreadEntity(spec.id) });
          break;
        case 'bucket':
          this.set(spec.id, {
            kind: 'bucket',
            value: new GridFSBucket(this.get(spec.database, 'database'), spec.bucketOptions),
          });
          break;
        default:
          throw new Error(`entity type ${type} is not supported`);
      }
    }
  }

  private newClient(spec: Document, uri: string): ClientEntity {
    // A short heartbeat unless the test sets one: after a "node is shutting down" fail point the
    // server stays Unknown until the streaming monitor's next hello, which waits up to
    // heartbeatFrequencyMS (10 s by default) for a server whose topology did not really change.
    const options: MongoClientOptions = {
      heartbeatFrequencyMS: 500,
      ...(spec.uriOptions ?? {}),
      monitorCommands: true,
    };
    if (spec.serverApi) Object.assign(options, { serverApi: spec.serverApi });
    // observeLogMessages: the client's logger writes the named components (only those: the
    // environment's MONGODB_LOG_* cannot add any) into the entity.
    const logs: Log[] = [];
    if (spec.observeLogMessages) {
      options.mongodbLogComponentSeverities = { default: 'off', ...spec.observeLogMessages };
      options.mongodbLogPath = { write: (log: Log) => logs.push(log) };
    }
    const client = new MongoClient(spec.useMultipleMongoses === false ? oneMongos(uri) : uri, options);
    for (const s of spec.storeEventsAsEntities ?? []) this.set(s.id, { kind: 'events', value: [] });
    return new ClientEntity(
      spec.id,
      client,
      spec,
      (id, e) => (this.get(id, 'events') as Document[]).push(e),
      logs,
    );
  }

  async close(): Promise<void> {
    for (const e of this.map.values()) {
      if (e.kind === 'thread') await e.value.settle();
    }
    for (const e of this.map.values()) {
      if (e.kind === 'cursor') await e.value.close().catch(() => {});
    }
    // Sessions end before their clients close, so their server sessions go back to the pool.
    for (const e of this.map.values()) {
      if (e.kind === 'session')
        await lastValueFrom(e.value.session.endSession(), { defaultValue: undefined });
    }
    for (const e of this.map.values()) {
      if (e.kind === 'client') await e.value.close().catch(() => {});
    }
    this.map.clear();
  }
}

/** collectionOrDatabaseOptions -> the driver's inherited options. */
export function concerns(options: Document | undefined): Document | undefined {
  if (!options) return undefined;
  const out: Document = {};
  if (options.readConcern) out.readConcern = options.readConcern;
  if (options.writeConcern) out.writeConcern = options.writeConcern;
  if (options.readPreference) out.readPreference = readPreferenceOf(options.readPreference);
  if (options.timeoutMS !== undefined) out.timeoutMS = options.timeoutMS;
  return out;
}

const MODES = ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'];

/**
 * A read preference document of a test as the driver takes it: the mode spelled as the driver
 * does ("Secondary" -> "secondary"), `tagSets` (the server-selection spec's name) as `tags`.
 */
function readPreferenceOf(rp: Document): Document {
  const { tagSets, ...rest } = rp;
  const mode = MODES.find((m) => m.toLowerCase() === String(rp.mode).toLowerCase());
  return { ...rest, ...(mode && { mode }), ...(tagSets !== undefined && { tags: tagSets }) };
}

/**
 * unified format, "useMultipleMongoses: false": a sharded deployment's URI with its first router
 * only. A replica set's URI (replicaSet=...) stays whole: the option is about mongos.
 */
function oneMongos(uri: string): string {
  const match = /^(mongodb:\/\/)([^/?]*)(.*)$/.exec(uri);
  if (!match || /[?&]replicaSet=/.test(uri)) return uri;
  const [, scheme, hosts, rest] = match;
  return `${scheme}${hosts.split(',')[0]}${rest}`;
}
