// Cursors against a real server (FerretDB, or MONGODB_URI): batching, limit, kill, demand, tailable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Document } from 'bson';
import { filter, firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import { mergeMapWithDemand } from '../../src/cursor/demand.js';
import { MongoServerError } from '../../src/errors.js';
import type { CommandStartedEvent, MongoEvent } from '../../src/events/types.js';
import { testServer } from '../support/ferretdb.js';

describe('cursors (integration)', () => {
  let client: MongoClient;
  let release: () => Promise<void>;
  const started: CommandStartedEvent[] = [];
  const dbName = `cursor_it_${process.pid}`;

  before(async () => {
    const server = await testServer();
    release = server.release;
    client = new MongoClient(server.uri, { monitorCommands: true });
    client.events$.subscribe((e: MongoEvent) => {
      if (e.name === 'commandStarted') started.push(e);
    });
    const db = client.db(dbName);
    await lastValueFrom(db.command({ dropDatabase: 1 }));
    const documents = Array.from({ length: 50 }, (_, i) => ({ _id: i, x: i % 5 }));
    await lastValueFrom(db.command({ insert: 'items', documents }));
  });

  after(async () => {
    await lastValueFrom(client.db(dbName).command({ dropDatabase: 1 })).catch(() => undefined);
    await lastValueFrom(client.close());
    await release();
  });

  const items = () => client.db(dbName).collection<{ _id: number; x: number }>('items');
  const commands = (from: number) => started.slice(from).map((e) => e.commandName);
  /** Resolves when the next `name` command starts (subscribed at call time: call it before acting). */
  const nextCommand = (name: string) =>
    firstValueFrom(client.events$.pipe(filter((e) => e.name === 'commandStarted' && e.commandName === name)));

  it('streams every document over several getMores', async () => {
    const mark = started.length;
    const docs = await lastValueFrom(
      items()
        .find({}, { batchSize: 7, sort: { _id: 1 } })
        .pipe(toArray()),
    );
    assert.deepEqual(
      docs.map((d) => d._id),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual(commands(mark), ['find', ...Array(7).fill('getMore')]);
  });

  it('next/hasNext/tryNext iterate as the official driver: one getMore per used-up batch', async () => {
    const mark = started.length;
    const cursor = items().find({}, { batchSize: 20, sort: { _id: 1 } });
    const seen: number[] = [];
    while (await cursor.hasNext()) {
      assert.equal(await cursor.hasNext(), true, 'hasNext twice takes nothing');
      seen.push(((await cursor.next()) as { _id: number })._id);
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(await cursor.next(), null, 'exhausted: null');
    assert.equal(await cursor.tryNext(), null);
    assert.equal(cursor.closed, true);
    assert.deepEqual(commands(mark), ['find', 'getMore', 'getMore']);

    // Calls made together are answered in order; tryNext takes a buffered document.
    const again = items().find({}, { batchSize: 3, sort: { _id: 1 } });
    const [a, b, c] = await Promise.all([again.next(), again.next(), again.tryNext()]);
    assert.deepEqual([a?._id, b?._id, c?._id], [0, 1, 2]);
    // close() ends the iteration: its server cursor is killed and next() answers null.
    const killed = nextCommand('killCursors');
    await lastValueFrom(again.close());
    await killed;
    assert.equal(await again.next(), null);
    // rewind() starts it over on a new server cursor.
    again.rewind();
    assert.equal((await again.next())?._id, 0);
    await lastValueFrom(again.close());
    // An error is the call's rejection, typed.
    const bad = items().find({ $bad: 1 } as never);
    await assert.rejects(bad.next(), (e: Error) => e.name === 'MongoServerError');
  });

  it('take(5) sends one find and one killCursors, no getMore', async () => {
    const mark = started.length;
    const killed = nextCommand('killCursors');
    const docs = await lastValueFrom(items().find({}, { batchSize: 10 }).pipe(take(5), toArray()));
    assert.equal(docs.length, 5);
    await killed;
    assert.deepEqual(commands(mark), ['find', 'killCursors']);
  });

  it('limit is exact, with skip, sort and projection passed through', async () => {
    const cursor = items().find(
      {},
      { sort: { _id: -1 }, skip: 3, limit: 12, batchSize: 5, projection: { x: 0 } },
    );
    const docs = await lastValueFrom(cursor.toArray());
    assert.deepEqual(
      docs.map((d) => d._id),
      Array.from({ length: 12 }, (_, i) => 46 - i),
    );
    assert.ok(docs.every((d) => !('x' in d)));
    const batches = await lastValueFrom(
      cursor.batches().pipe(
        map((b) => b.length),
        toArray(),
      ),
    );
    assert.deepEqual(batches, [5, 5, 2]);
  });

  it('the demand-driving operator processes with bounded concurrency', async () => {
    let inWork = 0;
    let maxInWork = 0;
    const out = await lastValueFrom(
      items()
        .find({}, { batchSize: 8 })
        .pipe(
          mergeMapWithDemand(async (d) => {
            inWork++;
            maxInWork = Math.max(maxInWork, inWork);
            await new Promise((r) => setTimeout(r, 1));
            inWork--;
            return d._id;
          }, 3),
          toArray(),
        ),
    );
    assert.equal(out.length, 50);
    assert.equal(maxInWork, 3);
  });

  it('for await pulls documents; breaking out kills the cursor', async () => {
    const mark = started.length;
    const killed = nextCommand('killCursors');
    const seen: number[] = [];
    for await (const d of items().find({}, { batchSize: 4, sort: { _id: 1 } })) {
      seen.push(d._id);
      if (seen.length === 6) break;
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    await killed;
    assert.deepEqual(commands(mark), ['find', 'getMore', 'killCursors']);
  });

  it('aggregate runs through the same cursor machinery', async () => {
    const mark = started.length;
    const docs = await lastValueFrom(
      items()
        .aggregate<Document>([{ $match: { x: 1 } }], { batchSize: 3 })
        .toArray(),
    );
    assert.equal(docs.length, 10);
    assert.ok(commands(mark).filter((c) => c === 'getMore').length >= 3, 'batches of 3 come through getMore');
  });

  it('a server error ends the stream with MongoServerError', async () => {
    await assert.rejects(
      lastValueFrom(items().find({ $bogus: 1 })),
      (e: unknown) => e instanceof MongoServerError,
    );
  });

  it('explain emits the query plan', async () => {
    const plan = await lastValueFrom(items().find({ x: 1 }).explain());
    assert.equal(plan.ok, 1);
  });

  it('tryNext on a tailable cursor: null when one getMore brings nothing, then what was added', async () => {
    const db = client.db(dbName);
    await lastValueFrom(db.command({ create: 'capped_poll', capped: true, size: 1 << 20 }));
    await lastValueFrom(db.command({ insert: 'capped_poll', documents: [{ _id: 0 }, { _id: 1 }] }));
    const tail = db.collection<{ _id: number }>('capped_poll').find({}, { tailable: true, batchSize: 2 });
    assert.equal((await tail.next())?._id, 0);
    assert.equal((await tail.tryNext())?._id, 1, 'buffered: no getMore');
    const mark = started.length;
    assert.equal(await tail.tryNext(), null, 'nothing new yet');
    assert.deepEqual(commands(mark), ['getMore']);
    assert.equal(tail.closed, false, 'the iteration goes on');
    await lastValueFrom(db.command({ insert: 'capped_poll', documents: [{ _id: 2 }] }));
    assert.equal((await tail.tryNext())?._id, 2);
    await lastValueFrom(tail.close());
    assert.equal(await tail.next(), null);
  });

  it('a tailable awaitData cursor on a capped collection keeps emitting new documents', {
    timeout: 120_000,
  }, async () => {
    const db = client.db(dbName);
    await lastValueFrom(db.command({ create: 'capped', capped: true, size: 1 << 20 }));
    // FerretDB keeps a tailable cursor open only when the first batch is full.
    await lastValueFrom(db.command({ insert: 'capped', documents: [{ _id: 0 }, { _id: 1 }] }));
    // FerretDB difference: its awaitData getMore polls SQLite under a maxTimeMS deadline, and when the
    // deadline cuts a query short (a loaded machine) it replies `interrupted (9)` where MongoDB
    // returns an empty batch. A time limit far beyond the test keeps the deadline out of play; the
    // getMore still returns as soon as the new documents are there, on both servers.
    const tail = db
      .collection<{ _id: number }>('capped')
      .find({}, { tailable: true, awaitData: true, batchSize: 2, maxAwaitTimeMS: 600_000 });
    // Subscribed before the cursor opens, so its first getMore cannot be missed.
    const waiting = firstValueFrom(
      client.events$.pipe(filter((e) => e.name === 'commandStarted' && e.commandName === 'getMore')),
    );
    const got = lastValueFrom(tail.pipe(take(4), toArray()));
    // Insert once the cursor waits in a getMore (ordered by events, not by a timer).
    await waiting;
    await lastValueFrom(db.command({ insert: 'capped', documents: [{ _id: 2 }, { _id: 3 }] }));
    const docs = await got;
    assert.deepEqual(
      docs.map((d) => d._id),
      [0, 1, 2, 3],
    );
  });
});
