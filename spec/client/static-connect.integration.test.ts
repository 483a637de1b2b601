// MongoClient.connect(uri, options), as the official driver's users call it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { MongoClient, MongoParseError, MongoServerSelectionError } from '../../src/index.js';
import { testServer } from '../support/ferretdb.js';

/** Timers and sockets of this process, by kind (what a client left monitoring would keep). */
function resources(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap').length;
}

describe('MongoClient.connect (static)', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer();
  });
  after(() => server.release());

  it('emits a connected client, which runs commands', async () => {
    const client = await lastValueFrom(MongoClient.connect(server.uri));
    assert.ok(client instanceof MongoClient);
    const reply = await lastValueFrom(client.db('admin').command({ ping: 1 }));
    assert.equal(reply.ok, 1);
    await lastValueFrom(client.close());
  });

  it('is cold: nothing is made before subscribe, and a bad URI errors the Observable', async () => {
    const bad = MongoClient.connect('not a uri');
    await assert.rejects(lastValueFrom(bad), MongoParseError);
    // Each subscription makes its own client.
    const connect = MongoClient.connect(server.uri);
    const [a, b] = await Promise.all([lastValueFrom(connect), lastValueFrom(connect)]);
    assert.notEqual(a, b);
    await Promise.all([lastValueFrom(a.close()), lastValueFrom(b.close())]);
  });

  it('closes the client it made when connecting fails: no monitor is left running', async () => {
    const baseline = resources();
    await assert.rejects(
      lastValueFrom(
        MongoClient.connect('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&connectTimeoutMS=100'),
      ),
      MongoServerSelectionError,
    );
    assert.ok(resources() <= baseline, `resources ${resources()} > baseline ${baseline}`);
  });

  it('closes the client it made when the subscriber leaves before it is connected', async () => {
    const baseline = resources();
    const sub = MongoClient.connect('mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=30000').subscribe({
      error: () => {},
    });
    await new Promise((resolve) => setImmediate(resolve));
    sub.unsubscribe();
    // close() releases every timer and socket; let its completion run.
    for (let i = 0; i < 10 && resources() > baseline; i++) await new Promise((r) => setImmediate(r));
    assert.ok(resources() <= baseline, `resources ${resources()} > baseline ${baseline}`);
  });
});
