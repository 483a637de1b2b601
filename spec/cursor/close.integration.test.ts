// close()/id/closed on a real server (FerretDB, or MONGODB_URI) for find, aggregate and command
// cursors: the id is the server's, close() kills it and ends the runs, exhaustion closes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Document, Long } from 'bson';
import { filter, firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import type { CommandStartedEvent, CommandSucceededEvent, MongoEvent } from '../../src/events/types.js';
import { testServer } from '../support/ferretdb.js';

describe('cursor close()/id/closed (integration)', () => {
  let client: MongoClient;
  let release: () => Promise<void>;
  let uri: string;
  const started: CommandStartedEvent[] = [];
  const succeeded: CommandSucceededEvent[] = [];
  const dbName = `cursor_close_it_${process.pid}`;

  before(async () => {
    ({ release, uri } = await testServer());
    client = new MongoClient(uri, { monitorCommands: true });
    const record = (e: MongoEvent) =>
      e.name === 'commandStarted' ? started.push(e) : e.name === 'commandSucceeded' && succeeded.push(e);
    client.events$.subscribe(record);
    await lastValueFrom(client.db(dbName).dropDatabase());
    await lastValueFrom(items().insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i }))));
  });

  after(async () => {
    await lastValueFrom(client.db(dbName).command({ dropDatabase: 1 })).catch(() => undefined);
    await lastValueFrom(client.close());
    await release();
  });

  const items = () => client.db(dbName).collection<{ _id: number }>('items');
  const nextCommand = (name: string) =>
    firstValueFrom(client.events$.pipe(filter((e) => e.name === 'commandStarted' && e.commandName === name)));
  const lastReplyId = (name: string): Long => {
    const reply = succeeded.filter((e) => e.commandName === name).at(-1)?.reply as Document;
    return Long.fromValue((reply.cursor as Document).id);
  };

  it('find: id is the server cursor id; close() kills it and ends the iteration', async () => {
    const cursor = items().find({}, { batchSize: 5, sort: { _id: 1 } });
    const before = cursor.id;
    assert.equal(before, undefined, 'no id before the first reply');
    assert.equal(cursor.closed, false);
    const it = cursor[Symbol.asyncIterator]();
    assert.deepEqual((await it.next()).value, { _id: 0 });
    const id = cursor.id;
    assert.ok(id && !id.isZero());
    assert.equal(id.toString(), lastReplyId('find').toString());
    assert.equal(cursor.closed, false);
    const killed = nextCommand('killCursors');
    await lastValueFrom(cursor.close());
    const kill = (await killed) as CommandStartedEvent;
    assert.equal((kill.command.cursors as Long[])[0]?.toString(), id.toString());
    assert.equal(cursor.closed, true);
    assert.equal(cursor.id?.toString(), '0');
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    const mark = started.length;
    assert.deepEqual(await lastValueFrom(cursor.pipe(toArray())), [], 'closed: nothing is sent');
    assert.equal(started.length, mark);
    cursor.rewind();
    assert.equal((await lastValueFrom(cursor.pipe(toArray()))).length, 30, 'rewind() runs it again');
  });

  it('aggregate: close() completes a demand-driven subscriber and kills its cursor', async () => {
    const cursor = items().aggregate([{ $sort: { _id: 1 } }], { batchSize: 4 });
    const got: number[] = [];
    let second: () => void = () => {};
    const twoDocs = new Promise<void>((resolve) => {
      second = resolve;
    });
    const done = new Promise<void>((resolve, reject) =>
      cursor.withDemand(of(2)).subscribe({
        next: (d) => {
          got.push(d._id as number);
          if (got.length === 2) second();
        },
        error: reject,
        complete: resolve,
      }),
    );
    await twoDocs;
    assert.equal(cursor.id?.toString(), lastReplyId('aggregate').toString());
    const killed = nextCommand('killCursors');
    await lastValueFrom(cursor.close());
    await done;
    await killed;
    assert.deepEqual(got, [0, 1]);
    assert.equal(cursor.closed, true);
  });

  it('an exhausted cursor is closed with id 0, and close() then sends nothing', async () => {
    const cursor = items().find({ _id: { $lt: 3 } });
    assert.equal((await lastValueFrom(cursor.pipe(toArray()))).length, 3);
    assert.equal(cursor.closed, true);
    assert.equal(cursor.id?.toString(), '0');
    const mark = started.length;
    await lastValueFrom(cursor.close());
    assert.deepEqual(
      started.slice(mark).map((e) => e.commandName),
      [],
    );
  });

  it('command cursors (listCollections) have the same surface', async () => {
    const cursor = client.db(dbName).listCollections();
    assert.equal(cursor.closed, false);
    const names = (await lastValueFrom(cursor.pipe(toArray()))).map((c) => c.name);
    assert.ok(names.includes('items'));
    assert.equal(cursor.closed, true);
    assert.equal(cursor.id?.toString(), '0');
  });
});
