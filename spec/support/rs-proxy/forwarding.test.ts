import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Long, Timestamp, UUID } from 'bson';
import { MongoClient } from 'mongodb';
import { FERRETDB_TRANSLATIONS, type ReplicaSetProxy } from './index.js';
import { ProxyFixture, retryableInsert, uniqueDbName, upstreamClient } from './testing.js';
import { proxyAnswer, translateRequest } from './translations.js';

describe('rs-proxy forwarding', { timeout: 90_000 }, () => {
  const fixture = new ProxyFixture();
  let proxy: ReplicaSetProxy;
  let direct: MongoClient;
  const connect = (member: number) => fixture.connect(member);

  before(async () => {
    await fixture.start({ members: 3 });
    proxy = fixture.proxy;
    direct = upstreamClient(proxy);
  });
  after(async () => {
    await direct.close();
    await fixture.stop();
  });

  it('CRUD through the official driver lands in FerretDB (cursors with getMore included)', async () => {
    const db = uniqueDbName('crud');
    const client = new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 20_000 });
    try {
      const coll = client.db(db).collection<{ _id: number; v?: number }>('c');
      await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i })));
      await coll.updateOne({ _id: 1 }, { $set: { v: 1 } });
      await coll.deleteOne({ _id: 9 });
      const found = await coll.findOneAndUpdate({ _id: 2 }, { $set: { v: 2 } }, { returnDocument: 'after' });
      assert.deepEqual(found, { _id: 2, v: 2 });
      const all = await coll.find({}, { batchSize: 2 }).sort({ _id: 1 }).toArray();
      assert.equal(all.length, 9);
      assert.equal(await coll.countDocuments({ v: { $exists: true } }), 2);
      const agg = await coll.aggregate([{ $match: { _id: { $lt: 3 } } }], { batchSize: 1 }).toArray();
      assert.equal(agg.length, 3);
      await coll.createIndex({ v: 1 });
      assert.ok(proxy.commands.some((r) => r.commandName === 'getMore' && r.outcome === 'forwarded'));
      assert.equal(await direct.db(db).collection('c').countDocuments(), 9);
    } finally {
      await client.db(db).dropDatabase();
      await client.close();
    }
  });

  it('replies carry $clusterTime/operationTime; each write advances the cluster time; gossip moves it', async () => {
    const db = uniqueDbName('clock');
    const c = await connect(0);
    const first = await c.command({ insert: 'c', documents: [{ _id: 1 }], $db: db });
    const second = await c.command({ insert: 'c', documents: [{ _id: 2 }], $db: db });
    assert.equal(first.n, 1);
    assert.ok(first.operationTime instanceof Timestamp);
    assert.ok(second.operationTime.gt(first.operationTime), 'a write gets a later operationTime');
    assert.ok(second.$clusterTime.clusterTime.gte(second.operationTime));
    const read = await c.command({ find: 'c', $db: db });
    assert.ok(read.operationTime.gte(second.operationTime));
    const ahead = new Timestamp({ t: second.operationTime.t + 100, i: 1 });
    await c.command({
      ping: 1,
      $clusterTime: { clusterTime: ahead, signature: second.$clusterTime.signature },
    });
    assert.ok(proxy.clusterTime.gte(ahead));
    await c.command({ dropDatabase: 1, $db: db });
  });

  it('a moreToCome (w:0) insert gets no reply and is applied', async () => {
    const db = uniqueDbName('w0');
    const c = await connect(0);
    c.send(
      { insert: 'c', documents: [{ _id: 'w0' }], writeConcern: { w: 0 }, $db: db },
      { moreToCome: true },
    );
    const ping = c.send({ ping: 1 });
    const reply = await c.replyTo(ping);
    assert.equal(reply.body.ok, 1);
    assert.equal(c.received.length, 1, 'the only reply is the ping');
    const record = proxy.commands.find((r) => r.commandName === 'insert' && r.command.$db === db);
    assert.equal(record?.outcome, 'forwarded-no-reply');
    assert.equal(await direct.db(db).collection('c').countDocuments(), 1);
    await direct.db(db).dropDatabase();
  });

  it('answers endSessions, killAllSessions, killSessions, refreshSessions and startSession itself', async () => {
    const c = await connect(0);
    for (const command of [
      { endSessions: [{ id: new UUID() }] },
      { killAllSessions: [] },
      { killSessions: [] },
      { refreshSessions: [] },
    ]) {
      const reply = await c.command(command);
      assert.equal(reply.ok, 1, JSON.stringify(command));
      assert.ok(reply.$clusterTime);
    }
    const started = await c.command({ startSession: 1 });
    assert.equal(started.timeoutMinutes, 30);
    assert.ok(started.id.id);
    const outcomes = proxy.commands.filter(
      (r) => r.commandName.endsWith('Sessions') || r.commandName === 'startSession',
    );
    assert.ok(outcomes.length >= 5 && outcomes.every((r) => r.outcome === 'answered'));
  });

  it('transaction fields are stripped before FerretDB; commit ok; abort of an unknown transaction is NoSuchTransaction', async () => {
    const db = uniqueDbName('txn');
    const c = await connect(0);
    const lsid = { id: new UUID() };
    const txnNumber = Long.fromInt(1);
    const insert = await c.command({
      insert: 'c',
      documents: [{ _id: 1 }],
      lsid,
      txnNumber,
      autocommit: false,
      startTransaction: true,
      readConcern: { level: 'snapshot' },
      $db: db,
    });
    assert.equal(insert.ok, 1, JSON.stringify(insert));
    const update = await c.command({
      update: 'c',
      updates: [{ q: { _id: 1 }, u: { $set: { a: 1 } } }],
      lsid,
      txnNumber,
      autocommit: false,
      $db: db,
    });
    assert.equal(update.nModified, 1);
    assert.equal((await c.command({ commitTransaction: 1, lsid, txnNumber, autocommit: false })).ok, 1);
    const abort = await c.command({
      abortTransaction: 1,
      lsid,
      txnNumber: Long.fromInt(2),
      autocommit: false,
    });
    // The proxy keeps the transactions (transactions.ts): txnNumber 2 never started.
    assert.equal(abort.ok, 0);
    assert.equal(abort.code, 251);
    assert.deepEqual(await direct.db(db).collection('c').findOne({}), { _id: 1, a: 1 });
    await direct.db(db).dropDatabase();
  });

  it('a secondary refuses writes (10107, labelled only for retryable writes) and reads without secondaryOk (13435)', async () => {
    const db = uniqueDbName('secondary');
    const c = await connect(1);
    const tv = (await c.command({ hello: 1 })).topologyVersion;
    const plain = await c.command({ insert: 'c', documents: [{ _id: 1 }], $db: db });
    assert.equal(plain.code, 10107);
    assert.equal(plain.codeName, 'NotWritablePrimary');
    assert.equal(plain.errorLabels, undefined);
    assert.deepEqual(plain.topologyVersion, tv);
    const retryable = await c.command(retryableInsert(db, [{ _id: 1 }]));
    assert.equal(retryable.code, 10107);
    assert.deepEqual(retryable.errorLabels, ['RetryableWriteError']);

    const noPref = await c.command({ find: 'c', $db: db });
    assert.equal(noPref.code, 13435);
    assert.equal(noPref.codeName, 'NotPrimaryNoSecondaryOk');
    assert.deepEqual(noPref.topologyVersion, tv);
    const primaryPref = await c.command({ find: 'c', $readPreference: { mode: 'primary' }, $db: db });
    assert.equal(primaryPref.code, 13435);
    const secondaryPref = await c.command({
      find: 'c',
      $readPreference: { mode: 'secondaryPreferred' },
      $db: db,
    });
    assert.equal(secondaryPref.ok, 1);
    assert.equal((await c.command({ ping: 1 })).ok, 1, 'ping is allowed anywhere');
    assert.equal(await direct.db(db).collection('c').countDocuments(), 0);
  });

  it('the official driver reads from a secondary with readPreference secondary', async () => {
    const client = new MongoClient(proxy.uri, {
      serverSelectionTimeoutMS: 20_000,
      readPreference: 'secondary',
    });
    try {
      const seen = proxy.nextCommand((r) => r.commandName === 'find' && r.command.$db === 'rsproxy_readpref');
      await client.db('rsproxy_readpref').collection('c').find({}).toArray();
      const record = await seen;
      assert.notEqual(record.member, proxy.primaryIndex);
      assert.equal(record.outcome, 'forwarded');
    } finally {
      await client.close();
    }
  });

  it('OP_QUERY is for hello only: another command gets UnsupportedOpQueryCommand (352)', async () => {
    const c = await connect(0);
    const reply = await c.legacy({ find: 'c' });
    assert.equal(reply.opCode, 1);
    assert.equal(reply.body.code, 352);
  });
});

describe('FERRETDB_TRANSLATIONS', () => {
  it('every entry says what FerretDB does and what the proxy does instead', () => {
    assert.ok(FERRETDB_TRANSLATIONS.length >= 8);
    const ids = new Set<string>();
    for (const t of FERRETDB_TRANSLATIONS) {
      assert.ok(t.ferretdb.length > 20 && t.proxy.length > 20, t.id);
      assert.ok(!ids.has(t.id), `duplicate id ${t.id}`);
      ids.add(t.id);
    }
  });

  it('strips transaction fields (readConcern only from writes in a transaction) and leaves the rest', () => {
    const lsid = { id: new UUID() };
    const inTxn = {
      insert: 'c',
      lsid,
      autocommit: false,
      startTransaction: true,
      readConcern: { level: 'local' },
    };
    assert.deepEqual(translateRequest('insert', inTxn), { insert: 'c', lsid });
    const outside = {
      insert: 'c',
      readConcern: { level: 'local' },
      $clusterTime: {},
      txnNumber: Long.fromInt(1),
    };
    assert.equal(translateRequest('insert', outside), outside, 'unchanged, not copied');
    const find = { find: 'c', autocommit: false, readConcern: { level: 'snapshot' } };
    assert.deepEqual(translateRequest('find', find), { find: 'c', readConcern: { level: 'snapshot' } });
    assert.equal(proxyAnswer('endSessions', { endSessions: [] })?.ok, 1);
    assert.equal(proxyAnswer('find', { find: 'c' }), undefined);
  });
});
