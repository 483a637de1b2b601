// snappy and zstd (OP_COMPRESSED spec) over a real socket against the mock server: negotiation in
// the client's order, lazy loading of the optional packages (offered only when they load), and
// replies compressed with any compressor id.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { createCodecs, type ModuleImporter } from '../../src/connection/compressors.js';
import { connect } from '../../src/connection/connect.js';
import type { SocketConnection } from '../../src/connection/socket-connection.js';
import { MongoMissingDependencyError } from '../../src/errors.js';
import type { CodecLookup, Compressor } from '../../src/wire/index.js';
import { MockServer } from '../support/mock-server/index.js';

const servers: MockServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

async function start(compressors: readonly Compressor[]): Promise<MockServer> {
  const s = await MockServer.start({ compressors });
  servers.push(s);
  return s;
}

function open(server: MockServer, compressors: string[], codecs?: CodecLookup): Promise<SocketConnection> {
  return firstValueFrom(
    connect(
      {
        target: { host: server.host, port: server.port },
        socket: { connectTimeoutMS: 5000 },
        metadata: buildClientMetadata({ appName: 'compression-test' }),
        compressors,
        codecs,
      },
      { id: 1, generation: 0 },
    ),
  );
}

/** The real `import()`, counting what it is asked for. */
function countingImporter(): ModuleImporter & { asked: string[] } {
  const asked: string[] = [];
  const importer = (specifier: string) => {
    asked.push(specifier);
    return import(specifier);
  };
  return Object.assign(importer, { asked });
}

const missingImporter: ModuleImporter = (specifier) =>
  Promise.reject(
    Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' }),
  );

describe('compression with snappy and zstd (optional packages)', () => {
  for (const name of ['snappy', 'zstd'] as const) {
    it(`${name}: negotiated, commands compressed with it, replies decompressed`, async () => {
      const server = await start(['zlib', name]);
      const conn = await open(server, [name, 'zlib']);
      assert.equal(conn.compressor, name, "the client's first compressor the server also has");
      const big = 'y'.repeat(4000);
      const reply = await firstValueFrom(conn.command('admin', { ping: 1, comment: big }));
      assert.equal(reply.ok, 1);
      const ping = server.requests.find((r) => r.commandName === 'ping');
      assert.equal(ping?.compressor, name);
      assert.equal(ping?.command.comment, big, 'the server read the decompressed body');
      conn.close();
    });
  }

  it("uses the client's order, not the server's", async () => {
    const server = await start(['zstd', 'snappy', 'zlib']);
    const conn = await open(server, ['snappy', 'zstd']);
    assert.equal(conn.compressor, 'snappy');
    conn.close();
  });

  it('never compresses hello or authentication commands, whatever was negotiated', async () => {
    const server = await start(['zstd']);
    const conn = await open(server, ['zstd']);
    const never = ['hello', 'isMaster', 'saslStart', 'saslContinue', 'getnonce', 'authenticate'];
    for (const name of [
      ...never,
      'createUser',
      'updateUser',
      'copydbSaslStart',
      'copydbgetnonce',
      'copydb',
    ]) {
      await firstValueFrom(conn.command('admin', { [name]: 1 }));
    }
    await firstValueFrom(conn.command('admin', { ping: 1 }));
    const sent = server.requests.filter((r) => r.connectionId === server.requests.at(-1)!.connectionId);
    const compressed = sent.filter((r) => r.compressed).map((r) => r.commandName);
    assert.deepEqual(compressed, ['ping']);
    conn.close();
  });

  it('decompresses whatever compressor id the server replies with', async () => {
    const server = await MockServer.start({
      compressors: ['zlib'],
      handler: (r) =>
        r.commandName === 'ping' ? { reply: { ok: 1, via: 'zstd' }, compressor: 'zstd' } : undefined,
    });
    servers.push(server);
    const importer = countingImporter();
    const conn = await open(server, ['zlib'], createCodecs({ importer, zlib: {} }));
    assert.equal(conn.compressor, 'zlib');
    assert.deepEqual(importer.asked, [], 'nothing optional is loaded for zlib');
    const reply = await firstValueFrom(conn.command('admin', { ping: 1 }));
    assert.equal(reply.via, 'zstd');
    assert.deepEqual(importer.asked, ['@mongodb-js/zstd'], 'loaded when a reply first needed it');
    conn.close();
  });

  it('keeps replies in order while an asynchronous codec decompresses', async () => {
    // Replies alternate zstd (asynchronous) and uncompressed (synchronous): routing stays in order.
    let n = 0;
    const server = await MockServer.start({
      compressors: ['zstd'],
      handler: (r) =>
        r.commandName === 'ping'
          ? { reply: { ok: 1, n: n++ }, compressor: n % 2 ? 'zstd' : 'none' }
          : undefined,
    });
    servers.push(server);
    const conn = await open(server, ['zstd']);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => firstValueFrom(conn.command('admin', { ping: 1, i }))),
    );
    assert.deepEqual(
      replies.map((r) => r.ok),
      Array(20).fill(1),
    );
    assert.equal(new Set(replies.map((r) => r.n)).size, 20, 'each command got its own reply');
    conn.close();
  });

  it('loads each package once, and only when the URI lists it', async () => {
    const server = await start(['snappy']);
    const importer = countingImporter();
    const codecs = createCodecs({ importer });
    const plain = await open(server, ['zlib'], codecs);
    assert.deepEqual(importer.asked, [], 'a handshake without snappy/zstd loads nothing');
    plain.close();
    const conn = await open(server, ['snappy'], codecs);
    const again = await open(server, ['snappy'], codecs);
    for (let i = 0; i < 3; i++) await firstValueFrom(conn.command('admin', { ping: 1 }));
    assert.deepEqual(importer.asked, ['snappy'], 'probed by the first handshake, then reused');
    assert.equal(again.compressor, 'snappy');
    conn.close();
    again.close();
  });

  it('a compressor whose package is missing is not offered: the next one is used, no error', async () => {
    const server = await start(['snappy', 'zlib']);
    const importer = { asked: 0 };
    const codecs = createCodecs({
      importer: (specifier) => {
        importer.asked++;
        return missingImporter(specifier);
      },
    });
    const conn = await open(server, ['snappy', 'zlib'], codecs);
    const hello = server.requests.find((r) => r.commandName === 'isMaster' || r.commandName === 'hello');
    assert.deepEqual(hello?.command.compression, ['zlib'], 'snappy left out of the handshake');
    assert.equal(conn.compressor, 'zlib');
    const pong = await firstValueFrom(conn.command('admin', { ping: 1 }));
    assert.equal(pong.ok, 1);
    const second = await open(server, ['snappy', 'zlib'], codecs);
    assert.equal(importer.asked, 1, 'the missing package is looked for once');
    conn.close();
    second.close();
  });

  it('a reply compressed with a codec that cannot load is MongoMissingDependencyError', async () => {
    const snappy = createCodecs({ importer: missingImporter })('snappy')!;
    const error = await Promise.resolve()
      .then(() => snappy.decompress(Buffer.from('x'), 1))
      .catch((e: unknown) => e);
    assert.ok(error instanceof MongoMissingDependencyError, String(error));
    assert.equal(error.dependencyName, 'snappy');
    assert.match(error.message, /Optional module `snappy` not found/);
  });

  it('zstd prefers node:zlib where Node has it (22.15+), as the official driver does', async () => {
    const calls: string[] = [];
    const fakeZlib = {
      constants: { ZSTD_c_compressionLevel: 100 },
      zstdCompress: (data: Buffer, options: object, cb: (e: Error | null, r: Buffer) => void) => {
        calls.push(`compress ${JSON.stringify(options)}`);
        cb(null, Buffer.from(data).reverse());
      },
      zstdDecompress: (data: Buffer, options: object, cb: (e: Error | null, r: Buffer) => void) => {
        calls.push(`decompress ${JSON.stringify(options)}`);
        cb(null, Buffer.from(data).reverse());
      },
    };
    const importer = countingImporter();
    const zstd = createCodecs({ importer, zlib: fakeZlib })('zstd')!;
    const data = Buffer.from('abc');
    const back = await zstd.decompress(await zstd.compress(data), 3);
    assert.deepEqual(back, data);
    assert.deepEqual(importer.asked, [], 'the package is not loaded');
    assert.deepEqual(calls, ['compress {"params":{"100":3}}', 'decompress {"maxOutputLength":4}']);
  });

  it('MongoClient with ?compressors=zstd,snappy,zlib runs operations compressed with zstd', async () => {
    const server = await MockServer.start({
      compressors: ['zlib', 'snappy', 'zstd'],
      handler: (r) =>
        r.commandName === 'find'
          ? { ok: 1, cursor: { id: 0, ns: 'db.c', firstBatch: [{ _id: 1, s: 'z'.repeat(1000) }] } }
          : undefined,
    });
    servers.push(server);
    const client = new MongoClient(`${server.uri}/?compressors=zstd,snappy,zlib&directConnection=true`);
    try {
      const docs = await lastValueFrom(client.db('db').collection('c').find({}).pipe(toArray()));
      assert.equal(docs.length, 1);
      const find = server.commands('find')[0];
      assert.equal(find?.compressor, 'zstd');
      const hello = server.requests.find((r) => r.commandName.toLowerCase() === 'ismaster');
      assert.deepEqual(hello?.command.compression, ['zstd', 'snappy', 'zlib']);
    } finally {
      await lastValueFrom(client.close(), { defaultValue: undefined });
    }
  });
});
