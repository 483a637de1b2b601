import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { type Document, Long, UUID } from 'bson';
import { MongoClient } from 'mongodb';
import type { ReplicaSetProxy } from './index.js';
import { RawConnection } from './raw-client.js';
import { ProxyFixture, retryableInsert, testProxy, uniqueDbName, upstreamClient } from './testing.js';

const failCommand = (mode: unknown, data: Document) => ({ configureFailPoint: 'failCommand', mode, data });
const OFF = { configureFailPoint: 'failCommand', mode: 'off' };

describe('rs-proxy fail points', { timeout: 120_000 }, () => {
  const fixture = new ProxyFixture();
  let proxy: ReplicaSetProxy;
  let direct: MongoClient;
  const scripted: number[] = [];
  const connect = (member = 0, appName?: string) => fixture.connect(member, appName);
  const count = (db: string) => direct.db(db).collection('c').countDocuments();

  before(async () => {
    await fixture.start({ members: 3, random: () => scripted.shift() ?? 0.5 });
    proxy = fixture.proxy;
    direct = upstreamClient(proxy);
  });
  afterEach(() => {
    proxy.configureFailPoint(OFF);
    proxy.configureFailPoint({ configureFailPoint: 'onPrimaryTransactionalWrite', mode: 'off' });
  });
  after(async () => {
    await direct.close();
    await fixture.stop();
  });

  it('configureFailPoint is answered by the member; {times: n} fails n matching commands only', async () => {
    const c = await connect();
    const set = await c.command(failCommand({ times: 2 }, { failCommands: ['find'], errorCode: 11601 }));
    assert.equal(set.ok, 1);
    assert.equal((await c.command({ ping: 1 })).ok, 1, 'ping is not in failCommands and does not count');
    for (let i = 0; i < 2; i++) {
      const r = await c.command({ find: 'c', $db: 'rsproxy_fp' });
      assert.equal(r.code, 11601);
      assert.equal(r.codeName, 'Interrupted');
      assert.equal(r.errmsg, "Failing command via 'failCommand' failpoint");
      assert.ok(r.$clusterTime && r.operationTime);
    }
    assert.equal((await c.command({ find: 'c', $db: 'rsproxy_fp' })).ok, 1);
  });

  it('{skip: n} lets n matching commands through, then fails every one; off ends it', async () => {
    const c = await connect();
    await c.command(failCommand({ skip: 1 }, { failCommands: ['ping'], errorCode: 2 }));
    assert.equal((await c.command({ ping: 1 })).ok, 1);
    for (let i = 0; i < 3; i++) assert.equal((await c.command({ ping: 1 })).code, 2);
    await c.command(OFF);
    assert.equal((await c.command({ ping: 1 })).ok, 1);
  });

  it('alwaysOn fails until off', async () => {
    const c = await connect();
    await c.command(failCommand('alwaysOn', { failCommands: ['ping'], errorCode: 8 }));
    for (let i = 0; i < 3; i++) assert.equal((await c.command({ ping: 1 })).code, 8);
    const off = await c.command(OFF);
    assert.equal(off.count, 3, 'the reply counts the times it fired');
    assert.equal((await c.command({ ping: 1 })).ok, 1);
  });

  it('{activationProbability: p} fires when the random draw is below p', async () => {
    const c = await connect();
    await c.command(failCommand({ activationProbability: 0.5 }, { failCommands: ['ping'], errorCode: 8 }));
    scripted.push(0.9, 0.1, 0.6, 0.2);
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await c.command({ ping: 1 })).code ?? 'ok');
    assert.deepEqual(codes, ['ok', 8, 'ok', 8]);
    await c.command(failCommand({ activationProbability: 0 }, { failCommands: ['ping'], errorCode: 8 }));
    scripted.push(0, 0);
    assert.equal((await c.command({ ping: 1 })).ok, 1);
  });

  it('invalid modes and unknown fail points are BadValue', async () => {
    const c = await connect();
    assert.equal((await c.command({ configureFailPoint: 'failCommand', mode: { times: -1 } })).code, 2);
    assert.equal((await c.command({ configureFailPoint: 'failCommand', mode: 'sometimes' })).code, 2);
    assert.equal((await c.command({ configureFailPoint: 'noSuchPoint', mode: 'off' })).code, 2);
  });

  it('errorLabels replace the labels; without them a retryable error of a retryable write gets RetryableWriteError', async () => {
    const db = uniqueDbName('labels');
    const c = await connect();
    const insert = () => retryableInsert(db, [{ x: 1 }]);
    await c.command(failCommand({ times: 1 }, { failCommands: ['insert'], errorCode: 91 }));
    const labelled = await c.command(insert());
    assert.deepEqual(labelled.errorLabels, ['RetryableWriteError']);
    assert.equal(labelled.topologyVersion, undefined, 'ShutdownInProgress carries no topologyVersion');

    await c.command(failCommand({ times: 1 }, { failCommands: ['insert'], errorCode: 91 }));
    const plain = await c.command({ insert: 'c', documents: [{ x: 1 }], $db: db });
    assert.equal(plain.errorLabels, undefined, 'not a retryable write (no txnNumber)');

    await c.command(
      failCommand({ times: 1 }, { failCommands: ['insert'], errorCode: 10107, errorLabels: ['Custom'] }),
    );
    const custom = await c.command(insert());
    assert.deepEqual(custom.errorLabels, ['Custom']);
    assert.ok(custom.topologyVersion, 'NotWritablePrimary carries the topologyVersion');

    await c.command(
      failCommand({ times: 1 }, { failCommands: ['insert'], errorCode: 10107, errorLabels: [] }),
    );
    assert.equal((await c.command(insert())).errorLabels, undefined);
    assert.equal(await count(db), 0, 'no failed insert ran');
  });

  it('closeConnection closes the connection without a reply and without running the command', async () => {
    const db = uniqueDbName('close');
    const c = await connect();
    await c.command(failCommand({ times: 1 }, { failCommands: ['insert'], closeConnection: true }));
    await assert.rejects(
      c.command({ insert: 'c', documents: [{ _id: 1 }], $db: db }),
      /closed before the reply/,
    );
    await c.closed;
    assert.equal(await count(db), 0);
    const again = await connect();
    assert.equal((await again.command({ insert: 'c', documents: [{ _id: 1 }], $db: db })).n, 1);
    await direct.db(db).dropDatabase();
  });

  it('blockConnection holds the command (others go on) and then runs it', async () => {
    const blocked = await connect(0, 'blocker');
    const other = await connect(0);
    await other.command(
      failCommand('alwaysOn', {
        failCommands: ['ping'],
        appName: 'blocker',
        blockConnection: true,
        blockTimeMS: 600_000,
      }),
    );
    const blocking = proxy.nextCommand((r) => r.commandName === 'ping' && r.outcome === 'fail-point-block');
    const pending = blocked.command({ ping: 1 }).catch((e: Error) => e);
    await blocking;
    assert.equal((await other.command({ ping: 1 })).ok, 1, 'another connection is not blocked');
    assert.equal((await other.command({ ping: 1 })).ok, 1);
    assert.equal(
      blocked.received.length,
      1,
      'the blocked ping is still unanswered (only its hello came back)',
    );
    blocked.destroy();
    assert.ok((await pending) instanceof Error);

    // A short block ends and the command then runs normally.
    await other.command(
      failCommand({ times: 1 }, { failCommands: ['ping'], blockConnection: true, blockTimeMS: 20 }),
    );
    const sent = other.send({ ping: 1 });
    const replied = await other.replyTo(sent);
    assert.equal(replied.body.ok, 1);
    const record = proxy.commands.filter((r) => r.commandName === 'ping').at(-1);
    assert.equal(record?.outcome, 'forwarded');
  });

  it('appName limits the fail point to connections whose handshake named that application', async () => {
    const mine = await connect(0, 'victim');
    const theirs = await connect(0, 'bystander');
    await theirs.command(
      failCommand({ times: 1 }, { failCommands: ['ping'], appName: 'victim', errorCode: 8 }),
    );
    assert.equal((await theirs.command({ ping: 1 })).ok, 1);
    assert.equal((await mine.command({ ping: 1 })).code, 8);
    assert.equal((await mine.command({ ping: 1 })).ok, 1);
  });

  it('namespace limits the fail point to one collection', async () => {
    const c = await connect();
    await c.command(
      failCommand({ times: 1 }, { failCommands: ['find'], namespace: 'rsproxy_ns.a', errorCode: 8 }),
    );
    assert.equal((await c.command({ find: 'b', $db: 'rsproxy_ns' })).ok, 1);
    assert.equal((await c.command({ find: 'a', $db: 'rsproxy_ns' })).code, 8);
  });

  it('hello can be failed (closeConnection on the handshake of one app; errorCode)', async () => {
    const setter = await connect();
    await setter.command(
      failCommand(
        { times: 1 },
        { failCommands: ['hello', 'isMaster'], appName: 'sdam', closeConnection: true },
      ),
    );
    const other = await connect();
    assert.equal((await other.command({ hello: 1, client: { application: { name: 'other' } } })).ok, 1);
    const handshake = await connect();
    await assert.rejects(handshake.command({ hello: 1, client: { application: { name: 'sdam' } } }));
    await setter.command(failCommand({ times: 1 }, { failCommands: ['isMaster'], errorCode: 91 }));
    const legacy = await connect();
    const reply = await legacy.legacy({ ismaster: 1 });
    assert.equal(reply.opCode, 1);
    assert.equal(reply.body.code, 91);
  });

  it('writeConcernError: the write runs, the reply gets the error (and RetryableWriteError for a retryable code)', async () => {
    const db = uniqueDbName('wce');
    const c = await connect();
    const wce = { code: 91, codeName: 'ShutdownInProgress', errmsg: 'Replication is being shut down' };
    await c.command(failCommand({ times: 1 }, { failCommands: ['insert'], writeConcernError: wce }));
    const reply = await c.command(retryableInsert(db, [{ _id: 1 }]));
    assert.equal(reply.ok, 1);
    assert.equal(reply.n, 1);
    assert.deepEqual(reply.writeConcernError, wce);
    assert.deepEqual(reply.errorLabels, ['RetryableWriteError']);
    await c.command(
      failCommand(
        { times: 1 },
        { failCommands: ['insert'], writeConcernError: { code: 100, errmsg: 'x' }, errorLabels: [] },
      ),
    );
    const unlabelled = await c.command({ insert: 'c', documents: [{ _id: 2 }], $db: db });
    assert.equal(unlabelled.writeConcernError.code, 100);
    assert.equal(unlabelled.errorLabels, undefined);
    assert.equal(await count(db), 2);
    await direct.db(db).dropDatabase();
  });

  it('failInternalCommands is accepted (no internal clients come through the proxy)', async () => {
    const c = await connect();
    await c.command(
      failCommand({ times: 1 }, { failCommands: ['ping'], errorCode: 8, failInternalCommands: true }),
    );
    assert.equal((await c.command({ ping: 1 })).code, 8);
  });

  it('fail points are per member by default', async () => {
    const on1 = await connect(1);
    await on1.command(failCommand('alwaysOn', { failCommands: ['ping'], errorCode: 8 }));
    assert.equal((await on1.command({ ping: 1 })).code, 8);
    assert.equal((await (await connect(0)).command({ ping: 1 })).ok, 1);
    await on1.command(OFF);
  });

  it('dropReplyAfterExecution runs the write and closes without the reply; the retry is answered from memory', async () => {
    const db = uniqueDbName('drop');
    const c = await connect();
    await c.command(failCommand({ times: 1 }, { failCommands: ['update'], dropReplyAfterExecution: true }));
    const lsid = { id: new UUID() };
    const update = (txn: number) => ({
      update: 'c',
      updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } }, upsert: true }],
      lsid,
      txnNumber: Long.fromInt(txn),
      $db: db,
    });
    await assert.rejects(c.command(update(1)), /closed before the reply/);
    const retry = await (await connect()).command(update(1));
    assert.equal(retry.ok, 1);
    assert.equal(retry.n, 1);
    assert.ok(retry.upserted, 'the stored reply of the first attempt');
    const outcomes = proxy.commands.filter((r) => r.command.$db === db).map((r) => r.outcome);
    assert.deepEqual(outcomes, ['dropped-after-execution', 'retry-answered']);
    assert.deepEqual(await direct.db(db).collection<{ _id: number }>('c').findOne({ _id: 1 }), {
      _id: 1,
      n: 1,
    });

    const next = await (await connect()).command(update(2));
    assert.equal(next.nModified, 1, 'a new txnNumber runs');
    const tooOld = await (await connect()).command(update(1));
    assert.equal(tooOld.code, 225);
    assert.equal(tooOld.codeName, 'TransactionTooOld');
    assert.deepEqual(await direct.db(db).collection<{ _id: number }>('c').findOne({ _id: 1 }), {
      _id: 1,
      n: 2,
    });
    await direct.db(db).dropDatabase();
  });

  it('the official driver with retryWrites: a dropped insert reply is retried and the insert applied once', async () => {
    const db = uniqueDbName('driverdrop');
    const client = new MongoClient(proxy.uri, { retryWrites: true, serverSelectionTimeoutMS: 20_000 });
    try {
      await client.db(db).command({ ping: 1 });
      proxy.configureFailPoint(
        failCommand({ times: 1 }, { failCommands: ['insert'], dropReplyAfterExecution: true }),
      );
      const result = await client
        .db(db)
        .collection('c')
        .insertOne({ _id: 'once' } as Document);
      assert.equal(result.insertedId, 'once');
      const outcomes = proxy.commands
        .filter((r) => r.command.$db === db && r.commandName === 'insert')
        .map((r) => r.outcome);
      assert.deepEqual(outcomes, ['dropped-after-execution', 'retry-answered']);
      assert.equal(await count(db), 1);
      proxy.configureFailPoint(
        failCommand({ times: 1 }, { failCommands: ['update'], dropReplyAfterExecution: true }),
      );
      await client
        .db(db)
        .collection('c')
        .updateOne({ _id: 'once' } as Document, { $inc: { n: 1 } });
      assert.deepEqual(await direct.db(db).collection('c').findOne({}), { _id: 'once', n: 1 });
    } finally {
      await client.close();
      await direct.db(db).dropDatabase();
    }
  });

  it('onPrimaryTransactionalWrite: committed then connection closed; failBeforeCommitExceptionCode applies nothing', async () => {
    const db = uniqueDbName('optw');
    const client = new MongoClient(proxy.uri, { retryWrites: true, serverSelectionTimeoutMS: 20_000 });
    const coll = client.db(db).collection<{ _id: number }>('c');
    const point = (mode: unknown, data?: Document) =>
      proxy.configureFailPoint({ configureFailPoint: 'onPrimaryTransactionalWrite', mode, data }, 0);
    try {
      point({ times: 1 });
      await coll.insertOne({ _id: 1 });
      point({ times: 1 }, { failBeforeCommitExceptionCode: 1 });
      await coll.insertOne({ _id: 2 });
      point({ times: 2 }, { failBeforeCommitExceptionCode: 1 });
      await assert.rejects(coll.insertOne({ _id: 3 }));
      assert.deepEqual(
        (await direct.db(db).collection('c').find().sort({ _id: 1 }).toArray()).map((d) => d._id),
        [1, 2],
      );
      const outcomes = proxy.commands
        .filter((r) => r.command.$db === db && r.commandName === 'insert')
        .map((r) => r.outcome);
      assert.deepEqual(outcomes, [
        'dropped-after-execution',
        'retry-answered',
        'fail-point-close',
        'forwarded',
        'fail-point-close',
        'fail-point-close',
      ]);
    } finally {
      await client.close();
      await direct.db(db).dropDatabase();
    }
  });
});

describe('rs-proxy fail points shared by the deployment', { timeout: 60_000 }, () => {
  it("failPointScope 'deployment': a fail point set through one member applies at every member", async () => {
    const proxy = await testProxy({ members: 3, failPointScope: 'deployment' });
    const conns = await Promise.all(proxy.hosts.map((h) => RawConnection.open(h)));
    try {
      await conns[2]!.command(failCommand({ times: 2 }, { failCommands: ['ping'], errorCode: 8 }));
      assert.equal((await conns[0]!.command({ ping: 1 })).code, 8);
      assert.equal((await conns[1]!.command({ ping: 1 })).code, 8);
      assert.equal((await conns[2]!.command({ ping: 1 })).ok, 1, 'times counts across members');
    } finally {
      for (const c of conns) c.destroy();
      await proxy.close();
    }
  });
});

describe('rs-proxy retry memory behind mongos routers', { timeout: 60_000 }, () => {
  it('a write whose reply router 0 dropped is answered from memory when retried through router 1', async () => {
    const proxy = await testProxy({ mongos: 2 });
    const db = uniqueDbName('routers');
    const [r0, r1] = await Promise.all(proxy.hosts.map((h) => RawConnection.open(h)));
    try {
      proxy.configureFailPoint(
        failCommand({ times: 1 }, { failCommands: ['insert'], dropReplyAfterExecution: true }),
        0,
      );
      const insert = retryableInsert(db, [{ _id: 1 }]);
      await assert.rejects(r0!.command(insert), /closed before the reply/);
      assert.equal((await r1!.command(insert)).n, 1);
      const records = proxy.commands.filter((r) => r.command.$db === db);
      assert.deepEqual(
        records.map((r) => [r.member, r.outcome, r.executed]),
        [
          [0, 'dropped-after-execution', true],
          [1, 'retry-answered', false],
        ],
      );
      assert.equal((await r1!.command({ dropDatabase: 1, $db: db })).ok, 1);
    } finally {
      r0!.destroy();
      r1!.destroy();
      await proxy.close();
    }
  });
});
