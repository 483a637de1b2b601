// Connection-level behaviour that FerretDB cannot show: compression, exhaust streams, timeouts,
// malformed replies. The mock server plays the server.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Document } from 'bson';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { connect } from '../../src/connection/connect.js';
import type { SocketConnection } from '../../src/connection/socket-connection.js';
import { MongoNetworkError, MongoNetworkTimeoutError, MongoProtocolError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import { MockServer } from '../support/mock-server/index.js';

const servers: MockServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

async function start(options: Parameters<typeof MockServer.start>[0] = {}): Promise<MockServer> {
  const s = await MockServer.start(options);
  servers.push(s);
  return s;
}

function open(server: MockServer, extra: { compressors?: string[]; connectTimeoutMS?: number } = {}) {
  return firstValueFrom(
    connect(
      {
        target: { host: server.host, port: server.port },
        socket: { connectTimeoutMS: extra.connectTimeoutMS ?? 2000 },
        metadata: buildClientMetadata({ appName: 'mock-test' }),
        compressors: extra.compressors,
      },
      { id: 1, generation: 0 },
    ),
  );
}

describe('compression (OP_COMPRESSED, zlib)', () => {
  it('negotiates zlib and compresses commands, but never hello', async () => {
    const server = await start({ compressors: ['zlib'] });
    const conn: SocketConnection = await open(server, { compressors: ['snappy', 'zlib'] });
    assert.equal(conn.compressor, 'zlib');
    const reply = await firstValueFrom(conn.command('admin', { ping: 1 }));
    assert.equal(reply.ok, 1);
    const ping = server.requests.find((r) => r.commandName === 'ping');
    assert.equal(ping?.compressed, true);
    assert.equal(ping?.compressor, 'zlib');
    const hello = server.requests.find((r) => r.commandName.toLowerCase() === 'ismaster');
    assert.equal(hello?.compressed, false);
    assert.deepEqual(hello?.command.compression, ['snappy', 'zlib'], 'offered in URI order');
    conn.close();
  });

  it('sends uncompressed when the server offers no common compressor', async () => {
    const server = await start({ compressors: [] });
    const conn = await open(server, { compressors: ['zlib'] });
    assert.equal(conn.compressor, undefined);
    await firstValueFrom(conn.command('admin', { ping: 1 }));
    assert.equal(server.requests.find((r) => r.commandName === 'ping')?.compressed, false);
    conn.close();
  });
});

describe('command monitoring', () => {
  it('shows document sequences as arrays in commandStarted', async () => {
    const server = await start();
    const bus = new EventBus();
    const started: Document[] = [];
    bus.of('commandStarted').subscribe((e) => started.push(e.command));
    const conn = await firstValueFrom(
      connect(
        {
          target: { host: server.host, port: server.port },
          socket: { connectTimeoutMS: 2000 },
          metadata: {},
          bus,
        },
        { id: 1, generation: 0 },
      ),
    );
    await firstValueFrom(
      conn.command(
        'db',
        { insert: 'c' },
        { sequences: [{ identifier: 'documents', documents: [{ a: 1 }, { a: 2 }] }] },
      ),
    );
    assert.deepEqual(started, [{ insert: 'c', $db: 'db', documents: [{ a: 1 }, { a: 2 }] }]);
    assert.equal(server.requests.find((r) => r.commandName === 'insert')?.command.documents, undefined);
    conn.close();
  });
});

describe('exhaust replies', () => {
  it('streams every moreToCome reply as one Observable and completes on the last', async () => {
    const server = await start({
      handler: (req) =>
        req.commandName === 'stream'
          ? {
              replies: [
                { ok: 1, n: 1 },
                { ok: 1, n: 2 },
                { ok: 1, n: 3 },
              ],
            }
          : undefined,
    });
    const conn = await open(server);
    const replies = await lastValueFrom(
      conn.command('admin', { stream: 1 }, { exhaustAllowed: true }).pipe(toArray()),
    );
    assert.deepEqual(
      replies.map((r) => r.n),
      [1, 2, 3],
    );
    assert.equal(server.requests.find((r) => r.commandName === 'stream')?.exhaustAllowed, true);
    // The connection is usable afterwards.
    assert.equal((await firstValueFrom(conn.command('admin', { ping: 1 }))).ok, 1);
    conn.close();
  });

  it('abandoning an exhaust stream closes the connection', async () => {
    const server = await start({
      handler: (req) =>
        req.commandName === 'stream' ? { replies: [{ ok: 1 }, { ok: 1 }, { ok: 1 }, { ok: 1 }] } : undefined,
    });
    const conn = await open(server);
    await lastValueFrom(conn.command('admin', { stream: 1 }, { exhaustAllowed: true }).pipe(take(1)));
    assert.equal(conn.closed, true);
  });
});

describe('timeouts and bad replies', () => {
  it('socketTimeoutMS ends a command with MongoNetworkTimeoutError and closes the connection', async () => {
    const server = await start({
      handler: (req) => (req.commandName === 'slow' ? { noReply: true } : undefined),
    });
    const conn = await open(server);
    await assert.rejects(
      firstValueFrom(conn.command('admin', { slow: 1 }, { socketTimeoutMS: 100 })),
      MongoNetworkTimeoutError,
    );
    assert.equal(conn.closed, true);
  });

  it('connectTimeoutMS bounds the handshake', async () => {
    const server = await start({
      handler: (req) => (req.commandName.toLowerCase() === 'ismaster' ? { noReply: true } : undefined),
    });
    await assert.rejects(open(server, { connectTimeoutMS: 150 }), MongoNetworkTimeoutError);
  });

  it('a malformed reply closes the connection with MongoProtocolError', async () => {
    const garbage = Buffer.alloc(32, 0xff);
    garbage.writeInt32LE(32, 0);
    const server = await start({
      handler: (req) => (req.commandName === 'bad' ? { raw: garbage } : undefined),
    });
    const conn = await open(server);
    await assert.rejects(firstValueFrom(conn.command('admin', { bad: 1 })), MongoProtocolError);
    assert.equal(conn.closed, true);
  });

  it('an oversized declared length is refused before buffering', async () => {
    const header = Buffer.alloc(16);
    header.writeInt32LE(2_000_000_000, 0);
    const server = await start({
      handler: (req) => (req.commandName === 'huge' ? { raw: header } : undefined),
    });
    const conn = await open(server);
    await assert.rejects(firstValueFrom(conn.command('admin', { huge: 1 })), MongoProtocolError);
    assert.equal(conn.closed, true);
  });

  it('close() fails every command in flight at once, clears their timers and releases the socket', async () => {
    const server = await start({
      handler: (req) => (req.commandName === 'slow' ? { noReply: true } : undefined),
    });
    const conn = await open(server);
    const count = (type: string) => process.getActiveResourcesInfo().filter((r) => r === type).length;
    const sockets = count('TCPSocketWrap');
    const timers = count('Timeout');
    const outcomes: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      conn.command('admin', { slow: i }, { socketTimeoutMS: 600_000 }).subscribe({
        next: (r) => outcomes.push(r),
        error: (e) => outcomes.push(e),
      });
    }
    await server.nextRequest((r) => r.commandName === 'slow' && r.command.slow === 2);
    assert.equal(count('Timeout'), timers + 3, 'one socket timer per command');
    conn.close();
    // Synchronously: every command has failed and every timer is gone.
    assert.equal(outcomes.length, 3);
    for (const e of outcomes) assert.ok(e instanceof MongoNetworkError, String(e));
    assert.equal(count('Timeout'), timers);
    // The handle closes on a later turn of the event loop: wait a bounded number of turns.
    for (let turn = 0; turn < 1000 && count('TCPSocketWrap') > sockets - 1; turn++) {
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(count('TCPSocketWrap') <= sockets - 1, 'the socket was destroyed');
  });

  it('a dropped connection errors in-flight commands with MongoNetworkError', async () => {
    const server = await start({
      handler: (req) => (req.commandName === 'drop' ? { close: true } : undefined),
    });
    const conn = await open(server);
    await assert.rejects(firstValueFrom(conn.command('admin', { drop: 1 })), MongoNetworkError);
  });
});
