// Sessions, cluster time and retryable writes at the execution path, against a scripted server:
// which commands carry lsid / txnNumber / $clusterTime, and which errors are retried.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Document, Long, Timestamp } from 'bson';
import { defer, lastValueFrom, type Observable, of, throwError } from 'rxjs';
import { Collection } from '../../src/client/collection.js';
import type { Connection } from '../../src/connection/types.js';
import {
  MongoAPIError,
  MongoExpiredSessionError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoPoolClearedError,
  MongoServerError,
} from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import { ClusterClock } from '../../src/execute/cluster-clock.js';
import { executeOperation } from '../../src/execute/execute-operation.js';
import { type ServerType, unknownServerDescription } from '../../src/sdam/description/server-description.js';
import type { SelectionCriteria, TopologyLike } from '../../src/sdam/topology-contract.js';
import { ClientSession, type SessionOwner } from '../../src/session/client-session.js';
import { ServerSessionPool } from '../../src/session/server-session-pool.js';
import { sessionContext } from '../support/session-context.js';

interface Sent {
  readonly command: Document;
  readonly criteria: SelectionCriteria;
}

interface Deployment {
  readonly type?: ServerType;
  readonly sessionTimeout?: number | null;
  readonly maxWireVersion?: number;
  /** Answers each command; throw to fail it (a MongoNetworkError plays a dropped connection). */
  readonly reply?: (command: Document, index: number) => Document;
  /** Fails the check-out of the given attempt (0 = first) before anything is sent. */
  readonly checkOutError?: (attempt: number) => Error | undefined;
}

function deployment(d: Deployment = {}) {
  const sent: Sent[] = [];
  const owner: SessionOwner = {
    pool: new ServerSessionPool(),
    clusterClock: new ClusterClock(),
    now: () => 1_000,
    execute: (op, scope) => executeOperation(ctx, op, scope),
  };
  const description = {
    ...unknownServerDescription('a:1'),
    type: d.type ?? ('RSPrimary' as const),
    maxWireVersion: d.maxWireVersion ?? 21,
    logicalSessionTimeoutMinutes: d.sessionTimeout === undefined ? 30 : d.sessionTimeout,
  };
  const connection: Connection = {
    id: 1,
    address: 'a:1',
    generation: 0,
    hello: undefined,
    serverConnectionId: undefined,
    closed: false,
    command: (_db, command) =>
      defer(() => {
        const index = sent.length;
        sent.push({ command, criteria: lastCriteria as SelectionCriteria });
        const reply = d.reply ? d.reply(command, index) : { ok: 1, n: 1 };
        return reply.ok === 0 ? throwError(() => new MongoServerError(reply)) : of(reply);
      }),
    close: () => {},
  };
  let lastCriteria: SelectionCriteria | undefined;
  let checkOuts = 0;
  const topology: TopologyLike = {
    description$: of(),
    selectServer: (criteria) => {
      lastCriteria = criteria;
      return of({
        description,
        topologyType: description.type === 'Mongos' ? 'Sharded' : 'ReplicaSetWithPrimary',
        withConnection: <T>(fn: (c: Connection) => Observable<T>) => {
          const error = d.checkOutError?.(checkOuts++);
          return error ? throwError(() => error) : fn(connection);
        },
        reportError: () => {},
      });
    },
    connect: () => {},
    close: () => of(undefined),
  };
  const { ctx, context } = sessionContext(owner, topology);
  const coll = new Collection(context, 'db', 'c');
  return { sent, owner, ctx, coll, names: () => sent.map((s) => Object.keys(s.command)[0]) };
}

const networkError = () => new MongoNetworkError('connection reset');
const clusterTime = (t: number) => ({
  clusterTime: new Timestamp({ t, i: 1 }),
  signature: { keyId: Long.ZERO },
});

describe('server session pool', () => {
  it('reuses the most recently returned session first (LIFO)', () => {
    const pool = new ServerSessionPool();
    const a = pool.acquire(0, 30);
    const b = pool.acquire(0, 30);
    pool.release(a, 0, 30);
    pool.release(b, 0, 30);
    assert.equal(pool.acquire(0, 30), b);
    assert.equal(pool.acquire(0, 30), a);
  });

  it('drops dirty sessions on return and never hands out one that expires within a minute', () => {
    const pool = new ServerSessionPool();
    const dirty = pool.acquire(0, 30);
    dirty.dirty = true;
    pool.release(dirty, 0, 30);
    assert.equal(pool.size, 0);
    const old = pool.acquire(0, 30);
    pool.release(old, 0, 30);
    // 29 minutes later it would expire within a minute on the server (timeout 30).
    assert.notEqual(pool.acquire(29 * 60_000, 30), old);
  });

  it('drains in batches of at most 10,000 ids', () => {
    const pool = new ServerSessionPool();
    const sessions = Array.from({ length: 10_001 }, () => pool.acquire(0, 30));
    for (const s of sessions) pool.release(s, 0, 30);
    assert.deepEqual(
      pool.drain().map((b) => b.length),
      [10_000, 1],
    );
    assert.equal(pool.size, 0);
  });
});

describe('implicit sessions', () => {
  it('every command to a deployment with sessions carries an lsid, and the session goes back to the pool', async () => {
    const d = deployment();
    await lastValueFrom(d.coll.insertOne({ _id: 1 }));
    await lastValueFrom(d.coll.insertOne({ _id: 2 }));
    assert.ok(d.sent[0]?.command.lsid);
    // LIFO: the second operation reuses the first one's server session.
    assert.deepEqual(d.sent[0]?.command.lsid, d.sent[1]?.command.lsid);
    assert.equal(d.owner.pool.size, 1);
  });

  it('no lsid when the deployment does not support sessions', async () => {
    const d = deployment({ type: 'Standalone', sessionTimeout: null });
    await lastValueFrom(d.coll.insertOne({ _id: 1 }));
    assert.equal(d.sent[0]?.command.lsid, undefined);
  });

  it('an unacknowledged write never takes an implicit session', async () => {
    const d = deployment();
    await lastValueFrom(d.coll.insertOne({ _id: 1 }, { writeConcern: { w: 0 } }));
    assert.equal(d.sent[0]?.command.lsid, undefined);
    assert.equal(d.sent[0]?.command.txnNumber, undefined);
  });

  it('a network error makes the server session dirty: the next operation gets a new one', async () => {
    const d = deployment({
      reply: (c, i) => {
        if (i === 0 && c.find) throw networkError();
        return { ok: 1, cursor: { id: Long.ZERO, ns: 'db.c', firstBatch: [] } };
      },
    });
    // The read is retried once on the same session, which then goes back dirty and is dropped.
    await lastValueFrom(d.coll.find({}).toArray());
    await lastValueFrom(d.coll.find({}).toArray());
    assert.deepEqual(d.sent[0]?.command.lsid, d.sent[1]?.command.lsid);
    assert.notDeepEqual(d.sent[1]?.command.lsid, d.sent[2]?.command.lsid);
  });

  it('a cursor keeps one session for find, getMore and killCursors', async () => {
    const d = deployment({
      reply: (c) =>
        c.find
          ? { ok: 1, cursor: { id: Long.fromNumber(7), ns: 'db.c', firstBatch: [{ _id: 1 }] } }
          : c.getMore
            ? { ok: 1, cursor: { id: Long.ZERO, ns: 'db.c', nextBatch: [{ _id: 2 }] } }
            : { ok: 1 },
    });
    const docs = await lastValueFrom(d.coll.find({}, { batchSize: 1 }).toArray());
    assert.equal(docs.length, 2);
    assert.deepEqual(d.names(), ['find', 'getMore']);
    assert.deepEqual(d.sent[0]?.command.lsid, d.sent[1]?.command.lsid);
    assert.equal(d.owner.pool.size, 1);
  });
});

describe('explicit sessions', () => {
  it('a session of another client, an ended session and an unacknowledged write error before anything is sent', async () => {
    const d = deployment();
    const other = deployment();
    const foreign = new ClientSession(other.owner);
    await assert.rejects(
      lastValueFrom(d.coll.insertOne({ _id: 1 }, { session: foreign })),
      MongoInvalidArgumentError,
    );
    const ended = new ClientSession(d.owner);
    await lastValueFrom(ended.endSession());
    await assert.rejects(
      lastValueFrom(d.coll.insertOne({ _id: 1 }, { session: ended })),
      MongoExpiredSessionError,
    );
    await assert.rejects(
      lastValueFrom(d.coll.find({}, { session: ended }).toArray()),
      MongoExpiredSessionError,
    );
    const live = new ClientSession(d.owner);
    await assert.rejects(
      lastValueFrom(d.coll.insertOne({ _id: 1 }, { session: live, writeConcern: { w: 0 } })),
      MongoAPIError,
    );
    assert.equal(d.sent.length, 0);
  });

  it('causal consistency: a read after a write carries readConcern.afterClusterTime', async () => {
    const operationTime = new Timestamp({ t: 100, i: 3 });
    const d = deployment({
      reply: (c) =>
        c.find
          ? { ok: 1, cursor: { id: Long.ZERO, ns: 'db.c', firstBatch: [] }, operationTime }
          : { ok: 1, n: 1, operationTime, $clusterTime: clusterTime(100) },
    });
    const session = new ClientSession(d.owner);
    await lastValueFrom(d.coll.insertOne({ _id: 1 }, { session }));
    await lastValueFrom(d.coll.find({}, { session }).toArray());
    assert.deepEqual(d.sent[1]?.command.readConcern, { afterClusterTime: operationTime });
    assert.deepEqual(session.operationTime, operationTime);
    assert.deepEqual(session.id, d.sent[0]?.command.lsid);
  });

  it('snapshot sessions read at the cluster time of their first read', async () => {
    const at = new Timestamp({ t: 50, i: 1 });
    const d = deployment({
      reply: () => ({ ok: 1, cursor: { id: Long.ZERO, ns: 'db.c', firstBatch: [], atClusterTime: at } }),
    });
    const session = new ClientSession(d.owner, { snapshot: true });
    await lastValueFrom(d.coll.find({}, { session }).toArray());
    await lastValueFrom(d.coll.find({}, { session }).toArray());
    assert.deepEqual(d.sent[0]?.command.readConcern, { level: 'snapshot' });
    assert.deepEqual(d.sent[1]?.command.readConcern, { level: 'snapshot', atClusterTime: at });
    assert.throws(
      () => new ClientSession(d.owner, { snapshot: true, causalConsistency: true }),
      MongoInvalidArgumentError,
    );
  });
});

describe('cluster time gossip', () => {
  it('the highest $clusterTime seen is sent on every later command', async () => {
    const d = deployment({
      reply: (_c, i) => ({ ok: 1, n: 1, $clusterTime: clusterTime(i === 1 ? 5 : 10) }),
    });
    await lastValueFrom(d.coll.insertOne({ _id: 1 }));
    await lastValueFrom(d.coll.insertOne({ _id: 2 }));
    await lastValueFrom(d.coll.insertOne({ _id: 3 }));
    assert.equal(d.sent[0]?.command.$clusterTime, undefined);
    assert.deepEqual(d.sent[1]?.command.$clusterTime, clusterTime(10));
    assert.deepEqual(d.sent[2]?.command.$clusterTime, clusterTime(10));
  });
});

describe('retryable writes', () => {
  it('a network error is retried once with the same lsid and txnNumber', async () => {
    const d = deployment({
      reply: (_c, i) => {
        if (i === 0) throw networkError();
        return { ok: 1, n: 1 };
      },
    });
    await lastValueFrom(d.coll.insertOne({ _id: 1 }));
    assert.deepEqual(d.names(), ['insert', 'insert']);
    assert.ok(d.sent[0]?.command.txnNumber instanceof Long);
    assert.deepEqual(d.sent[0]?.command.txnNumber, d.sent[1]?.command.txnNumber);
    assert.deepEqual(d.sent[0]?.command.lsid, d.sent[1]?.command.lsid);
  });

  it('a write whose check-out failed with PoolClearedError is retried, its txnNumber taken when sent', async () => {
    const d = deployment({
      checkOutError: (attempt) => (attempt === 0 ? new MongoPoolClearedError('pool cleared') : undefined),
    });
    const session = new ClientSession(d.owner);
    await lastValueFrom(d.coll.insertOne({ _id: 1 }, { session }));
    await lastValueFrom(d.coll.insertOne({ _id: 2 }, { session }));
    assert.deepEqual(d.names(), ['insert', 'insert']);
    assert.deepEqual(
      d.sent.map((s) => Number(s.command.txnNumber)),
      [1, 2],
    );
  });

  it('a PoolClearedError on both attempts reaches the subscriber labelled RetryableWriteError', async () => {
    const d = deployment({ checkOutError: () => new MongoPoolClearedError('pool cleared') });
    await assert.rejects(lastValueFrom(d.coll.insertOne({ _id: 1 })), (e: unknown) => {
      assert.ok(e instanceof MongoPoolClearedError);
      assert.ok(e.hasErrorLabel('RetryableWriteError'));
      return true;
    });
    assert.equal(d.sent.length, 0);
  });

  it('each statement set gets the next txnNumber', async () => {
    const d = deployment();
    const session = new ClientSession(d.owner);
    await lastValueFrom(d.coll.insertOne({ _id: 1 }, { session }));
    await lastValueFrom(d.coll.insertOne({ _id: 2 }, { session }));
    assert.deepEqual(
      d.sent.map((s) => Number(s.command.txnNumber)),
      [1, 2],
    );
  });

  it('an error labelled RetryableWriteError is retried; other server errors are not', async () => {
    const labelled = deployment({
      reply: (_c, i) =>
        i === 0
          ? { ok: 0, code: 91, errmsg: 'shutdown', errorLabels: ['RetryableWriteError'] }
          : { ok: 1, n: 1 },
    });
    await lastValueFrom(labelled.coll.deleteOne({ _id: 1 }));
    assert.equal(labelled.sent.length, 2);
    const plain = deployment({ reply: () => ({ ok: 0, code: 2, errmsg: 'bad value' }) });
    await assert.rejects(lastValueFrom(plain.coll.deleteOne({ _id: 1 })), MongoServerError);
    assert.equal(plain.sent.length, 1);
  });

  it('pre-4.4 servers: the driver labels retryable codes itself', async () => {
    const d = deployment({
      maxWireVersion: 8,
      reply: (_c, i) => (i === 0 ? { ok: 0, code: 10107, errmsg: 'not primary' } : { ok: 1, n: 1 }),
    });
    await lastValueFrom(d.coll.updateOne({ _id: 1 }, { $set: { a: 1 } }));
    assert.equal(d.sent.length, 2);
  });

  it('never on updateMany/deleteMany, unacknowledged writes, standalones or with retryWrites=false', async () => {
    const failing = (i: number) => {
      if (i === 0) throw networkError();
      return { ok: 1, n: 1 };
    };
    const many = deployment({ reply: (_c, i) => failing(i) });
    await assert.rejects(lastValueFrom(many.coll.deleteMany({})), MongoNetworkError);
    assert.equal(many.sent[0]?.command.txnNumber, undefined);
    const standalone = deployment({ type: 'Standalone', reply: (_c, i) => failing(i) });
    await assert.rejects(lastValueFrom(standalone.coll.insertOne({ _id: 1 })), MongoNetworkError);
    assert.equal(standalone.sent[0]?.command.txnNumber, undefined);
    assert.ok(standalone.sent[0]?.command.lsid, 'a standalone with sessions still gets an lsid');
    const off = deployment({ reply: (_c, i) => failing(i) });
    const offColl = new Collection(
      {
        execution: () => ({ ...off.ctx, retryWrites: false }),
        bus: new EventBus(),
        inherited: {},
        sessions: off.owner,
      },
      'db',
      'c',
    );
    await assert.rejects(lastValueFrom(offColl.insertOne({ _id: 1 })), MongoNetworkError);
    assert.equal(off.sent.length, 1);
    assert.equal(off.sent[0]?.command.txnNumber, undefined);
  });

  it('the retry error labelled NoWritesPerformed gives way to the first error', async () => {
    const d = deployment({
      reply: (_c, i) =>
        i === 0
          ? { ok: 0, code: 91, errmsg: 'first', errorLabels: ['RetryableWriteError'] }
          : {
              ok: 0,
              code: 10107,
              errmsg: 'second',
              errorLabels: ['RetryableWriteError', 'NoWritesPerformed'],
            },
    });
    const error = await lastValueFrom(d.coll.insertOne({ _id: 1 })).catch((e: unknown) => e);
    assert.equal((error as MongoServerError).errmsg, 'first');
  });

  it('code 20 "Transaction numbers ..." becomes the spec message, unretried', async () => {
    const d = deployment({
      reply: () => ({
        ok: 0,
        code: 20,
        errmsg: 'Transaction numbers are only allowed on a replica set member or mongos',
      }),
    });
    const error = await lastValueFrom(d.coll.insertOne({ _id: 1 })).catch((e: unknown) => e);
    assert.match((error as Error).message, /does not support retryable writes.*retryWrites=false/);
    assert.equal(d.sent.length, 1);
  });
});
