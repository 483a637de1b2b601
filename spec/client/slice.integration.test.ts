import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { MongoEvent } from '../../src/index.js';
import {
  MongoClient,
  MongoParseError,
  MongoServerError,
  MongoServerSelectionError,
} from '../../src/index.js';
import { freePort, testServer } from '../support/ferretdb.js';

describe('first slice against the test server', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let client: MongoClient;
  const dbName = `slice_${process.pid}`;
  before(async () => {
    server = await testServer();
    client = new MongoClient(server.uri);
  });
  after(async () => {
    await lastValueFrom(client.db(dbName).command({ dropDatabase: 1 }), { defaultValue: undefined });
    await lastValueFrom(client.close(), { defaultValue: undefined });
    await server.release();
  });

  it('is cold: nothing is sent before subscribe', async () => {
    const events: MongoEvent[] = [];
    const c = new MongoClient(server.uri);
    const sub = c.events$.subscribe((e) => events.push(e));
    const ping = c.db('admin').command({ ping: 1 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(events.length, 0);
    assert.equal((await firstValueFrom(ping)).ok, 1);
    assert.ok(events.some((e) => e.name === 'commandStarted' && e.commandName === 'ping'));
    sub.unsubscribe();
    await lastValueFrom(c.close(), { defaultValue: undefined });
  });

  it('inserts and reads back', async () => {
    const coll = client.db(dbName).collection<{ _id?: unknown; n: number }>('items');
    for (let n = 0; n < 25; n++) await firstValueFrom(coll.insertOne({ n }));
    const docs = await firstValueFrom(coll.find({}, { sort: { n: 1 }, batchSize: 10 }).toArray());
    assert.deepEqual(
      docs.map((d) => d.n),
      Array.from({ length: 25 }, (_, i) => i),
    );
    const firstThree = await lastValueFrom(coll.find({}, { sort: { n: 1 } }).pipe(take(3), toArray()));
    assert.deepEqual(
      firstThree.map((d) => d.n),
      [0, 1, 2],
    );
  });

  it('server errors are MongoServerError with code and codeName', async () => {
    await assert.rejects(
      firstValueFrom(client.db(dbName).command({ thisIsNotACommand: 1 })),
      (e: unknown) => {
        assert.ok(e instanceof MongoServerError);
        assert.equal(typeof e.code, 'number');
        return true;
      },
    );
  });

  it('a bad URI throws MongoParseError', () => {
    assert.throws(() => new MongoClient('mongodb://'), MongoParseError);
    assert.throws(() => new MongoClient('postgres://x'), MongoParseError);
  });

  it('no server: MongoServerSelectionError after serverSelectionTimeoutMS', async () => {
    const port = await freePort();
    const c = new MongoClient(`mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=300`);
    await assert.rejects(firstValueFrom(c.db('x').command({ ping: 1 })), MongoServerSelectionError);
    await lastValueFrom(c.close(), { defaultValue: undefined });
  });
});
