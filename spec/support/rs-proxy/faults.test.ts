import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ReplicaSetProxy } from './index.js';
import { ProxyFixture } from './testing.js';

describe('rs-proxy network faults', { timeout: 60_000 }, () => {
  const fixture = new ProxyFixture();
  let proxy: ReplicaSetProxy;
  const connect = (member: number) => fixture.connect(member);
  const faults = () => proxy.members[0]!.faults;

  before(async () => {
    await fixture.start({ members: 3 });
    proxy = fixture.proxy;
  });
  afterEach(() => {
    for (const m of proxy.members) m.faults.lift();
  });
  after(() => fixture.stop());

  it('freeze holds requests and replies until lifted; other members go on', async () => {
    const c = await connect(0);
    assert.equal((await c.command({ ping: 1 })).ok, 1);
    const seen = proxy.commands.length;
    faults().freeze();
    assert.deepEqual(faults().active, ['freeze']);
    const pending = c.command({ ping: 1, comment: 'held' });
    const late = await connect(0);
    const lateReply = late.command({ ping: 1, comment: 'late' });
    assert.equal((await (await connect(1)).command({ ping: 1 })).ok, 1);
    assert.equal(c.received.length, 1, 'the held ping has no reply');
    assert.ok(
      proxy.commands.slice(seen).every((r) => r.member !== 0),
      'member 0 read no request while frozen',
    );
    faults().lift('freeze');
    assert.equal((await pending).ok, 1);
    assert.equal((await lateReply).ok, 1);
    assert.deepEqual(faults().active, []);
  });

  it('freeze also holds replies that were being sent', async () => {
    const c = await connect(0);
    const blocking = proxy.nextCommand((r) => r.outcome === 'fail-point-block');
    proxy.configureFailPoint(
      {
        configureFailPoint: 'failCommand',
        mode: { times: 1 },
        data: { failCommands: ['ping'], blockConnection: true, blockTimeMS: 10 },
      },
      0,
    );
    const pending = c.command({ ping: 1 });
    await blocking;
    faults().freeze();
    const done = proxy.nextCommand(
      (r) => r.member === 0 && r.commandName === 'ping' && r.outcome === 'forwarded',
    );
    await done;
    assert.equal(c.received.length, 0, 'the reply was produced but is held');
    faults().lift();
    assert.equal((await pending).ok, 1);
  });

  it('dropAfterBytes cuts each connection after that many bytes; lifted, replies are whole', async () => {
    const c = await connect(0);
    faults().dropAfterBytes(10);
    await assert.rejects(c.command({ ping: 1 }));
    await c.closed;
    assert.equal(c.bytesReceived, 10);
    const fresh = await connect(0);
    await assert.rejects(fresh.command({ ping: 1 }), 'new connections are cut too');
    assert.equal(fresh.bytesReceived, 10);
    faults().lift('dropAfterBytes');
    assert.equal((await (await connect(0)).command({ ping: 1 })).ok, 1);
    assert.throws(() => faults().dropAfterBytes(-1), RangeError);
  });

  it('dropAfterBytes counts bytes across replies', async () => {
    const c = await connect(0);
    const first = await c.command({ ping: 1 });
    assert.equal(first.ok, 1);
    const size = c.bytesReceived;
    faults().dropAfterBytes(size + 5);
    assert.equal((await c.command({ ping: 1 })).ok, 1, 'the first reply fits');
    await assert.rejects(c.command({ ping: 1 }), 'the second is cut after 5 bytes');
    assert.equal(c.bytesReceived, 2 * size + 5);
  });

  it('delayReplies holds each reply back (in order); lifting sends the waiting ones at once', async () => {
    const c = await connect(0);
    faults().delayReplies(600_000);
    const firstId = c.send({ ping: 1, comment: 'first' });
    const secondId = c.send({ ping: 1, comment: 'second' });
    await proxy.nextCommand((r) => r.member === 0 && r.command.comment === 'second');
    assert.equal((await (await connect(1)).command({ ping: 1 })).ok, 1);
    assert.equal(c.received.length, 0);
    faults().lift('delay');
    await c.replyTo(secondId);
    assert.deepEqual(
      c.received.map((r) => r.responseTo),
      [firstId, secondId],
    );
    faults().delayReplies(5);
    assert.equal((await c.command({ ping: 1 })).ok, 1, 'a short delay ends by itself');
  });

  it('corruptReplies makes replies undecodable; lifted, they decode', async () => {
    const c = await connect(0);
    faults().corruptReplies();
    await assert.rejects(c.command({ ping: 1 }));
    assert.ok(c.protocolError instanceof Error);
    faults().lift('corrupt');
    assert.equal((await (await connect(0)).command({ ping: 1 })).ok, 1);
  });

  it('reset destroys the connections and resets new ones until lifted', async () => {
    const c = await connect(0);
    assert.equal((await c.command({ ping: 1 })).ok, 1);
    faults().reset();
    await c.closed;
    // A new connection is reset: at connect, or right after.
    const replies = await connect(0).then(
      async (r) => {
        await r.closed;
        return r.received.length;
      },
      () => 0,
    );
    assert.equal(replies, 0);
    assert.equal(proxy.members[0]!.connections, 0);
    faults().lift('reset');
    assert.equal((await (await connect(0)).command({ ping: 1 })).ok, 1);
  });

  it('wrongResponseTo sends replies answering no request; lifted, they match', async () => {
    const c = await connect(0);
    faults().wrongResponseTo();
    const id = c.send({ ping: 1 });
    await c.receivedAtLeast(1);
    assert.equal(c.unmatched.length, 1);
    assert.notEqual(c.unmatched[0]!.responseTo, id);
    faults().lift();
    assert.equal((await c.command({ ping: 1 })).ok, 1);
  });
});
