// The demand-aware operators for async steps, proven by counting how far ahead of the work the
// cursor has fetched (documents asked of the server minus documents handed to the step), on virtual time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatMap, delay, map, type Observable, type OperatorFunction, of, timer } from 'rxjs';
import {
  batchMapWithDemand,
  concatMapWithDemand,
  exhaustMapWithDemand,
  mergeMapWithDemand,
} from '../../src/cursor/demand.js';
import { findCursor } from '../../src/cursor/find-cursor.js';
import { FakeCursorServer, record, testScheduler } from './harness.js';

const COUNT = 200;
const BATCH = 10;

type Doc = { _id: number };

/**
 * Runs `operator` over a cursor of COUNT documents (batches of BATCH, 1 ms latency) with a step
 * that takes 5 virtual ms; returns the output and the most documents ever fetched ahead of the step.
 */
function measure<R>(operator: (step: (d: Doc) => Observable<number>) => OperatorFunction<Doc, R>) {
  const scheduler = testScheduler();
  const server = new FakeCursorServer(scheduler, { count: COUNT, latency: 1 });
  const cursor = findCursor<Doc>(server.ctx, 'db', 'coll', {}, { batchSize: BATCH });
  const fetched = () =>
    Math.min(COUNT, server.log.filter((c) => c.name === 'find' || c.name === 'getMore').length * BATCH);
  let handed = 0;
  let maxAhead = 0;
  let inWork = 0;
  let maxInWork = 0;
  const step = (d: Doc) => {
    handed++;
    inWork++;
    maxInWork = Math.max(maxInWork, inWork);
    return timer(5).pipe(
      map(() => {
        maxAhead = Math.max(maxAhead, fetched() - handed);
        inWork--;
        return d._id;
      }),
    );
  };
  let out: string[] = [];
  scheduler.run(() => {
    out = record(scheduler, cursor.pipe(operator(step)));
  });
  return { out, maxAhead, maxInWork, server };
}

describe('demand-aware operators (marbles, by counting)', () => {
  it('plain concatMap has no demand channel: the cursor runs to the end ahead of the step', () => {
    const { out, maxAhead } = measure((step) => concatMap(step));
    assert.equal(out.length, COUNT + 1);
    // Everything is fetched while the first documents are still in work.
    assert.ok(maxAhead >= COUNT - BATCH, `ahead ${maxAhead}`);
  });

  it('concatMapWithDemand keeps the cursor within one batch of the step, in order', () => {
    const { out, maxAhead, maxInWork } = measure((step) => concatMapWithDemand(step));
    assert.equal(out.length, COUNT + 1);
    assert.deepEqual(
      out.slice(0, -1).map((e) => Number(e.split(':')[1])),
      Array.from({ length: COUNT }, (_, i) => i),
    );
    assert.ok(maxAhead <= BATCH, `ahead ${maxAhead}`);
    assert.equal(maxInWork, 1);
  });

  it('exhaustMapWithDemand requests only while idle: nothing dropped, within one batch', () => {
    const { out, maxAhead, maxInWork } = measure((step) => exhaustMapWithDemand(step));
    assert.equal(out.length, COUNT + 1);
    assert.ok(maxAhead <= BATCH, `ahead ${maxAhead}`);
    assert.equal(maxInWork, 1);
  });

  it('mergeMapWithDemand(step, 4) keeps four in work and the cursor within a batch plus four', () => {
    const { out, maxAhead, maxInWork } = measure((step) => mergeMapWithDemand(step, 4));
    assert.equal(out.length, COUNT + 1);
    assert.ok(maxAhead <= BATCH + 4, `ahead ${maxAhead}`);
    assert.equal(maxInWork, 4);
  });

  it('batchMapWithDemand(7, ..., 2) hands out batches of 7 (the last shorter), two in work', () => {
    const sizes: number[] = [];
    const { out, maxInWork } = measure((step) =>
      batchMapWithDemand<Doc, number>(
        7,
        (batch) => {
          sizes.push(batch.length);
          // The batch's step: one timer for the whole batch (a bulk insert, say).
          const [first] = batch;
          return step(first as Doc).pipe(map(() => batch.length));
        },
        2,
      ),
    );
    assert.equal(out.length, Math.ceil(COUNT / 7) + 1);
    assert.deepEqual(sizes, [...Array(Math.floor(COUNT / 7)).fill(7), COUNT % 7]);
    assert.equal(maxInWork, 2);
  });

  it('batchMapWithDemand bounds what is fetched to a batch beyond the groups in work', () => {
    const scheduler = testScheduler();
    const server = new FakeCursorServer(scheduler, { count: COUNT, latency: 1 });
    const cursor = findCursor<Doc>(server.ctx, 'db', 'coll', {}, { batchSize: BATCH });
    let received = 0;
    let maxAhead = 0;
    scheduler.run(() => {
      record(
        scheduler,
        cursor.pipe(
          batchMapWithDemand(25, (batch) => {
            received += batch.length;
            const fetched = Math.min(
              COUNT,
              server.log.filter((c) => c.name !== 'killCursors').length * BATCH,
            );
            maxAhead = Math.max(maxAhead, fetched - received);
            return timer(50).pipe(map(() => batch.length));
          }),
        ),
      );
    });
    assert.equal(received, COUNT);
    assert.ok(maxAhead < BATCH, `ahead ${maxAhead}`);
  });

  it('on plain Observables they are the RxJS operators (exhaustMap drops while busy)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a 1ms b 1ms c 5ms d|');
      const slow = (v: string) => of(v.toUpperCase()).pipe(delay(4));
      expectObservable(source.pipe(exhaustMapWithDemand(slow))).toBe('4ms A 9ms (D|)');
      expectObservable(source.pipe(concatMapWithDemand(slow))).toBe('4ms A 3ms B 3ms C 3ms (D|)');
      expectObservable(source.pipe(batchMapWithDemand(2, (b) => of(b.join(''))))).toBe('2ms x 7ms y |', {
        x: 'ab',
        y: 'cd',
      });
    });
  });

  it('refuses a size or concurrency that is not a positive integer', () => {
    assert.throws(() => batchMapWithDemand(0, (b: number[]) => of(b)), /size must be a positive integer/);
    assert.throws(() => batchMapWithDemand(2, (b: number[]) => of(b), 1.5), /concurrency/);
  });
});
