import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Binary, type Document, Long, ObjectId, Timestamp } from 'bson';
import { MongoClient } from 'mongodb';
import { MAX_WIRE_VERSION, type ReplicaSetProxy } from './index.js';
import { RawConnection } from './raw-client.js';
import { ProxyFixture, testProxy } from './testing.js';

const TIMEOUT = { timeout: 60_000 };

function assertClusterTime(reply: Document): void {
  assert.ok(reply.$clusterTime.clusterTime instanceof Timestamp);
  assert.ok(reply.$clusterTime.signature.hash instanceof Binary);
  assert.equal(reply.$clusterTime.signature.hash.length(), 20);
  assert.ok(reply.$clusterTime.signature.keyId instanceof Long);
  assert.ok(reply.operationTime instanceof Timestamp);
}

describe('rs-proxy hello: a 3-member replica set', TIMEOUT, () => {
  const fixture = new ProxyFixture();
  let proxy: ReplicaSetProxy;
  const connect = (member: number) => fixture.connect(member);

  before(async () => {
    await fixture.start({ members: 3 });
    proxy = fixture.proxy;
  });
  after(() => fixture.stop());

  it('each member says who it is, who is primary, and the set (OP_MSG hello)', async () => {
    assert.equal(proxy.hosts.length, 3);
    assert.equal(proxy.uri, `mongodb://${proxy.hosts.join(',')}/?replicaSet=rs0`);
    for (let i = 0; i < 3; i++) {
      const reply = await (await connect(i)).command({ hello: 1 });
      assert.equal(reply.ok, 1);
      assert.equal(reply.setName, 'rs0');
      assert.deepEqual(reply.hosts, proxy.hosts);
      assert.equal(reply.me, proxy.hosts[i]);
      assert.equal(reply.primary, proxy.hosts[0]);
      assert.equal(reply.isWritablePrimary, i === 0);
      assert.equal(reply.secondary, i !== 0);
      assert.equal(reply.setVersion, 1);
      assert.equal(reply.electionId instanceof ObjectId, i === 0);
      assert.ok(reply.topologyVersion.processId instanceof ObjectId);
      assert.ok(Long.isLong(reply.topologyVersion.counter));
      assert.equal(reply.logicalSessionTimeoutMinutes, 30);
      assert.equal(reply.maxWireVersion, MAX_WIRE_VERSION);
      assert.equal(MAX_WIRE_VERSION, 21);
      assert.ok(reply.lastWrite.opTime.ts instanceof Timestamp);
      assert.ok(reply.lastWrite.lastWriteDate instanceof Date);
      assertClusterTime(reply);
      assert.equal(reply.msg, undefined);
    }
  });

  it('legacy OP_QUERY isMaster gets an OP_REPLY with `ismaster`; OP_MSG ismaster too; helloOk echoed', async () => {
    const c = await connect(1);
    const legacy = await c.legacy({ isMaster: 1, helloOk: true });
    assert.equal(legacy.opCode, 1);
    assert.equal(legacy.body.ismaster, false);
    assert.equal(legacy.body.secondary, true);
    assert.equal(legacy.body.helloOk, true);
    assert.equal(legacy.body.isWritablePrimary, undefined);
    assertClusterTime(legacy.body);
    const lower = await c.command({ ismaster: 1 });
    assert.equal(lower.ismaster, false);
    assert.equal(lower.setName, 'rs0');
  });

  it('an awaitable hello waits while nothing changes and is answered at once on stepDown', async () => {
    const before = await (await connect(1)).command({ hello: 1 });
    const waiting = await connect(1);
    const requestId = waiting.send({
      hello: 1,
      topologyVersion: before.topologyVersion,
      maxAwaitTimeMS: 600_000,
    });
    await proxy.nextCommand(
      (r) => r.member === 1 && r.commandName === 'hello' && r.command.maxAwaitTimeMS !== undefined,
    );
    // Another request to the same member is answered while the awaitable hello still waits.
    assert.equal((await (await connect(1)).command({ ping: 1 })).ok, 1);
    assert.equal(waiting.received.length, 0);

    proxy.stepDown();
    const reply = (await waiting.replyTo(requestId)).body;
    assert.equal(proxy.primaryIndex, 1);
    assert.equal(reply.isWritablePrimary, true);
    assert.equal(reply.primary, proxy.hosts[1]);
    assert.ok(reply.electionId instanceof ObjectId);
    assert.equal(
      reply.topologyVersion.processId.toHexString(),
      before.topologyVersion.processId.toHexString(),
    );
    assert.equal(reply.topologyVersion.counter.toBigInt(), before.topologyVersion.counter.toBigInt() + 1n);
    proxy.elect(0);
  });

  it('an awaitable hello with a stale topologyVersion is answered at once', async () => {
    const c = await connect(2);
    const current = (await c.command({ hello: 1 })).topologyVersion;
    const stale = { processId: current.processId, counter: Long.fromBigInt(current.counter.toBigInt() - 1n) };
    const reply = await c.command({ hello: 1, topologyVersion: stale, maxAwaitTimeMS: 600_000 });
    assert.equal(reply.topologyVersion.counter.toBigInt(), current.counter.toBigInt());
    const otherProcess = await c.command({
      hello: 1,
      topologyVersion: { processId: new ObjectId(), counter: current.counter },
      maxAwaitTimeMS: 600_000,
    });
    assert.equal(otherProcess.ok, 1);
  });

  it('a streaming hello (exhaustAllowed) sends a moreToCome reply on each change', async () => {
    const c = await connect(2);
    const tv = (await c.command({ hello: 1 })).topologyVersion;
    const requestId = c.send(
      { hello: 1, topologyVersion: tv, maxAwaitTimeMS: 600_000 },
      { exhaustAllowed: true },
    );
    await proxy.nextCommand((r) => r.member === 2 && r.command.maxAwaitTimeMS !== undefined);
    const firstElectionId = (await (await connect(0)).command({ hello: 1 })).electionId as ObjectId;

    proxy.elect(2);
    const first = await c.replyTo(requestId);
    assert.equal(first.moreToCome, true);
    assert.equal(first.body.isWritablePrimary, true);
    assert.ok(first.body.electionId.toHexString() > firstElectionId.toHexString(), 'electionId grows');

    proxy.reconfig();
    const second = await c.replyTo(first.requestId);
    assert.equal(second.moreToCome, true);
    assert.equal(second.body.setVersion, 2);
    assert.equal(
      second.body.topologyVersion.counter.toBigInt(),
      first.body.topologyVersion.counter.toBigInt() + 1n,
    );
    proxy.elect(0);
  });

  it('failCommand runs again before each streamed hello reply: an error ends the stream', async () => {
    const c = await fixture.connect(1, 'streamFail');
    const tv = (await c.command({ hello: 1 })).topologyVersion;
    const requestId = c.send(
      { hello: 1, topologyVersion: tv, maxAwaitTimeMS: 600_000 },
      { exhaustAllowed: true },
    );
    await proxy.nextCommand((r) => r.member === 1 && r.command.maxAwaitTimeMS !== undefined);
    // Armed while the stream waits: the reply in flight has passed its fail points, the next has not.
    const admin = await fixture.connect(1);
    await admin.command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['hello'], appName: 'streamFail', errorCode: 91 },
      $db: 'admin',
    });
    proxy.reconfig();
    const first = await c.replyTo(requestId);
    assert.equal(first.moreToCome, true);
    assert.equal(first.body.ok, 1);
    const second = await c.replyTo(first.requestId);
    assert.equal(second.moreToCome, false, 'the error reply ends the stream');
    assert.equal(second.body.ok, 0);
    assert.equal(second.body.code, 91);
  });

  it('the official driver discovers the set, follows stepDown and writes to the new primary', async () => {
    const client = new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 20_000 });
    try {
      const hello = await client.db('admin').command({ hello: 1 });
      assert.equal(hello.setName, 'rs0');
      assert.equal(hello.isWritablePrimary, true);
      const coll = client.db('rsproxy_hello').collection('c');
      await coll.insertOne({ n: 1 });
      proxy.stepDown();
      const target = proxy.primaryIndex!;
      const inserted = proxy.nextCommand((r) => r.commandName === 'insert' && r.outcome === 'forwarded');
      await coll.insertOne({ n: 2 });
      assert.equal((await inserted).member, target);
      await coll.drop();
    } finally {
      await client.close();
      proxy.elect(0);
    }
  });
});

describe('rs-proxy hello: a 1-member set', TIMEOUT, () => {
  it('stepDown re-elects the one member in a new term; stepDown({next: null}) leaves no primary', async () => {
    const proxy = await testProxy({ members: 1 });
    const c = await RawConnection.open(proxy.hosts[0]!);
    try {
      const first = await c.command({ hello: 1 });
      assert.deepEqual(first.hosts, proxy.hosts);
      assert.equal(first.isWritablePrimary, true);
      proxy.stepDown();
      const second = await c.command({ hello: 1 });
      assert.equal(second.isWritablePrimary, true);
      assert.ok(second.electionId.toHexString() > first.electionId.toHexString());
      proxy.stepDown({ next: null });
      const none = await c.command({ hello: 1 });
      assert.equal(none.isWritablePrimary, false);
      assert.equal(none.secondary, true);
      assert.equal(none.primary, undefined);
      assert.equal(proxy.primaryIndex, undefined);
      assert.throws(() => proxy.stepDown(), /no primary/);
      proxy.elect(0);
      assert.equal((await c.command({ hello: 1 })).isWritablePrimary, true);
    } finally {
      c.destroy();
      await proxy.close();
    }
  });
});

describe('rs-proxy hello: mongos routers', TIMEOUT, () => {
  it('2 routers say isdbgrid without set fields; the official driver sees a sharded cluster', async () => {
    const proxy = await testProxy({ mongos: 2 });
    const client = new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 20_000 });
    try {
      assert.equal(proxy.kind, 'sharded');
      assert.equal(proxy.setName, undefined);
      assert.equal(proxy.uri, `mongodb://${proxy.hosts.join(',')}/`);
      for (const host of proxy.hosts) {
        const c = await RawConnection.open(host);
        const reply = await c.command({ hello: 1 });
        c.destroy();
        assert.equal(reply.msg, 'isdbgrid');
        assert.equal(reply.isWritablePrimary, true);
        assert.equal(reply.setName, undefined);
        assert.equal(reply.hosts, undefined);
        assert.equal(reply.maxWireVersion, 21);
        assert.ok(reply.topologyVersion.processId instanceof ObjectId);
        assertClusterTime(reply);
      }
      let sharded = false;
      client.on('topologyDescriptionChanged', (e) => {
        if (e.newDescription.type === 'Sharded') sharded = true;
      });
      const coll = client.db('rsproxy_mongos').collection('c');
      await coll.insertOne({ x: 1 });
      assert.equal(await coll.countDocuments(), 1);
      await coll.drop();
      assert.equal(sharded, true);
      assert.throws(() => proxy.stepDown(), /mongos mode/);
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
