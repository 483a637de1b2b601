// Maps unified operation names to the driver's API (unified test format, "Entity Test Operations",
// "Special Test Operations"). Every driver call returns a cold Observable or a cursor.
import { type Document, EJSON, type Timestamp } from 'bson';
import { defer, isObservable, lastValueFrom, type Observable, toArray } from 'rxjs';
import { type ChangeStreamIterator, type Collection, type Db, MongoClient } from '../../src/index.js';
import {
  type ClientEntity,
  CursorEntity,
  type Entity,
  type EntityMap,
  EVENT_NAMES,
  type ObservedEvent,
  type SessionEntity,
} from './entities.js';
import { eventMatches } from './event-match.js';
import { GRIDFS_HANDLERS } from './gridfs-operations.js';
import { plainMaps } from './plain-maps.js';
import { THREAD_OPERATIONS, type ThreadContext } from './threads.js';

/**
 * A problem of the runner or of the driver's API surface (unsupported operation, missing method,
 * bad test file). It never satisfies `expectError`: the test fails.
 */
export class RunnerError extends Error {}

export interface OperationContext {
  readonly entities: EntityMap;
  /** Runs createEntities for the createEntities test operation. */
  readonly createEntities: (list: Document[]) => Promise<void>;
  /** Internal-client command (assertions, fail points). */
  readonly internalCommand: (db: string, cmd: Document) => Promise<Document>;
  /** Fail points set during the test, disabled after it. */
  readonly failPoints: Array<{ client: 'internal' | ClientEntity; name: string }>;
  /** Runs one operation with its expectations (runOnThread; withTransaction's callback rethrows). */
  readonly runOne: (op: Document, rethrow?: boolean) => Promise<void>;
}

type Handler = (ctx: OperationContext, target: Entity, args: Document) => Promise<unknown>;

/** The driver method `name` of `obj`, bound; a RunnerError when the driver lacks it. */
function method(obj: object, label: string, name: string): (...args: unknown[]) => unknown {
  const fn = (obj as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new RunnerError(`driver lacks ${label}.${name}()`);
  return (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(obj, args);
}

/** Waits for what a driver method returned: the last value of an Observable, or the value itself. */
async function settle(result: unknown): Promise<unknown> {
  if (isObservable(result)) return lastValueFrom(result as Observable<unknown>, { defaultValue: undefined });
  return result;
}

/** Every document of a cursor (or any Observable of documents). */
async function drain(result: unknown): Promise<Document[]> {
  if (result && typeof (result as { toArray?: unknown }).toArray === 'function') {
    return (await settle((result as { toArray(): unknown }).toArray())) as Document[];
  }
  if (isObservable(result)) return lastValueFrom((result as Observable<Document>).pipe(toArray()));
  throw new RunnerError(`expected a cursor, got ${typeof result}`);
}

function without(args: Document, ...keys: string[]): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(args)) if (!keys.includes(k)) out[k] = v;
  if (typeof out.returnDocument === 'string') {
    const rd = out.returnDocument;
    if (rd !== 'Before' && rd !== 'After') throw new RunnerError(`invalid returnDocument ${rd}`);
    out.returnDocument = rd.toLowerCase();
  }
  return out;
}

function required(args: Document, key: string, op: string): unknown {
  if (args[key] === undefined) throw new RunnerError(`${op}: argument ${key} is required`);
  return args[key];
}

const coll = (t: Entity, op: string): Collection => {
  if (t.kind !== 'collection') throw new RunnerError(`${op} needs a collection, got ${t.kind}`);
  return t.value;
};
const sessionOf = (t: Entity, op: string): SessionEntity => {
  if (t.kind !== 'session') throw new RunnerError(`${op} needs a session, got ${t.kind}`);
  return t.value;
};
const db = (t: Entity, op: string): Db => {
  if (t.kind !== 'database') throw new RunnerError(`${op} needs a database, got ${t.kind}`);
  return t.value;
};

/** collection.NAME(args[positional]..., options) and wait for its Observable. */
function collectionCall(name: string, positional: string[], optional: string[] = []): Handler {
  return async (_ctx, t, args) => {
    const c = coll(t, name);
    const values = positional.map((k) => required(args, k, name));
    for (const k of optional) values.push(args[k]);
    return settle(method(c, 'Collection', name)(...values, without(args, ...positional, ...optional)));
  };
}

/** db.NAME(args[positional]..., options): its last value, or every document of the cursor it returns. */
function dbCall(
  name: string,
  positional: string[],
  mode: 'settle' | 'drain',
  hidden: string[] = [],
): Handler {
  return async (_ctx, t, args) => {
    const d = db(t, name);
    const values = positional.map((k) => required(args, k, name));
    const result = method(d, 'Db', name)(...values, without(args, ...positional, ...hidden));
    return mode === 'drain' ? drain(result) : settle(result);
  };
}

/** collection.NAME(...) returning a cursor: every document. */
function collectionCursor(name: string, positional: string[], defaults: Document = {}): Handler {
  return async (_ctx, t, args) => {
    const c = coll(t, name);
    const values = positional.map((k) => args[k] ?? defaults[k]);
    return drain(method(c, 'Collection', name)(...values, without(args, ...positional)));
  };
}

function findCursor(c: Collection, args: Document): unknown {
  if (args.filter === undefined) throw new RunnerError('find: filter is required');
  const options = without(args, 'filter', 'cursorType');
  // The unified format's cursorType (crud spec) is the driver's tailable/awaitData pair.
  if (args.cursorType === 'tailable' || args.cursorType === 'tailableAwait') options.tailable = true;
  if (args.cursorType === 'tailableAwait') options.awaitData = true;
  return method(c, 'Collection', 'find')(args.filter, options);
}

async function collectionExists(ctx: OperationContext, args: Document): Promise<boolean> {
  const reply = await ctx.internalCommand(args.databaseName, {
    listCollections: 1,
    filter: { name: args.collectionName },
    nameOnly: true,
  });
  return (reply.cursor?.firstBatch ?? []).length > 0;
}

async function indexNames(ctx: OperationContext, args: Document): Promise<string[]> {
  const reply = await ctx.internalCommand(args.databaseName, { listIndexes: args.collectionName });
  return (reply.cursor?.firstBatch ?? []).map((i: Document) => i.name);
}

function assertThat(ok: boolean, msg: string): void {
  if (!ok) throw new Error(msg);
}

async function configureFailPoint(
  ctx: OperationContext,
  client: ClientEntity,
  failPoint: Document,
): Promise<void> {
  await settle(client.client.db('admin').command(failPoint));
  ctx.failPoints.push({ client, name: failPoint.configureFailPoint });
}

const handlers: Record<string, Handler> = {
  ...GRIDFS_HANDLERS,
  // --- collection ---
  insertOne: collectionCall('insertOne', ['document']),
  insertMany: collectionCall('insertMany', ['documents']),
  deleteOne: collectionCall('deleteOne', ['filter']),
  deleteMany: collectionCall('deleteMany', ['filter']),
  updateOne: collectionCall('updateOne', ['filter', 'update']),
  updateMany: collectionCall('updateMany', ['filter', 'update']),
  replaceOne: collectionCall('replaceOne', ['filter', 'replacement']),
  findOneAndDelete: collectionCall('findOneAndDelete', ['filter']),
  findOneAndUpdate: collectionCall('findOneAndUpdate', ['filter', 'update']),
  findOneAndReplace: collectionCall('findOneAndReplace', ['filter', 'replacement']),
  bulkWrite: collectionCall('bulkWrite', ['requests']),
  countDocuments: collectionCall('countDocuments', ['filter']),
  estimatedDocumentCount: collectionCall('estimatedDocumentCount', []),
  count: collectionCall('count', ['filter']),
  distinct: collectionCall('distinct', ['fieldName', 'filter']),
  createIndex: collectionCall('createIndex', ['keys']),
  dropIndex: collectionCall('dropIndex', ['name']),
  dropIndexes: collectionCall('dropIndexes', []),
  listIndexes: collectionCursor('listIndexes', []),
  // The official driver has no listIndexNames(): the names of listIndexes().
  listIndexNames: async (ctx, t, args) =>
    ((await handlers.listIndexes(ctx, t, args)) as Document[]).map((i) => i.name),
  // On a bucket entity: its files collection (gridfs spec, "Generic Find on Files Collection").
  find: async (_ctx, t, args) =>
    drain(findCursor(t.kind === 'bucket' ? (t.value as unknown as Collection) : coll(t, 'find'), args)),
  findOne: async (_ctx, t, args) => {
    const c = coll(t, 'findOne');
    return settle(
      method(c, 'Collection', 'findOne')(required(args, 'filter', 'findOne'), without(args, 'filter')),
    );
  },
  createFindCursor: async (_ctx, t, args) =>
    CursorEntity.open(findCursor(coll(t, 'createFindCursor'), args) as Observable<Document>),
  aggregate: async (_ctx, t, args) => {
    const target = t.kind === 'database' ? t.value : coll(t, 'aggregate');
    const label = t.kind === 'database' ? 'Db' : 'Collection';
    return drain(
      method(target, label, 'aggregate')(required(args, 'pipeline', 'aggregate'), without(args, 'pipeline')),
    );
  },
  rename: collectionCall('rename', ['to']),
  createChangeStream: async (_ctx, t, args) => {
    const { pipeline, ...options } = without(args);
    const target =
      t.kind === 'client' ? t.value.client : t.kind === 'database' ? t.value : coll(t, 'createChangeStream');
    const stream = (target as { watch(p: unknown, o: unknown): AsyncIterable<Document> }).watch(
      pipeline ?? [],
      options,
    );
    return CursorEntity.openChangeStream(stream[Symbol.asyncIterator]() as ChangeStreamIterator<Document>);
  },
  createSearchIndex: collectionCall('createSearchIndex', ['model']),
  createSearchIndexes: collectionCall('createSearchIndexes', ['models']),
  dropSearchIndex: collectionCall('dropSearchIndex', ['name']),
  updateSearchIndex: collectionCall('updateSearchIndex', ['name', 'definition']),
  listSearchIndexes: async (_ctx, t, args) => {
    const c = coll(t, 'listSearchIndexes');
    const fn = method(c, 'Collection', 'listSearchIndexes');
    const opts = without(args, 'name', 'aggregationOptions');
    const cursor =
      args.name !== undefined
        ? fn(args.name, { ...opts, ...args.aggregationOptions })
        : fn({ ...opts, ...args.aggregationOptions });
    return drain(cursor);
  },

  // --- database ---
  runCommand: async (_ctx, t, args) => {
    const d = db(t, 'runCommand');
    return settle(
      d.command(required(args, 'command', 'runCommand') as Document, without(args, 'command', 'commandName')),
    );
  },
  runCursorCommand: dbCall('runCursorCommand', ['command'], 'drain', ['commandName']),
  createCommandCursor: async (_ctx, t, args) => {
    const d = db(t, 'createCommandCursor');
    const cursor = method(
      d,
      'Db',
      'runCursorCommand',
    )(required(args, 'command', 'createCommandCursor'), without(args, 'command', 'commandName'));
    return CursorEntity.open(cursor as Observable<Document>);
  },
  createCollection: dbCall('createCollection', ['collection'], 'settle'),
  dropCollection: dbCall('dropCollection', ['collection'], 'settle'),
  dropDatabase: async (_ctx, t, args) => {
    // On a client (the database named by `database`) or on a database entity.
    const d =
      t.kind === 'client'
        ? t.value.client.db(required(args, 'database', 'dropDatabase') as string)
        : db(t, 'dropDatabase');
    return settle(d.dropDatabase(without(args, 'database')));
  },
  listCollections: async (_ctx, t, args) => {
    const d = db(t, 'listCollections');
    return drain(method(d, 'Db', 'listCollections')(args.filter ?? {}, without(args, 'filter')));
  },
  listCollectionNames: async (_ctx, t, args) => {
    const d = db(t, 'listCollectionNames');
    const all = await drain(
      method(d, 'Db', 'listCollections')(args.filter ?? {}, { ...without(args, 'filter'), nameOnly: true }),
    );
    return all.map((c) => c.name);
  },
  listCollectionObjects: async (ctx, t, args) => handlers.listCollections(ctx, t, args),
  modifyCollection: async (_ctx, t, args) => {
    const d = db(t, 'modifyCollection');
    const { collection, ...rest } = without(args);
    return settle(d.command({ collMod: collection, ...rest }));
  },

  // --- client ---
  listDatabases: async (_ctx, t, args) => {
    if (t.kind !== 'client') throw new RunnerError(`listDatabases needs a client, got ${t.kind}`);
    const c = t.value.client;
    const own = (c as unknown as Record<string, unknown>).listDatabases;
    if (typeof own === 'function') return drain(method(c, 'MongoClient', 'listDatabases')(args));
    const reply = (await settle(c.db('admin').command({ listDatabases: 1, ...without(args) }))) as Document;
    return reply.databases;
  },
  listDatabaseObjects: async (ctx, t, args) => handlers.listDatabases(ctx, t, args),
  clientBulkWrite: async (_ctx, t, args) => {
    if (t.kind !== 'client') throw new RunnerError(`clientBulkWrite needs a client, got ${t.kind}`);
    const c = t.value.client;
    return plainMaps(
      await settle(
        method(
          c,
          'MongoClient',
          'bulkWrite',
        )(required(args, 'models', 'clientBulkWrite'), without(args, 'models')),
      ),
    );
  },
  appendMetadata: async (_ctx, t, args) => {
    if (t.kind !== 'client') throw new RunnerError(`appendMetadata needs a client, got ${t.kind}`);
    t.value.client.appendMetadata(required(args, 'driverInfoOptions', 'appendMetadata') as Document);
  },
  listDatabaseNames: async (_ctx, t, args) => {
    const all = (await handlers.listDatabases(_ctx, t, args)) as Document[];
    return all.map((d) => d.name);
  },

  // --- cursor ---
  iterateUntilDocumentOrError: async (_ctx, t) => {
    if (t.kind !== 'cursor')
      throw new RunnerError(`iterateUntilDocumentOrError needs a cursor, got ${t.kind}`);
    const doc = await t.value.next();
    if (doc === undefined) throw new Error('cursor exhausted before a document');
    return doc;
  },
  iterateOnce: async (_ctx, t) => {
    if (t.kind !== 'cursor') throw new RunnerError(`iterateOnce needs a cursor, got ${t.kind}`);
    return t.value.iterateOnce();
  },
  close: async (_ctx, t) => {
    if (t.kind === 'cursor') return t.value.close();
    if (t.kind === 'client') return t.value.close();
    throw new RunnerError(`close needs a cursor or client, got ${t.kind}`);
  },

  // --- session ---
  endSession: async (_ctx, t) => settle(sessionOf(t, 'endSession').session.endSession()),
  advanceClusterTime: async (_ctx, t, args) =>
    sessionOf(t, 'advanceClusterTime').session.advanceClusterTime(
      required(args, 'clusterTime', 'advanceClusterTime') as Document,
    ),
  advanceOperationTime: async (_ctx, t, args) =>
    sessionOf(t, 'advanceOperationTime').session.advanceOperationTime(
      required(args, 'operationTime', 'advanceOperationTime') as Timestamp,
    ),
  startTransaction: async (_ctx, t, args) =>
    sessionOf(t, 'startTransaction').session.startTransaction(transactionOptions(args)),
  commitTransaction: async (_ctx, t, args) =>
    settle(sessionOf(t, 'commitTransaction').session.commitTransaction(timeoutOf(args))),
  abortTransaction: async (_ctx, t, args) =>
    settle(sessionOf(t, 'abortTransaction').session.abortTransaction(timeoutOf(args))),
  withTransaction: async (ctx, t, args) => {
    const callback = required(args, 'callback', 'withTransaction') as Document[];
    const options = { ...transactionOptions(args), ...timeoutOf(args) };
    // The callback runs its operations with their expectations (unified format, "withTransaction").
    return settle(
      sessionOf(t, 'withTransaction').session.withTransaction(
        () =>
          defer(async () => {
            for (const op of callback) await ctx.runOne(op, true);
          }),
        options,
      ),
    );
  },
  getSnapshotTime: async (_ctx, t) => {
    const time = sessionOf(t, 'getSnapshotTime').session.snapshotTime;
    if (time === undefined) throw new Error('session has no snapshot time');
    return time;
  },

  // --- test runner ---
  assertSessionTransactionState: async (ctx, _t, args) => {
    const state = sessionArg(ctx, args).session.transactionState;
    assertThat(state === args.state, `transaction state is ${state}, expected ${args.state}`);
  },
  assertSessionPinned: async (ctx, _t, args) =>
    assertThat(sessionArg(ctx, args).session.isPinned, 'session is not pinned'),
  assertSessionUnpinned: async (ctx, _t, args) =>
    assertThat(!sessionArg(ctx, args).session.isPinned, 'session is pinned'),
  assertSessionDirty: async (ctx, _t, args) =>
    assertThat(sessionArg(ctx, args).session.isDirty, 'session is not dirty'),
  assertSessionNotDirty: async (ctx, _t, args) =>
    assertThat(!sessionArg(ctx, args).session.isDirty, 'session is dirty'),
  failPoint: async (ctx, _t, args) => {
    const client = ctx.entities.get(String(required(args, 'client', 'failPoint')), 'client');
    await configureFailPoint(ctx, client, required(args, 'failPoint', 'failPoint') as Document);
  },
  targetedFailPoint: async (ctx, _t, args) => {
    const session = sessionArg(ctx, args).session;
    const address = session.pinnedAddress;
    if (!address) throw new Error('targetedFailPoint: the session is not pinned to a mongos');
    // Sent to the pinned router alone, by a client of its own (unified format, "targetedFailPoint").
    const client = new MongoClient(`mongodb://${address}/?directConnection=true`);
    const failPoint = required(args, 'failPoint', 'targetedFailPoint') as Document;
    try {
      await settle(client.db('admin').command(failPoint));
    } finally {
      await settle(client.close());
    }
    ctx.failPoints.push({ client: 'internal', name: failPoint.configureFailPoint });
  },
  createEntities: async (ctx, _t, args) => {
    await ctx.createEntities(required(args, 'entities', 'createEntities') as Document[]);
  },
  assertCollectionExists: async (ctx, _t, args) =>
    assertThat(
      await collectionExists(ctx, args),
      `collection ${args.databaseName}.${args.collectionName} does not exist`,
    ),
  assertCollectionNotExists: async (ctx, _t, args) =>
    assertThat(
      !(await collectionExists(ctx, args)),
      `collection ${args.databaseName}.${args.collectionName} exists`,
    ),
  assertIndexExists: async (ctx, _t, args) =>
    assertThat(
      (await indexNames(ctx, args)).includes(args.indexName),
      `index ${args.indexName} does not exist`,
    ),
  assertIndexNotExists: async (ctx, _t, args) =>
    assertThat(!(await indexNames(ctx, args)).includes(args.indexName), `index ${args.indexName} exists`),
  assertNumberConnectionsCheckedOut: async (ctx, _t, args) => {
    const client = ctx.entities.get(
      String(required(args, 'client', 'assertNumberConnectionsCheckedOut')),
      'client',
    );
    const n = required(args, 'connections', 'assertNumberConnectionsCheckedOut');
    assertThat(client.checkedOut === n, `expected ${n} connections checked out, got ${client.checkedOut}`);
  },
  waitForEvent: async (ctx, _t, args) => {
    const client = ctx.entities.get(String(required(args, 'client', 'waitForEvent')), 'client');
    // Bounded by a number of polls, not by a clock reading (a loaded machine only makes it slower).
    for (let poll = 0; poll < 1000; poll++) {
      if (countEvents(client, args.event) >= args.count) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`waitForEvent: gave up waiting for ${JSON.stringify(args.event)}`);
  },
  assertEventCount: async (ctx, _t, args) => {
    const client = ctx.entities.get(String(required(args, 'client', 'assertEventCount')), 'client');
    const n = countEvents(client, args.event);
    assertThat(n === args.count, `expected ${args.count} events ${JSON.stringify(args.event)}, got ${n}`);
  },
  assertSameLsidOnLastTwoCommands: async (ctx, _t, args) => {
    const [a, b] = lastTwoLsids(
      ctx.entities.get(String(required(args, 'client', 'assertSameLsid')), 'client'),
    );
    assertThat(a === b, `lsids differ: ${a} vs ${b}`);
  },
  assertDifferentLsidOnLastTwoCommands: async (ctx, _t, args) => {
    const [a, b] = lastTwoLsids(
      ctx.entities.get(String(required(args, 'client', 'assertDifferentLsid')), 'client'),
    );
    assertThat(a !== b, `lsids are the same: ${a}`);
  },
  runOnThread: async (ctx, _t, args) => THREAD_OPERATIONS.runOnThread(threadContext(ctx), args),
  waitForThread: async (ctx, _t, args) => THREAD_OPERATIONS.waitForThread(threadContext(ctx), args),
  wait: async (_ctx, _t, args) => {
    await new Promise((r) => setTimeout(r, Number(args.ms)));
  },
};

function threadContext(ctx: OperationContext): ThreadContext {
  return { thread: (id) => ctx.entities.get(id, 'thread'), runOne: ctx.runOne };
}

/** The transaction options of startTransaction / withTransaction arguments (unified format names). */
function transactionOptions(args: Document | undefined): Document {
  const out: Document = {};
  for (const key of ['readConcern', 'writeConcern', 'readPreference', 'maxCommitTimeMS'])
    if (args?.[key] !== undefined) out[key] = args[key];
  return out;
}

function timeoutOf(args: Document): { timeoutMS?: number } {
  return args.timeoutMS === undefined ? {} : { timeoutMS: Number(args.timeoutMS) };
}

function sessionArg(ctx: OperationContext, args: Document): SessionEntity {
  const id = args.session;
  if (typeof id !== 'string') throw new RunnerError('session argument must name a session entity');
  return ctx.entities.get(id, 'session');
}

/** The lsids (as extended JSON) of the last two commandStarted events the client observed. */
function lastTwoLsids(client: ClientEntity): [string, string] {
  const started = client.events.filter((e) => e.event.name === 'commandStarted');
  if (started.length < 2) throw new Error(`need two commandStarted events, got ${started.length}`);
  const lsid = (o: ObservedEvent) => {
    const command = o.event.name === 'commandStarted' ? o.event.command : {};
    if (command.lsid === undefined) throw new Error(`${o.event.name} without lsid`);
    return EJSON.stringify(command.lsid, { relaxed: false });
  };
  return [lsid(started[started.length - 2]), lsid(started[started.length - 1])];
}

function countEvents(client: ClientEntity, expected: Document): number {
  const type = Object.keys(expected)[0] ?? '';
  if (!EVENT_NAMES[type]) throw new RunnerError(`unknown event type ${type}`);
  return client.events.filter((e) => eventMatches(expected, e)).length;
}

/** Operations on the `testRunner` object. */
const RUNNER_OPERATIONS = new Set([
  'failPoint',
  'targetedFailPoint',
  'createEntities',
  'assertCollectionExists',
  'assertCollectionNotExists',
  'assertIndexExists',
  'assertIndexNotExists',
  'assertNumberConnectionsCheckedOut',
  'waitForEvent',
  'assertEventCount',
  'wait',
  'runOnThread',
  'waitForThread',
  'assertSameLsidOnLastTwoCommands',
  'assertDifferentLsidOnLastTwoCommands',
  'assertSessionDirty',
  'assertSessionNotDirty',
  'assertSessionTransactionState',
  'assertSessionPinned',
  'assertSessionUnpinned',
]);

/** Runs one operation; what it resolves to is matched by expectResult. */
export async function runOperation(ctx: OperationContext, op: Document): Promise<unknown> {
  const handler = handlers[op.name];
  if (!handler) throw new RunnerError(`operation ${op.name} is not supported by the runner`);
  const args: Document = op.arguments ?? {};
  if (op.object === 'testRunner') {
    if (!RUNNER_OPERATIONS.has(op.name)) throw new RunnerError(`${op.name} is not a test runner operation`);
    return handler(ctx, { kind: 'value', value: undefined }, args);
  }
  if (RUNNER_OPERATIONS.has(op.name)) throw new RunnerError(`${op.name} must run on testRunner`);
  // An operation's `session` argument names a session entity; the driver takes the ClientSession.
  const withSession =
    typeof args.session === 'string' ? { ...args, session: sessionArg(ctx, args).session } : args;
  return handler(ctx, ctx.entities.any(String(op.object)), withSession);
}

/** Whether an operation returns an iterable of root-level documents (for matching). */
export function returnsDocuments(name: string): boolean {
  return [
    'find',
    'aggregate',
    'listCollections',
    'listDatabases',
    'listIndexes',
    'listSearchIndexes',
    'runCursorCommand',
    'findOne',
    'findOneAndDelete',
    'findOneAndUpdate',
    'findOneAndReplace',
    'iterateUntilDocumentOrError',
    'iterateOnce',
    'runCommand',
  ].includes(name);
}
