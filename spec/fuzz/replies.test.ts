// 100,000 seeded mutations of real server replies for each family of reply parsers: hello ->
// ServerDescription (and the handshake, and the topology update), cursor replies, write results,
// bulk write results, error replies. Each reply first meets the connection's own check, as on the
// wire; every parser either returns or throws a MongoError. Bounded by count, never by the clock.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { inspect } from 'node:util';
import { type Document, Long, ObjectId, Timestamp } from 'bson';
import { asyncScheduler } from 'rxjs';
import { applyHandshakeReply } from '../../src/connection/handshake.js';
import { replyError } from '../../src/connection/reply.js';
import { SocketConnection } from '../../src/connection/socket-connection.js';
import {
  MongoServerError,
  MongoUnexpectedServerResponseError,
  parseServerResponse,
} from '../../src/errors.js';
import { BulkResultBuilder, groupStatements, toStatements } from '../../src/operations/bulk-write.js';
import { getMoreOperation, killCursorsOperation } from '../../src/operations/cursor-commands.js';
import { deleteOperation } from '../../src/operations/delete.js';
import { findOperation } from '../../src/operations/find.js';
import { insertOneOperation } from '../../src/operations/insert.js';
import type { CommandOperation, ServerInfo } from '../../src/operations/operation.js';
import { updateOperation } from '../../src/operations/update.js';
import { applicationErrorOf, commandErrorOfReply } from '../../src/sdam/description/error-handling.js';
import { serverDescriptionFromHello } from '../../src/sdam/description/server-description.js';
import { initialTopologyDescription } from '../../src/sdam/description/topology-description.js';
import { updateTopology } from '../../src/sdam/description/update-topology.js';
import { fuzzSeed, mutateDocument, Rand, TypedOutcomes } from '../support/fuzz.js';
import { MockSocket } from '../support/mock-transport.js';

const CASES = 100_000;

const SERVER: ServerInfo = {
  address: 'a:27017',
  maxWireVersion: 21,
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
  serverType: 'RSPrimary',
};

const topologyVersion = () => ({ processId: new ObjectId(), counter: Long.fromInt(3) });
const clusterTime = () => ({
  $clusterTime: {
    clusterTime: new Timestamp({ t: 1_700_000_000, i: 1 }),
    signature: { keyId: Long.fromInt(0) },
  },
  operationTime: new Timestamp({ t: 1_700_000_000, i: 1 }),
});

const HELLOS: Document[] = [
  {
    isWritablePrimary: true,
    topologyVersion: topologyVersion(),
    maxBsonObjectSize: 16777216,
    maxMessageSizeBytes: 48000000,
    maxWriteBatchSize: 100000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: 12,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    compression: ['zlib'],
    ok: 1,
  },
  {
    topologyVersion: topologyVersion(),
    hosts: ['a:27017', 'b:27017', 'c:27017'],
    passives: ['d:27017'],
    arbiters: ['e:27017'],
    setName: 'rs0',
    setVersion: 3,
    isWritablePrimary: true,
    secondary: false,
    primary: 'a:27017',
    tags: { dc: 'ny' },
    me: 'a:27017',
    electionId: new ObjectId('7fffffff0000000000000002'),
    lastWrite: {
      opTime: { ts: new Timestamp({ t: 1, i: 1 }), t: Long.fromInt(2) },
      lastWriteDate: new Date(),
      majorityOpTime: { ts: new Timestamp({ t: 1, i: 1 }), t: Long.fromInt(2) },
    },
    maxWireVersion: 21,
    minWireVersion: 0,
    ok: 1,
    ...clusterTime(),
  },
  {
    setName: 'rs0',
    hosts: ['a:27017', 'b:27017'],
    secondary: true,
    isWritablePrimary: false,
    hidden: false,
    me: 'b:27017',
    maxWireVersion: 21,
    ok: 1,
  },
  { ismaster: true, msg: 'isdbgrid', maxWireVersion: 21, ok: 1, helloOk: true },
  { isreplicaset: true, ismaster: false, secondary: false, maxWireVersion: 21, ok: 1 },
  { arbiterOnly: true, setName: 'rs0', hosts: ['a:27017'], maxWireVersion: 21, ok: 1 },
  { isWritablePrimary: true, serviceId: new ObjectId(), msg: 'isdbgrid', maxWireVersion: 21, ok: 1 },
  { ok: 0, errmsg: 'command hello requires authentication', code: 13, codeName: 'Unauthorized' },
];

const CURSORS: Document[] = [
  { cursor: { firstBatch: [{ _id: 1, a: 'x' }, { _id: 2 }], id: Long.fromInt(0), ns: 'db.c' }, ok: 1 },
  {
    cursor: { nextBatch: [{ _id: new ObjectId() }], id: Long.fromString('8105395628354871423'), ns: 'db.c' },
    ok: 1,
    ...clusterTime(),
  },
  {
    cursor: { nextBatch: [], id: Long.fromInt(0), ns: 'db.c', postBatchResumeToken: { _data: '8263' } },
    ok: 1,
  },
  { cursorsKilled: [Long.fromInt(5)], cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 },
];

const WRITES: Document[] = [
  { n: 1, ok: 1 },
  { n: 1, nModified: 0, upserted: [{ index: 0, _id: new ObjectId() }], ok: 1 },
  { n: 3, nModified: 2, ok: 1, ...clusterTime() },
  {
    n: 0,
    writeErrors: [
      { index: 0, code: 11000, errmsg: 'E11000 duplicate key', keyPattern: { a: 1 }, keyValue: { a: 1 } },
    ],
    ok: 1,
  },
  {
    n: 1,
    writeConcernError: {
      code: 64,
      codeName: 'WriteConcernFailed',
      errmsg: 'waiting for replication timed out',
      errInfo: { wtimeout: true },
    },
    errorLabels: ['RetryableWriteError'],
    ok: 1,
  },
];

const BULK_REPLIES: Document[] = [
  ...WRITES,
  {
    n: 1,
    writeErrors: [
      { index: 1, code: 11000, errmsg: 'dup' },
      { index: 2, code: 121, errmsg: 'Document failed validation', errInfo: { details: {} } },
    ],
    ok: 1,
  },
  {
    n: 2,
    nModified: 1,
    upserted: [{ index: 2, _id: 7 }],
    writeConcernError: { code: 91, errmsg: 'shutdown' },
    ok: 1,
  },
];

const ERRORS: Document[] = [
  {
    ok: 0,
    errmsg: 'not primary',
    code: 10107,
    codeName: 'NotWritablePrimary',
    errorLabels: ['RetryableWriteError'],
    topologyVersion: topologyVersion(),
    ...clusterTime(),
  },
  { ok: 0, errmsg: 'interrupted at shutdown', code: 11600, codeName: 'InterruptedAtShutdown' },
  { ok: 0, errmsg: 'no such command', code: 59, codeName: 'CommandNotFound' },
  { ok: 0.0, errmsg: 'node is recovering', code: 91, errorLabels: ['SystemOverloadedError'] },
  { $err: 'legacy query failure', code: 2 },
  { ok: 1, writeConcernError: { code: 10107, errmsg: 'not primary' }, topologyVersion: topologyVersion() },
];

/** Field names the parsers read, for the mutator to add with any value. */
const KEYS = [
  'ok',
  'errmsg',
  'code',
  'codeName',
  'errorLabels',
  'topologyVersion',
  'processId',
  'counter',
  'cursor',
  'firstBatch',
  'nextBatch',
  'id',
  'ns',
  'postBatchResumeToken',
  'n',
  'nModified',
  'upserted',
  'index',
  '_id',
  'writeErrors',
  'writeConcernError',
  'errInfo',
  '$err',
  'hosts',
  'passives',
  'arbiters',
  'setName',
  'setVersion',
  'electionId',
  'primary',
  'me',
  'tags',
  'lastWrite',
  'lastWriteDate',
  'opTime',
  'maxWireVersion',
  'minWireVersion',
  'maxMessageSizeBytes',
  'maxBsonObjectSize',
  'compression',
  'connectionId',
  'serviceId',
  'isWritablePrimary',
  'ismaster',
  'secondary',
  'msg',
  'hidden',
  'arbiterOnly',
  'isreplicaset',
  'logicalSessionTimeoutMinutes',
];

/**
 * Runs `cases` mutations of the seeds: the connection's reply check first (a reply it passes is
 * what a parser sees on the wire), then the family's parsers on every case (parsers must not crash
 * on what the check would have stopped either).
 */
function fuzz(
  t: TestContext,
  seed: number,
  seeds: readonly Document[],
  parsers: Readonly<Record<string, (reply: Document, r: Rand) => unknown>>,
): TypedOutcomes {
  const r = new Rand(seed);
  const outcomes = new TypedOutcomes();
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // stack traces would be most of the cost of each error
  t.after(() => {
    Error.stackTraceLimit = stackTraceLimit;
  });
  const entries = Object.entries(parsers);
  for (let i = 0; i < CASES; i++) {
    const reply = mutateDocument(r, r.pick(seeds), KEYS);
    const show = () => `${inspect(reply, { depth: 8 })} (seed ${seed}, case ${i})`;
    outcomes.run('replyError', show, () => replyError(reply));
    for (const [name, parse] of entries) outcomes.run(name, show, () => parse(reply, r));
  }
  return outcomes;
}

function mustNotThrow<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    return assert.fail(`${what} threw ${String(e)}`);
  }
}

/** An operation's parse, as the execution path calls it (src/execute: inside parseServerResponse). */
const parseWith =
  <T>(op: CommandOperation<T>) =>
  (reply: Document) =>
    parseServerResponse(op.commandName, () => op.parse(reply, SERVER));

describe('reply fuzzing', () => {
  it(`hello -> ServerDescription, handshake and topology update: ${CASES} cases`, (t) => {
    const rs = initialTopologyDescription({ hosts: ['a:27017', 'b:27017'], replicaSet: 'rs0' });
    const unknown = initialTopologyDescription({ hosts: ['a:27017'] });
    const conn = new SocketConnection(new MockSocket(asyncScheduler, () => []), {
      id: 1,
      address: 'a:27017',
      generation: 0,
    });
    fuzz(t, fuzzSeed(1001), HELLOS, {
      serverDescriptionFromHello: (reply, r) => {
        // The monitor calls it in a subscriber's callback: it must not throw at all, typed or not.
        const sd = mustNotThrow('serverDescriptionFromHello', () =>
          serverDescriptionFromHello('a:27017', reply, { now: 0, roundTripTime: 1 }),
        );
        return updateTopology(r.chance(0.5) ? rs : unknown, sd);
      },
      applyHandshakeReply: (reply, r) =>
        applyHandshakeReply(conn, reply, {
          metadata: {},
          compressors: ['zlib'],
          loadBalanced: r.chance(0.1),
        }),
    });
  });

  it(`cursor replies (find, getMore, killCursors): ${CASES} cases`, (t) => {
    fuzz(t, fuzzSeed(1002), CURSORS, {
      find: parseWith(findOperation('db', 'c', {}, {})),
      getMore: parseWith(getMoreOperation('db.c', Long.fromInt(5))),
      killCursors: parseWith(killCursorsOperation('db.c', Long.fromInt(5))),
    });
  });

  it(`write results (insert, update, delete): ${CASES} cases`, (t) => {
    fuzz(t, fuzzSeed(1003), WRITES, {
      insertOne: parseWith(insertOneOperation('db', 'c', { _id: 1 })),
      updateOne: parseWith(updateOperation('db', 'c', {}, { $set: { a: 1 } }, {}, false)),
      updateMany: parseWith(updateOperation('db', 'c', {}, { $set: { a: 1 } }, { upsert: true }, true)),
      deleteMany: parseWith(deleteOperation('db', 'c', {}, {}, true)),
    });
  });

  it(`bulk write results: ${CASES} cases`, (t) => {
    const models = [
      { insertOne: { document: { _id: 1 } } },
      { insertOne: { document: { _id: 2 } } },
      { insertOne: { document: { _id: 3 } } },
      { updateOne: { filter: {}, update: { $set: { a: 1 } }, upsert: true } },
      { replaceOne: { filter: {}, replacement: { a: 2 } } },
      { updateMany: { filter: {}, update: { $inc: { n: 1 } } } },
      { deleteOne: { filter: { a: 1 } } },
      { deleteMany: { filter: {} } },
    ];
    const layouts = [true, false].map((ordered) => ({
      ordered,
      groups: groupStatements(toStatements(models), ordered),
    }));
    fuzz(t, fuzzSeed(1004), BULK_REPLIES, {
      bulkWrite: (reply, r) => {
        const { ordered, groups } = r.pick(layouts);
        const builder = new BulkResultBuilder(r.chance(0.9), ordered);
        // The same reply for each batch of the run: every group type sees it.
        // As bulk-write-run merges each batch: inside parseServerResponse.
        for (const group of groups) {
          parseServerResponse(group.type, () =>
            builder.merge(group, 0, { count: group.statements.length, reply }),
          );
          if (builder.stopped) break;
        }
        return builder.finish();
      },
    });
  });

  it(`error replies (server errors, SDAM classification): ${CASES} cases`, (t) => {
    fuzz(t, fuzzSeed(1005), ERRORS, {
      commandErrorOfReply: (reply) => commandErrorOfReply(reply),
      applicationErrorOf: (reply, r) =>
        applicationErrorOf(new MongoServerError(reply), {
          maxWireVersion: 21,
          phase: r.chance(0.2) ? 'connect' : 'command',
        }),
    });
  });
});

describe('parseServerResponse', () => {
  it('passes MongoErrors and turns anything else into MongoUnexpectedServerResponseError with the cause', () => {
    const typed = new MongoServerError({ ok: 0, errmsg: 'x', code: 1 });
    assert.throws(
      () =>
        parseServerResponse('find', () => {
          throw typed;
        }),
      (e) => e === typed,
    );
    const cause = new TypeError('Cannot convert object to primitive value');
    assert.throws(
      () =>
        parseServerResponse('update', () => {
          throw cause;
        }),
      (e: unknown) =>
        e instanceof MongoUnexpectedServerResponseError && e.cause === cause && /update/.test(e.message),
    );
    assert.equal(
      parseServerResponse('ping', () => 42),
      42,
    );
  });
});
