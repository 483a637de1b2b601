import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Document, ObjectId } from 'bson';
import {
  decodeMessage,
  encodeOpCompressed,
  encodeOpMsg,
  encodeOpQuery,
  FrameSplitter,
  nextRequestId,
  OP_MSG,
  OP_QUERY,
  type OP_REPLY,
  type WireMessage,
} from '../../../src/wire/index.js';
import {
  cursorReply,
  finalReply,
  helloReply,
  MockServer,
  startReplicaSet,
  startShardedCluster,
} from './index.js';

type Msg = Extract<WireMessage, { opCode: typeof OP_MSG }>;

/** A bare-socket client using the wire codec, collecting every decoded message. */
class RawClient {
  readonly messages: WireMessage[] = [];
  private readonly splitter = new FrameSplitter();
  private waiting: (() => void) | undefined;
  closed = false;
  protocolError: unknown;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.splitter.push(chunk)) this.messages.push(decodeMessage(f));
      } catch (error) {
        this.protocolError = error;
        socket.destroy();
      }
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static async open(server: MockServer): Promise<RawClient> {
    const socket = connect(server.port, server.host);
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  send(frame: Buffer): void {
    this.socket.write(frame);
  }

  command(command: Document, extra: { exhaustAllowed?: boolean; moreToCome?: boolean } = {}): number {
    const requestId = nextRequestId();
    this.send(encodeOpMsg({ requestId, command, ...extra }));
    return requestId;
  }

  /** Waits until `count` messages have arrived in total (or the socket closed). */
  /** Waits at most `polls` 50 ms polls (a guard against a hang; no test asserts how long anything took). */
  async waitFor(count: number, polls = 200): Promise<WireMessage[]> {
    for (let poll = 0; this.messages.length < count && !this.closed; poll++) {
      if (poll >= polls) throw new Error(`gave up waiting for ${count} messages`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.messages;
  }

  async reply(requestId: number): Promise<Msg> {
    for (let n = 1; ; n++) {
      await this.waitFor(n);
      const m = this.messages.find((x) => x.header.responseTo === requestId);
      if (m) return m as Msg;
      if (this.closed) throw new Error('closed');
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

async function eventually(condition: () => boolean, polls = 500): Promise<void> {
  for (let poll = 0; !condition(); poll++) {
    if (poll >= polls) throw new Error(`condition not met after ${polls} polls`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('MockServer', () => {
  let server: MockServer;
  before(async () => {
    server = await MockServer.start({
      compressors: ['zlib', 'noop'],
      handler: (req) => {
        switch (req.commandName) {
          case 'insert':
            return { ok: 1, n: req.sequences[0]?.documents.length ?? 0 };
          case 'exhaustArray':
            return {
              replies: [
                { ok: 1, i: 0 },
                { ok: 1, i: 1 },
                { ok: 1, i: 2 },
              ],
            };
          case 'exhaustAsync':
            return {
              replies: (async function* () {
                yield { ok: 1, i: 0 };
                yield { ok: 1, i: 1 };
                yield finalReply({ ok: 1, i: 2 });
              })(),
            };
          case 'drop':
            return { close: true };
          case 'slow':
            return { reply: { ok: 1, slow: true }, delayMS: 100 };
          case 'silent':
            return { noReply: true };
          case 'garbage':
            return { raw: Buffer.from([1, 0, 0, 0]) };
          case 'boom':
            throw new Error('kaboom');
          default:
            return undefined;
        }
      },
    });
  });
  after(() => server.stop());

  it('listens on an ephemeral loopback port', () => {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);
    assert.ok(server.port > 0);
    assert.equal(server.uri, `mongodb://${server.address}`);
  });

  it('answers an OP_MSG hello as a standalone and records the request', async () => {
    const c = await RawClient.open(server);
    const id = c.command({ hello: 1, $db: 'admin' });
    const m = await c.reply(id);
    assert.equal(m.opCode, OP_MSG);
    assert.equal(m.moreToCome, false);
    assert.equal(m.body.isWritablePrimary, true);
    assert.equal(m.body.maxWireVersion, 21);
    assert.equal(m.body.minWireVersion, 0);
    assert.equal(m.body.maxMessageSizeBytes, 48_000_000);
    assert.equal(m.body.maxWriteBatchSize, 100_000);
    assert.equal(m.body.logicalSessionTimeoutMinutes, 30);
    assert.ok(m.body.localTime instanceof Date);
    assert.equal(m.body.setName, undefined);
    assert.equal(m.body.compression, undefined);
    assert.equal(m.body.ok, 1);
    const req = server.requests.find((r) => r.requestId === id)!;
    assert.equal(req.commandName, 'hello');
    assert.equal(req.db, 'admin');
    assert.equal(req.compressed, false);
    assert.equal(m.body.connectionId, req.connectionId);
    c.close();
  });

  it('answers a legacy OP_QUERY isMaster with OP_REPLY', async () => {
    const c = await RawClient.open(server);
    const requestId = nextRequestId();
    c.send(
      encodeOpQuery({ requestId, fullCollectionName: 'admin.$cmd', query: { isMaster: 1, helloOk: true } }),
    );
    const [m] = await c.waitFor(1);
    assert.equal(m!.opCode, 1);
    assert.equal(m!.header.responseTo, requestId);
    const doc = (m as Extract<WireMessage, { opCode: typeof OP_REPLY }>).documents[0]!;
    assert.equal(doc.ismaster, true);
    assert.equal(doc.helloOk, true);
    assert.equal(doc.isWritablePrimary, undefined);
    const req = server.requests.at(-1)!;
    assert.equal(req.opCode, OP_QUERY);
    assert.equal(req.db, 'admin');
    assert.equal(req.commandName, 'isMaster');
    c.close();
  });

  it('passes sequences to the handler', async () => {
    const c = await RawClient.open(server);
    const requestId = nextRequestId();
    c.send(
      encodeOpMsg({
        requestId,
        command: { insert: 'c', $db: 'test' },
        sequences: [{ identifier: 'documents', documents: [{ a: 1 }, { a: 2 }] }],
      }),
    );
    assert.equal((await c.reply(requestId)).body.n, 2);
    assert.deepEqual(server.requests.at(-1)!.sequences[0]!.documents, [{ a: 1 }, { a: 2 }]);
    c.close();
  });

  it('negotiates compression and mirrors the request compressor', async () => {
    const c = await RawClient.open(server);
    const hello = await c.reply(
      c.command({ hello: 1, $db: 'admin', compression: ['snappy', 'zlib', 'zstd'] }),
    );
    assert.deepEqual(hello.body.compression, ['zlib']);
    for (const compressor of ['zlib', 'noop'] as const) {
      const requestId = nextRequestId();
      c.send(encodeOpCompressed(encodeOpMsg({ requestId, command: { ping: 1, $db: 'admin' } }), compressor));
      const m = await c.reply(requestId);
      assert.equal(m.compressor, compressor);
      assert.deepEqual(m.body, { ok: 1 });
      const req = server.requests.find((r) => r.requestId === requestId)!;
      assert.equal(req.compressed, true);
      assert.equal(req.compressor, compressor);
    }
    c.close();
  });

  for (const [name, what] of [
    ['exhaustArray', 'an array with moreToCome on all but the last'],
    ['exhaustAsync', 'an async iterable until its final reply'],
  ] as const) {
    it(`streams ${what}`, async () => {
      const c = await RawClient.open(server);
      c.command({ [name]: 1, $db: 'a' }, { exhaustAllowed: true });
      const ms = (await c.waitFor(3)) as Msg[];
      assert.deepEqual(
        ms.map((m) => [m.body.i, m.moreToCome]),
        [
          [0, true],
          [1, true],
          [2, false],
        ],
      );
      c.close();
    });
  }

  it('drops the connection on { close: true }', async () => {
    const c = await RawClient.open(server);
    c.command({ drop: 1, $db: 'a' });
    await c.waitFor(1);
    assert.equal(c.closed, true);
    assert.equal(c.messages.length, 0);
  });

  it('delays, stays silent, sends raw bytes, and turns handler errors into ok: 0', async () => {
    const c = await RawClient.open(server);
    assert.equal((await c.reply(c.command({ slow: 1, $db: 'a' }))).body.slow, true);
    const silentId = c.command({ silent: 1, $db: 'a' });
    const boom = await c.reply(c.command({ boom: 1, $db: 'a' }));
    assert.equal(boom.body.ok, 0);
    assert.match(boom.body.errmsg, /kaboom/);
    assert.ok(!c.messages.some((m) => m.header.responseTo === silentId));
    c.close();
    const g = await RawClient.open(server);
    g.command({ garbage: 1, $db: 'a' });
    await g.waitFor(1);
    assert.match(String(g.protocolError), /shorter than the 16-byte header/);
  });

  it('does not answer a moreToCome request', async () => {
    const c = await RawClient.open(server);
    const id = c.command({ insert: 'c', $db: 'a' }, { moreToCome: true });
    const pingId = c.command({ ping: 1, $db: 'a' });
    await c.reply(pingId);
    assert.equal(c.messages.length, 1);
    assert.ok(server.requests.some((r) => r.requestId === id && r.moreToCome));
    c.close();
  });

  it('closes a connection that sends a malformed frame', async () => {
    const before = server.errors.length;
    const c = await RawClient.open(server);
    c.send(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]));
    await c.waitFor(1);
    assert.equal(c.closed, true);
    assert.equal(server.errors.length, before + 1);
  });

  it('counts connections and closes them all', async () => {
    await eventually(() => server.connections === 0);
    const a = await RawClient.open(server);
    const b = await RawClient.open(server);
    await a.reply(a.command({ ping: 1, $db: 'a' }));
    await b.reply(b.command({ ping: 1, $db: 'a' }));
    assert.equal(server.connections, 2);
    server.closeAllConnections();
    await eventually(() => a.closed && b.closed);
    await eventually(() => server.connections === 0);
    assert.equal(server.totalConnections > 2, true);
  });

  it('waits for requests with nextRequest', async () => {
    const c = await RawClient.open(server);
    const seen = server.nextRequest((r) => r.commandName === 'find');
    c.command({ find: 'coll', $db: 'db' });
    assert.equal((await seen).command.find, 'coll');
    assert.equal(server.commands('find').length, 1);
    c.close();
  });
});

describe('MockServer awaitable hello', () => {
  it('streams hellos every maxAwaitTimeMS and at once when the topology changes', async () => {
    const server = await MockServer.start({
      hello: { setName: 'rs', hosts: ['a:1'], me: 'a:1', primary: 'a:1' },
    });
    try {
      const c = await RawClient.open(server);
      const first = await c.reply(c.command({ hello: 1, $db: 'admin' }));
      assert.equal(first.body.setName, 'rs');
      const tv = first.body.topologyVersion as Document;
      assert.ok(tv.processId instanceof ObjectId);
      c.command(
        { hello: 1, $db: 'admin', topologyVersion: tv, maxAwaitTimeMS: 50 },
        { exhaustAllowed: true },
      );
      // Nothing changed: the periodic replies keep the topologyVersion and moreToCome.
      const [, second, third] = (await c.waitFor(3)) as Msg[];
      for (const m of [second!, third!]) {
        assert.equal(m.moreToCome, true);
        assert.equal(Number((m.body.topologyVersion as Document).counter), Number(tv.counter));
      }
      c.close();

      // With maxAwaitTimeMS of a minute, a reply can only come from the change.
      const d = await RawClient.open(server);
      d.command(
        { hello: 1, $db: 'admin', topologyVersion: tv, maxAwaitTimeMS: 60_000 },
        { exhaustAllowed: true },
      );
      await server.nextRequest((r) => r.command.maxAwaitTimeMS === 60_000);
      server.setHello({ role: 'secondary', primary: 'b:1' });
      const [changed] = (await d.waitFor(1)) as Msg[];
      assert.equal(changed!.body.secondary, true);
      assert.equal(changed!.body.isWritablePrimary, false);
      assert.equal(Number((changed!.body.topologyVersion as Document).counter), Number(tv.counter) + 1);
      d.close();
    } finally {
      await server.stop();
    }
  });

  it('answers a non-exhaust awaitable hello once', async () => {
    const server = await MockServer.start();
    try {
      const c = await RawClient.open(server);
      const tv = (await c.reply(c.command({ hello: 1, $db: 'admin' }))).body.topologyVersion;
      const r = await c.reply(c.command({ hello: 1, $db: 'admin', topologyVersion: tv, maxAwaitTimeMS: 30 }));
      assert.equal(r.moreToCome, false);
      c.close();
    } finally {
      await server.stop();
    }
  });
});

describe('helloReply', () => {
  it('describes replica-set members', () => {
    const electionId = new ObjectId();
    const r = helloReply(
      {
        role: 'secondary',
        setName: 'rs0',
        hosts: ['a:1', 'b:2'],
        primary: 'a:1',
        me: 'b:2',
        setVersion: 3,
        electionId,
        topologyVersion: { processId: new ObjectId(), counter: 0n as never },
      },
      { connectionId: 9 },
    );
    assert.equal(r.isWritablePrimary, false);
    assert.equal(r.secondary, true);
    assert.equal(r.setName, 'rs0');
    assert.deepEqual(r.hosts, ['a:1', 'b:2']);
    assert.equal(r.primary, 'a:1');
    assert.equal(r.me, 'b:2');
    assert.equal(r.setVersion, 3);
    assert.equal(r.electionId, electionId);
    assert.equal(r.connectionId, 9);
    assert.equal(helloReply({ role: 'mongos' }).msg, 'isdbgrid');
    assert.equal(helloReply({ role: 'arbiter', setName: 'x' }).arbiterOnly, true);
    assert.equal(helloReply({ logicalSessionTimeoutMinutes: null }).logicalSessionTimeoutMinutes, undefined);
  });
});

describe('MockServer failCommand fail point', () => {
  it('fails, closes and blocks the configured commands a number of times', async () => {
    const server = await MockServer.start({
      handler: (r) => (r.commandName === 'find' ? cursorReply('db.c', [{ a: 1 }]) : undefined),
    });
    try {
      const c = await RawClient.open(server);
      const set = (data: Document, mode: Document | string = { times: 1 }) =>
        c.reply(c.command({ configureFailPoint: 'failCommand', mode, data, $db: 'admin' }));
      assert.equal(
        (await set({ failCommands: ['find'], errorCode: 91, errorLabels: ['RetryableWriteError'] })).body.ok,
        1,
      );
      const failed = await c.reply(c.command({ find: 'c', $db: 'db' }));
      assert.deepEqual(
        [failed.body.ok, failed.body.code, failed.body.errorLabels],
        [0, 91, ['RetryableWriteError']],
      );
      const ok = await c.reply(c.command({ find: 'c', $db: 'db' }));
      assert.deepEqual(ok.body.cursor.firstBatch, [{ a: 1 }]);
      assert.equal(ok.body.cursor.id, 0);

      await set({ failCommands: ['find'], blockConnection: true, blockTimeMS: 80 });
      assert.equal((await c.reply(c.command({ find: 'c', $db: 'db' }))).body.ok, 1);

      await set({ failCommands: ['ping'], closeConnection: true }, 'alwaysOn');
      c.command({ ping: 1, $db: 'db' });
      await eventually(() => c.closed);
      const d = await RawClient.open(server);
      d.command({ ping: 1, $db: 'db' });
      await eventually(() => d.closed);
      server.failPoint.configure({ configureFailPoint: 'failCommand', mode: 'off' });
      const e = await RawClient.open(server);
      assert.equal((await e.reply(e.command({ ping: 1, $db: 'db' }))).body.ok, 1);
      e.close();
    } finally {
      await server.stop();
    }
  });
});

describe('startReplicaSet', () => {
  it('describes one set and moves the primary on elect()', async () => {
    const rs = await startReplicaSet(3);
    try {
      assert.equal(rs.primary, rs.members[0]);
      assert.match(
        rs.uri,
        /^mongodb:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/\?replicaSet=rs0$/,
      );
      const hello = async (i: number) => {
        const c = await RawClient.open(rs.members[i]!);
        const m = await c.reply(c.command({ hello: 1, $db: 'admin' }));
        c.close();
        return m.body;
      };
      const [p, s] = [await hello(0), await hello(1)];
      assert.equal(p.isWritablePrimary, true);
      assert.equal(s.secondary, true);
      assert.deepEqual(p.hosts, rs.hosts);
      assert.equal(s.primary, rs.hosts[0]);
      assert.equal(s.me, rs.hosts[1]);
      assert.ok(p.electionId instanceof ObjectId);
      assert.equal(s.electionId, undefined);
      rs.elect(2);
      assert.equal(rs.primary, rs.members[2]);
      const [old, fresh] = [await hello(0), await hello(2)];
      assert.equal(old.secondary, true);
      assert.equal(old.primary, rs.hosts[2]);
      assert.equal(fresh.isWritablePrimary, true);
      assert.ok(Number(fresh.topologyVersion.counter) > Number(p.topologyVersion.counter));
      rs.elect(-1);
      assert.equal((await hello(2)).primary, undefined);
    } finally {
      await rs.stop();
    }
  });
});

describe('startShardedCluster', () => {
  it('plays mongos routers that answer hello with isdbgrid, named by one seed list', async () => {
    const cluster = await startShardedCluster(3);
    try {
      assert.equal(cluster.mongoses.length, 3);
      assert.deepEqual(
        cluster.hosts,
        cluster.mongoses.map((m) => m.address),
      );
      assert.equal(cluster.uri, `mongodb://${cluster.hosts.join(',')}/`);
      for (const mongos of cluster.mongoses) {
        const c = await RawClient.open(mongos);
        const { body } = await c.reply(c.command({ hello: 1, $db: 'admin' }));
        c.close();
        assert.equal(body.msg, 'isdbgrid');
        assert.equal(body.isWritablePrimary, true);
        assert.equal(body.setName, undefined);
        assert.equal(body.hosts, undefined);
        assert.ok(body.topologyVersion, 'reports a topologyVersion (streaming monitoring)');
      }
    } finally {
      await cluster.stop();
    }
  });
});
