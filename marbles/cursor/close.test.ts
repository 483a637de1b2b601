// close()/id/closed for those who hold a cursor (the official driver's surface), on virtual time:
// close() ends every live run of the cursor object with killCursors and completes its
// subscribers; id is the latest run's server cursor id; closed follows the runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document, Long } from 'bson';
import { lastValueFrom, map, Subject } from 'rxjs';
import { ChangeStream } from '../../src/cursor/change-stream.js';
import { findCursor } from '../../src/cursor/find-cursor.js';
import { FakeChangeStreamServer } from '../change-streams/harness.js';
import { FakeCursorServer, findSetup, record, testScheduler } from './harness.js';

const setup = findSetup;

const ids = map((d: { _id?: unknown }) => d._id);
const idOf = (id: Long | undefined) => (id === undefined ? 'undefined' : id.toString());

describe('cursor close()/id/closed (marbles)', () => {
  it('id is undefined before the first reply, the server id while open, 0 once exhausted', () => {
    const { scheduler, cursor } = setup({ count: 3, latency: 10 }, { batchSize: 2 });
    const seen: string[] = [];
    scheduler.run(() => {
      record(scheduler, cursor);
      for (const at of [5, 15, 25]) {
        scheduler.schedule(() => seen.push(`${at}:${idOf(cursor.id)}:${cursor.closed}`), at);
      }
    });
    assert.deepEqual(seen, ['5:undefined:false', '15:42:false', '25:0:true']);
    assert.equal(cursor.closed, true, 'exhausted');
    assert.equal(idOf(cursor.id), '0');
  });

  it('close() completes the subscriber at once, kills after the getMore in flight, then completes', () => {
    const { scheduler, server, cursor } = setup({ count: 100, latency: 10 }, { batchSize: 2 });
    let docs: string[] = [];
    let closing: string[] = [];
    scheduler.run(() => {
      docs = record(scheduler, cursor.pipe(ids));
      closing = record(scheduler, cursor.close(), { at: 15 });
    });
    assert.deepEqual(docs, ['10:0', '10:1', '15:|']);
    // getMore sent at 10 is answered at 20; then killCursors, answered at 30; then close() ends.
    assert.deepEqual(server.timeline(), ['0:find', '10:getMore', '20:killCursors']);
    assert.deepEqual(closing, ['30:undefined', '30:|']);
    assert.equal(cursor.closed, true);
    assert.equal(idOf(cursor.id), '0', 'killed, as the official driver reports it');
    assert.equal(server.openCursors, 0);
    assert.equal(server.checkedOut, 0);
  });

  it('close() ends every live run of the object, each with its own killCursors', () => {
    const { scheduler, server, cursor } = setup({ count: 100, latency: 10 }, { batchSize: 2 });
    const demand = new Subject<number>();
    let a: string[] = [];
    let b: string[] = [];
    let closing: string[] = [];
    scheduler.run(() => {
      // A demand-driven run that has its first batch and asks for nothing more...
      a = record(scheduler, cursor.withDemand(demand).pipe(ids));
      scheduler.schedule(() => demand.next(1), 1);
      // ...and a plain run looping getMores.
      b = record(scheduler, cursor.pipe(ids), { at: 3 });
      closing = record(scheduler, cursor.close(), { at: 30 });
    });
    assert.deepEqual(a, ['11:0', '30:|']);
    assert.deepEqual(b, ['13:0', '13:1', '23:2', '23:3', '30:|']);
    // The idle run is killed at once; the other once its getMore (sent at 23) is answered at 33.
    assert.deepEqual(server.timeline(), [
      '1:find',
      '3:find',
      '13:getMore',
      '23:getMore',
      '30:killCursors',
      '33:killCursors',
    ]);
    assert.deepEqual(closing, ['43:undefined', '43:|'], 'once the last killCursors is answered');
    assert.equal(server.openCursors, 0);
  });

  it('a closed cursor sends nothing when subscribed again, until rewind()', () => {
    const { scheduler, server, cursor } = setup({ count: 3, latency: 1 });
    let closing: string[] = [];
    let again: string[] = [];
    let rewound: string[] = [];
    scheduler.run(() => {
      closing = record(scheduler, cursor.close());
      again = record(scheduler, cursor.pipe(ids), { at: 5 });
      scheduler.schedule(() => cursor.rewind(), 10);
      rewound = record(scheduler, cursor.pipe(ids), { at: 10 });
    });
    assert.deepEqual(closing, ['0:undefined', '0:|'], 'no run: done at once');
    assert.deepEqual(again, ['5:|']);
    assert.deepEqual(rewound, ['11:0', '11:1', '11:2', '11:|']);
    assert.deepEqual(server.timeline(), ['10:find']);
  });

  it('close() is cold, and a clone is a cursor of its own', () => {
    const { scheduler, server, cursor } = setup({ count: 3, latency: 1 });
    const clone = cursor.clone();
    let out: string[] = [];
    scheduler.run(() => {
      cursor.close(); // not subscribed: nothing happens
      record(scheduler, clone.close());
      out = record(scheduler, cursor.pipe(ids), { at: 2 });
    });
    assert.deepEqual(out, ['3:0', '3:1', '3:2', '3:|']);
    assert.deepEqual(server.timeline(), ['2:find']);
    assert.equal(clone.closed, true);
    assert.equal(cursor.closed, true, 'exhausted');
  });

  it('close() ends a pending for-await iteration with done', async () => {
    const scheduler = testScheduler();
    const server = new FakeCursorServer(scheduler, { count: 10, latency: 0 });
    const cursor = findCursor(server.ctx, 'db', 'coll', {}, { batchSize: 2 });
    // Outside scheduler.run the fake answers on real timers (latency 0): no wall-clock bound here.
    const it = cursor[Symbol.asyncIterator]();
    const first = await it.next();
    assert.deepEqual(first, { value: { _id: 0 }, done: false });
    await lastValueFrom(cursor.close());
    assert.equal(cursor.closed, true);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.deepEqual(server.names(), ['find 2', 'killCursors']);
  });
});

describe('change stream close()/closed (marbles)', () => {
  it('close() completes every subscription and kills its cursor', () => {
    const scheduler = testScheduler();
    const server = new FakeChangeStreamServer(scheduler, { defaultAwaitMS: 100 });
    const stream = new ChangeStream({
      ctx: server.ctx,
      dbName: 'db',
      collection: 'coll',
      pipeline: [],
      options: { maxAwaitTimeMS: 100 },
      hooks: {},
      allChangesForCluster: false,
    });
    let events: string[] = [];
    let closing: string[] = [];
    const states: boolean[] = [];
    scheduler.run(() => {
      server.writeAt(20, 'a');
      events = record(scheduler, stream.pipe(map((e: Document) => String(e.documentKey._id))));
      scheduler.schedule(() => states.push(stream.closed), 30);
      closing = record(scheduler, stream.close(), { at: 40 });
      scheduler.schedule(() => states.push(stream.closed), 41);
    });
    assert.deepEqual(events, ['21:a', '40:|']);
    assert.deepEqual(states, [false, true]);
    assert.equal(server.names().at(-1), 'killCursors');
    assert.equal(closing.at(-1)?.endsWith(':|'), true);
    assert.equal(server.openCursors, 0);
  });
});
