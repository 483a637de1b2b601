// The proxy's transactions at the command level (transactions.ts): mongod's state rules and error
// labels, writes applied at once and undone on abort, and fail points on commit/abort.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { type Document, Long, UUID } from 'bson';
import type { MongoClient } from 'mongodb';
import type { ReplicaSetProxy } from './index.js';
import type { RawConnection } from './raw-client.js';
import { ProxyFixture, uniqueDbName, upstreamClient } from './testing.js';

const OFF = { configureFailPoint: 'failCommand', mode: 'off' };

/** The commands of one transaction of one session, as a driver sends them. */
class Txn {
  readonly lsid = { id: new UUID() };
  private first = true;
  constructor(
    readonly db: string,
    private txnNumber = 1,
  ) {}

  /** A statement: startTransaction on the first one, autocommit: false on all. */
  statement(command: Document): Document {
    const out: Document = {
      ...command,
      lsid: this.lsid,
      txnNumber: Long.fromInt(this.txnNumber),
      autocommit: false,
      $db: this.db,
    };
    if (this.first) out.startTransaction = true;
    this.first = false;
    return out;
  }

  end(name: 'commitTransaction' | 'abortTransaction', extra: Document = {}): Document {
    return {
      [name]: 1,
      ...extra,
      lsid: this.lsid,
      txnNumber: Long.fromInt(this.txnNumber),
      autocommit: false,
      $db: 'admin',
    };
  }

  /** The session's next transaction. */
  next(): Txn {
    const t = new Txn(this.db, this.txnNumber + 1);
    Object.assign(t, { lsid: this.lsid });
    return t;
  }
}

describe('rs-proxy transactions', { timeout: 120_000 }, () => {
  const fixture = new ProxyFixture();
  let proxy: ReplicaSetProxy;
  let direct: MongoClient;
  let c: RawConnection;
  const docs = (db: string) =>
    direct
      .db(db)
      .collection('c')
      .find({}, { sort: { _id: 1 } })
      .toArray();

  before(async () => {
    await fixture.start({ members: 3 });
    proxy = fixture.proxy;
    direct = upstreamClient(proxy);
  });
  afterEach(() => proxy.configureFailPoint(OFF));
  after(async () => {
    await direct.close();
    await fixture.stop();
  });

  async function seeded(tag: string): Promise<string> {
    const db = uniqueDbName(tag);
    await direct
      .db(db)
      .collection('c')
      .insertOne({ _id: 0 as never, v: 'before' });
    c = await fixture.connect();
    return db;
  }

  it('commit keeps the writes; committing again is ok; the fields FerretDB refuses never reach it', async () => {
    const db = await seeded('commit');
    const t = new Txn(db);
    assert.equal((await c.command(t.statement({ insert: 'c', documents: [{ _id: 1 }] }))).ok, 1);
    // A read inside the transaction with txnNumber (FerretDB refuses it on distinct) sees the write.
    const distinct = await c.command(t.statement({ distinct: 'c', key: '_id' }));
    assert.deepEqual(distinct.values, [0, 1]);
    assert.equal((await c.command(t.end('commitTransaction'))).ok, 1);
    assert.equal((await c.command(t.end('commitTransaction'))).ok, 1, 'a retried commit');
    assert.deepEqual(await docs(db), [{ _id: 0, v: 'before' }, { _id: 1 }]);
    const aborted = await c.command(t.end('abortTransaction'));
    assert.equal(aborted.codeName, 'TransactionCommitted');
  });

  it('abort undoes inserts, updates and deletes of the transaction', async () => {
    const db = await seeded('abort');
    const t = new Txn(db);
    await c.command(t.statement({ insert: 'c', documents: [{ _id: 1 }] }));
    await c.command(t.statement({ update: 'c', updates: [{ q: { _id: 0 }, u: { $set: { v: 'during' } } }] }));
    await c.command(t.statement({ delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }] }));
    await c.command(t.statement({ insert: 'c', documents: [{ _id: 2 }] }));
    assert.equal((await c.command(t.end('abortTransaction'))).ok, 1);
    assert.deepEqual(await docs(db), [{ _id: 0, v: 'before' }]);
    const again = await c.command(t.end('abortTransaction'));
    assert.equal(again.code, 251);
    const commit = await c.command(t.end('commitTransaction'));
    assert.equal(commit.code, 251);
    assert.deepEqual(commit.errorLabels, ['TransientTransactionError']);
  });

  it('a statement of an unknown transaction: NoSuchTransaction with TransientTransactionError', async () => {
    const db = await seeded('unknown');
    const t = new Txn(db);
    const continued = t.statement({ insert: 'c', documents: [{ _id: 1 }] });
    delete continued.startTransaction;
    const reply = await c.command(continued);
    assert.equal(reply.code, 251);
    assert.equal(reply.codeName, 'NoSuchTransaction');
    assert.deepEqual(reply.errorLabels, ['TransientTransactionError']);
    assert.deepEqual(await docs(db), [{ _id: 0, v: 'before' }]);
  });

  it('a failed statement aborts the transaction (its earlier writes are undone)', async () => {
    const db = await seeded('failed');
    const t = new Txn(db);
    await c.command(t.statement({ insert: 'c', documents: [{ _id: 1 }] }));
    const duplicate = await c.command(t.statement({ insert: 'c', documents: [{ _id: 0 }] }));
    assert.equal(duplicate.writeErrors[0].code, 11000);
    assert.equal((await c.command(t.end('commitTransaction'))).code, 251);
    assert.deepEqual(await docs(db), [{ _id: 0, v: 'before' }]);
    const count = await new Txn(db).statement({ count: 'c' });
    const refused = await c.command(count);
    assert.equal(refused.codeName, 'OperationNotSupportedInTransaction');
  });

  it('the next transaction of a session aborts an open one; an older txnNumber is TransactionTooOld', async () => {
    const db = await seeded('next');
    const first = new Txn(db);
    await c.command(first.statement({ insert: 'c', documents: [{ _id: 1 }] }));
    const second = first.next();
    await c.command(second.statement({ insert: 'c', documents: [{ _id: 2 }] }));
    assert.equal((await c.command(second.end('commitTransaction'))).ok, 1);
    assert.deepEqual(await docs(db), [{ _id: 0, v: 'before' }, { _id: 2 }]);
    const stale = new Txn(db);
    Object.assign(stale, { lsid: first.lsid });
    assert.equal((await c.command(stale.statement({ find: 'c' }))).codeName, 'TransactionTooOld');
  });

  it('fail points: an error on commit leaves the transaction open; writeConcernError on commit commits', async () => {
    const db = await seeded('fp');
    const t = new Txn(db);
    await c.command(t.statement({ insert: 'c', documents: [{ _id: 1 }] }));
    await c.command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['commitTransaction'], errorCode: 112 },
    });
    const conflict = await c.command(t.end('commitTransaction'));
    assert.equal(conflict.codeName, 'WriteConflict');
    assert.deepEqual(conflict.errorLabels, ['TransientTransactionError']);
    await c.command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['commitTransaction'], writeConcernError: { code: 91, errmsg: 'shutting down' } },
    });
    const committed = await c.command(t.end('commitTransaction'));
    assert.equal(committed.ok, 1);
    assert.equal(committed.writeConcernError.code, 91);
    assert.deepEqual(committed.errorLabels, ['RetryableWriteError']);
    assert.deepEqual(await docs(db), [{ _id: 0, v: 'before' }, { _id: 1 }]);
    const unsatisfiable = await c.command(t.end('commitTransaction', { writeConcern: { w: 10 } }));
    assert.equal(unsatisfiable.writeConcernError.codeName, 'UnsatisfiableWriteConcern');
  });

  it('change events of a transaction appear at commit, all at its time with lsid and txnNumber; never after abort', async () => {
    const db = await seeded('events');
    const opened = await c.command({
      aggregate: 'c',
      pipeline: [{ $changeStream: {} }],
      cursor: {},
      $db: db,
    });
    const id = opened.cursor.id as Long;
    const next = async (): Promise<Document[]> =>
      (await c.command({ getMore: id, collection: 'c', maxTimeMS: 1, $db: db })).cursor.nextBatch;
    const t = new Txn(db);
    await c.command(t.statement({ insert: 'c', documents: [{ _id: 1 }] }));
    await c.command(t.statement({ update: 'c', updates: [{ q: { _id: 0 }, u: { $set: { v: 'during' } } }] }));
    assert.deepEqual(await next(), [], 'nothing before the commit');
    const commit = await c.command(t.end('commitTransaction'));
    assert.equal(commit.ok, 1);
    const events = await next();
    assert.deepEqual(
      events.map((e) => e.operationType),
      ['insert', 'update'],
    );
    for (const e of events) {
      assert.deepEqual(e.lsid, t.lsid);
      assert.equal(Long.fromValue(e.txnNumber).toNumber(), 1);
      assert.ok(e.clusterTime.equals(commit.operationTime), 'the commit time');
    }
    await c.command(t.end('commitTransaction'));
    assert.deepEqual(await next(), [], 'a retried commit logs nothing again');
    const aborted = t.next();
    await c.command(aborted.statement({ insert: 'c', documents: [{ _id: 2 }] }));
    assert.equal((await c.command(aborted.end('abortTransaction'))).ok, 1);
    const failed = aborted.next();
    await c.command(failed.statement({ insert: 'c', documents: [{ _id: 3 }] }));
    await c.command(failed.statement({ insert: 'c', documents: [{ _id: 0 }] }));
    await c.command({ insert: 'c', documents: [{ _id: 4 }], $db: db });
    const after = await next();
    assert.deepEqual(
      after.map((e) => [e.operationType, e.documentKey._id, e.txnNumber]),
      [['insert', 4, undefined]],
      'aborted transactions logged nothing',
    );
    await c.command({ killCursors: 'c', cursors: [id], $db: db });
  });

  it('for an outcome check, open transactions that wrote are rolled back, unless another write overlapped', async () => {
    const db = await seeded('isolate');
    const t = new Txn(db);
    await c.command(t.statement({ insert: 'c', documents: [{ _id: 1 }] }));
    assert.equal(await proxy.isolateOpenTransactions(), 'isolated');
    assert.deepEqual(await docs(db), [{ _id: 0, v: 'before' }]);
    const u = new Txn(db);
    await c.command(u.statement({ insert: 'c', documents: [{ _id: 3 }] }));
    await c.command({ insert: 'c', documents: [{ _id: 4 }], $db: db });
    assert.equal(await proxy.isolateOpenTransactions(), 'unknown');
    await c.command({ endSessions: [u.lsid], $db: 'admin' });
    assert.equal(await proxy.isolateOpenTransactions(), 'none');
  });
});

describe('rs-proxy transactions through mongos routers', { timeout: 120_000 }, () => {
  const fixture = new ProxyFixture();
  let direct: MongoClient;

  before(async () => {
    await fixture.start({ mongos: 2 });
    direct = upstreamClient(fixture.proxy);
  });
  after(async () => {
    await direct.close();
    await fixture.stop();
  });

  it('statements get a recoveryToken; another router recovers a committed transaction, never commits an open one', async () => {
    const db = uniqueDbName('routers');
    const [first, second] = [await fixture.connect(0), await fixture.connect(1)];
    const open = new Txn(db);
    const reply = await first.command(open.statement({ insert: 'c', documents: [{ _id: 1 }] }));
    assert.deepEqual(reply.recoveryToken, { recoveryShardId: 'shard0' });
    const elsewhere = await second.command(open.end('commitTransaction'));
    assert.equal(elsewhere.codeName, 'NoSuchTransaction');
    assert.deepEqual(elsewhere.errorLabels, ['TransientTransactionError']);
    assert.deepEqual(await direct.db(db).collection('c').find().toArray(), [], 'aborted, rolled back');

    const done = open.next();
    await first.command(done.statement({ insert: 'c', documents: [{ _id: 2 }] }));
    assert.equal((await first.command(done.end('commitTransaction'))).ok, 1);
    assert.equal(
      (await second.command(done.end('commitTransaction'))).ok,
      1,
      'recovered on the other router',
    );
    assert.deepEqual(await direct.db(db).collection('c').find().toArray(), [{ _id: 2 }]);
  });
});
