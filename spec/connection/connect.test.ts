import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { connect } from '../../src/connection/connect.js';
import { MongoNetworkError, MongoServerError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import { freePort, testServer } from '../support/ferretdb.js';

function targetOf(uri: string): { host: string; port: number } {
  const u = new URL(uri.replace(/^mongodb:/, 'http:'));
  return { host: u.hostname, port: Number(u.port || 27017) };
}

describe('connection against the test server', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer();
  });
  after(() => server.release());

  const open = (bus?: EventBus) =>
    firstValueFrom(
      connect(
        {
          target: targetOf(server.uri),
          socket: { connectTimeoutMS: 5000 },
          metadata: buildClientMetadata(),
          bus,
        },
        { id: 1, generation: 0 },
      ),
    );

  it('handshakes and runs a command', async () => {
    const conn = await open();
    assert.ok(conn.hello);
    assert.equal(typeof conn.hello?.maxWireVersion, 'number');
    const reply = await firstValueFrom(conn.command('admin', { ping: 1 }));
    assert.equal(reply.ok, 1);
    conn.close();
    assert.equal(conn.closed, true);
  });

  it('turns ok:0 into MongoServerError with code and codeName', async () => {
    const conn = await open();
    await assert.rejects(firstValueFrom(conn.command('admin', { noSuchCommand: 1 })), (e: unknown) => {
      assert.ok(e instanceof MongoServerError);
      assert.equal(typeof e.code, 'number');
      assert.equal(typeof e.codeName, 'string');
      return true;
    });
    conn.close();
  });

  it('publishes command events', async () => {
    const bus = new EventBus();
    const seen = lastValueFrom(bus.events$.pipe(toArray()));
    const conn = await open(bus);
    await firstValueFrom(conn.command('admin', { ping: 1 }));
    conn.close();
    bus.complete();
    const names = (await seen).map((e) => e.name);
    assert.deepEqual(names, ['commandStarted', 'commandSucceeded']);
  });

  it('errors in-flight commands with MongoNetworkError when closed', async () => {
    const conn = await open();
    const pending = firstValueFrom(conn.command('admin', { ping: 1 }));
    conn.close();
    await assert.rejects(pending, MongoNetworkError);
  });

  it('refused socket is a MongoNetworkError', async () => {
    const port = await freePort();
    await assert.rejects(
      firstValueFrom(
        connect(
          {
            target: { host: '127.0.0.1', port },
            socket: { connectTimeoutMS: 2000 },
            metadata: buildClientMetadata(),
          },
          { id: 2, generation: 0 },
        ),
      ),
      MongoNetworkError,
    );
  });
});
