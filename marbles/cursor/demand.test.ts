// withDemand, the demand-driving operator, prefetch, async iteration and builders on virtual time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatMap, delay, map, mergeMap, of, Subject, take, timer } from 'rxjs';
import { mergeMapWithDemand } from '../../src/cursor/demand.js';
import { findCursor } from '../../src/cursor/find-cursor.js';
import type { FindOptions } from '../../src/operations/find.js';
import { FakeCursorServer, type FakeCursorServerOptions, record, testScheduler } from './harness.js';

function setup(options: FakeCursorServerOptions, find: FindOptions = {}) {
  const scheduler = testScheduler();
  const server = new FakeCursorServer(scheduler, options);
  const cursor = findCursor<{ _id: number }>(server.ctx, 'db', 'coll', {}, find);
  return { scheduler, server, cursor };
}

const ids = map((d: { _id: number }) => d._id);

describe('cursor demand (marbles)', () => {
  it('withDemand emits no more than requested and fetches only when the buffer cannot cover demand', () => {
    const { scheduler, server, cursor } = setup({ count: 10, latency: 1 }, { batchSize: 4 });
    let out: string[] = [];
    scheduler.run(({ cold }) => {
      // request(2) at 0, request(1) at 10, request(3) at 20, request(4) at 30
      const demand$ = cold('a 9ms b 9ms c 9ms d', { a: 2, b: 1, c: 3, d: 4 });
      out = record(scheduler, cursor.withDemand(demand$).pipe(ids));
    });
    assert.deepEqual(out, [
      '1:0',
      '1:1',
      '10:2',
      '20:3',
      '21:4',
      '21:5',
      '30:6',
      '30:7',
      '31:8',
      '31:9',
      '31:|',
    ]);
    // find at 0; demand 3 at 20 finds 1 buffered: getMore 4; demand 4 at 30 finds 2 buffered: getMore.
    assert.deepEqual(server.timeline(), ['0:find', '20:getMore', '30:getMore']);
    assert.deepEqual(server.names(), ['find 4', 'getMore 4', 'getMore 4']);
  });

  it('withDemand with no demand sends nothing, and a bad request(n) errors', () => {
    const { scheduler, server, cursor } = setup({ count: 10 });
    let none: string[] = [];
    let bad: string[] = [];
    scheduler.run(() => {
      none = record(scheduler, cursor.withDemand(new Subject<number>()), { until: 50 });
      bad = record(scheduler, cursor.withDemand(of(0)));
    });
    assert.deepEqual(none, []);
    assert.deepEqual(bad, ['0:#MongoInvalidArgumentError']);
    assert.deepEqual(server.log, []);
  });

  it('mergeMapWithDemand bounds the documents held to batchSize + concurrency, whatever the consumer speed', () => {
    const { scheduler, server, cursor } = setup({ count: 40, latency: 1 }, { batchSize: 5 });
    let inWork = 0;
    let maxInWork = 0;
    let out: string[] = [];
    scheduler.run(() => {
      const slow = (d: { _id: number }) => {
        inWork++;
        maxInWork = Math.max(maxInWork, inWork);
        return timer(10).pipe(
          map(() => {
            inWork--;
            return d._id;
          }),
        );
      };
      out = record(scheduler, cursor.pipe(mergeMapWithDemand(slow, 2)));
    });
    assert.equal(out.length, 41);
    assert.equal(out.at(-1), '205:|');
    assert.equal(maxInWork, 2);
    // 40 docs in batches of 5: one find and 7 getMores, each sent only when the buffer ran dry.
    assert.deepEqual(server.names(), ['find 5', ...Array(7).fill('getMore 5')]);
    const sent = server.log.map((c) => c.at);
    for (let i = 1; i < sent.length; i++) assert.ok((sent[i] ?? 0) - (sent[i - 1] ?? 0) >= 20);
  });

  it('mergeMapWithDemand on a plain Observable is mergeMap with that concurrency', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('(abc|)');
      const project = (v: string) => of(v.toUpperCase()).pipe(delay(5));
      expectObservable(source.pipe(mergeMapWithDemand(project, 2))).toBe('5ms (AB) 1ms (C|)');
      expectObservable(source.pipe(mergeMap(project, 2))).toBe('5ms (AB) 1ms (C|)');
    });
  });

  it('mergeMapWithDemand with synchronous projections streams everything without deep recursion', () => {
    const { scheduler, server, cursor } = setup({ count: 20_000 }, { batchSize: 1000 });
    let n = 0;
    scheduler.run(() => {
      cursor.pipe(mergeMapWithDemand((d) => of(d), 3)).subscribe(() => n++);
    });
    assert.equal(n, 20_000);
    assert.equal(server.names().length, 20);
  });

  it('prefetch requests batch N+1 when batch N arrives, never more than one batch ahead', () => {
    const { scheduler, server, cursor } = setup({ count: 9, latency: 5 }, { batchSize: 3, prefetch: true });
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.pipe(concatMap((d) => timer(4).pipe(map(() => d._id)))));
    });
    // Batches arrive at 5, 10, 15 (each getMore sent as the previous batch arrives) while the
    // consumer needs 12 ms per batch: it never waits for the network after the first batch.
    assert.deepEqual(server.timeline(), ['0:find', '5:getMore', '10:getMore']);
    assert.deepEqual(out.slice(-2), ['41:8', '41:|']);
  });

  it('a plain subscriber gets each getMore before the previous batch is emitted, from its second batch', () => {
    const { scheduler, server, cursor } = setup({ count: 9, latency: 5 }, { batchSize: 3 });
    // What happened, in order: documents seen by the subscriber and commands sent to the server.
    const order: string[] = [];
    scheduler.run(() => {
      cursor.subscribe((d) => order.push(`doc ${d._id} (${server.log.length} sent)`));
    });
    assert.deepEqual(order, [
      // First batch: emitted before anything else is sent (take(5) would send no getMore).
      'doc 0 (1 sent)',
      'doc 1 (1 sent)',
      'doc 2 (1 sent)',
      // Second batch: the getMore for the third went out as it arrived, before it was emitted.
      'doc 3 (3 sent)',
      'doc 4 (3 sent)',
      'doc 5 (3 sent)',
      'doc 6 (3 sent)',
      'doc 7 (3 sent)',
      'doc 8 (3 sent)',
    ]);
    assert.deepEqual(server.timeline(), ['0:find', '5:getMore', '10:getMore']);
  });

  it('a plain subscriber that stops in its first batch sends no getMore', () => {
    const { scheduler, server, cursor } = setup({ count: 9, latency: 5 }, { batchSize: 3 });
    scheduler.run(() => {
      record(scheduler, cursor.pipe(take(2)));
    });
    assert.deepEqual(server.names(), ['find 3', 'killCursors']);
  });

  it('without prefetch the same consumer waits for each getMore', () => {
    const { scheduler, server, cursor } = setup({ count: 9, latency: 5 }, { batchSize: 3 });
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.withDemand(of(1)).pipe(take(1)));
      out = record(scheduler, cursor.pipe(mergeMapWithDemand((d) => timer(4).pipe(map(() => d._id)), 1)), {
        at: 100,
      });
    });
    assert.deepEqual(out.slice(-2), ['151:8', '151:|']);
    assert.deepEqual(server.names().slice(-3), ['find 3', 'getMore 3', 'getMore 3']);
  });

  it('prefetch with demand keeps at most one batch beyond the outstanding demand', () => {
    const { scheduler, server, cursor } = setup(
      { count: 100, latency: 1 },
      { batchSize: 10, prefetch: true },
    );
    scheduler.run(({ cold }) => {
      record(scheduler, cursor.withDemand(cold('a', { a: 1 })), { until: 50 });
    });
    // One document requested: the first batch and one prefetched batch, then nothing more.
    assert.deepEqual(server.names(), ['find 10', 'getMore 10', 'killCursors']);
  });

  it('async iteration pulls one document per next() and breaking out kills the cursor', async () => {
    const scheduler = testScheduler();
    const server = new FakeCursorServer(scheduler, { count: 10, latency: 0 });
    const cursor = findCursor<{ _id: number }>(server.ctx, 'db', 'coll', {}, { batchSize: 3 });
    const seen: number[] = [];
    // Outside scheduler.run the fake's latency timers run on real time (0 ms here).
    for await (const d of cursor) {
      seen.push(d._id);
      if (d._id === 4) break;
    }
    const all: number[] = [];
    for await (const d of cursor.limit(5)) all.push(d._id);
    assert.deepEqual(all, [0, 1, 2, 3, 4]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.deepEqual(server.names(), [
      'find 3',
      'getMore 3',
      'killCursors',
      'find 3',
      'getMore 2',
      'killCursors',
    ]);
    assert.equal(server.openCursors, 0);
  });

  it('builders return new cursors and leave the original unchanged', () => {
    const { scheduler, server, cursor } = setup({ count: 10 });
    const sorted = cursor.sort({ _id: -1 }).skip(1).limit(3).batchSize(2).project({ _id: 1 });
    const mapped = cursor.map((d) => d._id * 10);
    let a: string[] = [];
    let b: string[] = [];
    let c: string[] = [];
    scheduler.run(() => {
      a = record(scheduler, cursor.toArray().pipe(map((docs) => docs.length)));
      b = record(scheduler, sorted.batches().pipe(map((docs) => docs.length)), { at: 10 });
      c = record(scheduler, mapped.pipe(take(2)), { at: 20 });
    });
    assert.deepEqual(a, ['1:10', '1:|']);
    assert.deepEqual(b, ['11:2', '12:1', '12:|']);
    assert.deepEqual(c, ['21:0', '21:10', '21:|']);
    const { find: _f, filter: _g, ...options } = server.cmd(1);
    assert.deepEqual(options, { sort: { _id: -1 }, skip: 1, limit: 3, batchSize: 2, projection: { _id: 1 } });
    assert.deepEqual(server.cmd(0), { find: 'coll', filter: {} });
  });

  it('a tailable awaitData cursor keeps emitting new documents until unsubscribed', () => {
    const scheduler = testScheduler();
    const server = new FakeCursorServer(scheduler, { count: 2, latency: 10, tailable: true });
    const cursor = findCursor<{ _id: number }>(
      server.ctx,
      'db',
      'coll',
      {},
      {
        tailable: true,
        awaitData: true,
        maxAwaitTimeMS: 10,
      },
    );
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.pipe(ids), { until: 45 });
      scheduler.schedule(() => server.docs.push({ _id: 2 }), 15);
    });
    assert.deepEqual(out, ['10:0', '10:1', '20:2']);
    assert.deepEqual(server.timeline(), [
      '0:find',
      '10:getMore',
      '20:getMore',
      '30:getMore',
      '40:getMore',
      '50:killCursors',
    ]);
    assert.equal(server.cmd(1).maxTimeMS, 10);
  });
});
