// Wait queue on virtual time: FIFO hand-off, waitQueueTimeoutMS, leaving on unsubscribe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventLog, runPool } from './harness.js';

describe('pool wait queue (marbles)', () => {
  it('serves waiters in the order they arrived, each getting the returned connection', () => {
    runPool({ maxPoolSize: 1 }, {}, (h, { expectObservable }) => {
      expectObservable(h.use(10)).toBe('a 9ms |', { a: 1 });
      // Subscribed at frames 3, 1, 2: served 1, 2, 3 at each check-in.
      expectObservable(h.use(10), '---^').toBe('30ms a 9ms |', { a: 1 });
      expectObservable(h.use(10), '-^').toBe('10ms a 9ms |', { a: 1 });
      expectObservable(h.use(10), '--^').toBe('20ms a 9ms |', { a: 1 });
    });
  });

  it('fails a waiter with MongoWaitQueueTimeoutError after waitQueueTimeoutMS and drops it', () => {
    const h = runPool({ maxPoolSize: 1, waitQueueTimeoutMS: 5 }, {}, (h, { expectObservable }) => {
      expectObservable(h.use(20)).toBe('a 19ms |', { a: 1 });
      expectObservable(h.idOrError(h.pool.checkOut()), '--^').toBe('7ms (e|)', {
        e: 'MongoWaitQueueTimeoutError',
      });
      // A later waiter, within its timeout, still gets the connection when it comes back.
      expectObservable(h.idOrError(h.pool.checkOut()), '16ms ^').toBe('20ms (a|)', { a: 1 });
    });
    assert.deepEqual(eventLog(h, ['connectionCheckOutFailed', 'connectionCheckedOut']), [
      '0 connectionCheckedOut#1',
      '7 connectionCheckOutFailed:timeout',
      '20 connectionCheckedOut#1',
    ]);
    const failed = h.events.find((e) => e.event.name === 'connectionCheckOutFailed')?.event;
    assert.equal(failed && 'durationMS' in failed ? failed.durationMS : undefined, 5);
    assert.equal(h.pool.waitQueueSize, 0);
  });

  it('takes a waiter out of the queue as soon as it unsubscribes', () => {
    const sizes: number[] = [];
    const h = runPool({ maxPoolSize: 1 }, {}, (h, { expectObservable }, scheduler) => {
      expectObservable(h.use(10)).toBe('a 9ms |', { a: 1 });
      expectObservable(h.pool.checkOut(), '-^--!').toBe('');
      expectObservable(h.idOrError(h.pool.checkOut()), '--^').toBe('10ms (a|)', { a: 1 });
      for (const t of [3, 5]) scheduler.schedule(() => sizes.push(h.pool.waitQueueSize), t);
    });
    assert.deepEqual(sizes, [2, 1]);
    // Leaving is not a failed check-out: no event for the waiter that left.
    assert.deepEqual(eventLog(h, ['connectionCheckOutFailed']), []);
  });
});
