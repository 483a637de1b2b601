// maxConnecting on virtual time: at most N establishments at once, returned connections first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventLog, type Harness, runPool } from './harness.js';

/** Highest number of connections pending at once, replayed from Created/Ready/Closed events. */
function maxPending(h: Harness): number {
  const pending = new Set<number>();
  let max = 0;
  for (const { event } of h.events) {
    if (event.name === 'connectionCreated') pending.add(event.connectionId);
    if (event.name === 'connectionReady' || event.name === 'connectionClosed')
      pending.delete(event.connectionId);
    max = Math.max(max, pending.size);
  }
  return max;
}

const tenMS = { delayMS: () => 10 };

describe('pool maxConnecting (marbles)', () => {
  it('establishes at most maxConnecting connections at a time', () => {
    const h = runPool({ maxConnecting: 2 }, tenMS, (h, { expectObservable }) => {
      expectObservable(h.use(100)).toBe('10ms a 99ms |', { a: 1 });
      expectObservable(h.use(100)).toBe('10ms a 99ms |', { a: 2 });
      expectObservable(h.use(100)).toBe('20ms a 99ms |', { a: 3 });
      expectObservable(h.use(100)).toBe('20ms a 99ms |', { a: 4 });
    });
    assert.equal(maxPending(h), 2);
    assert.deepEqual(eventLog(h, ['connectionCreated']), [
      '0 connectionCreated#1',
      '0 connectionCreated#2',
      '10 connectionCreated#3',
      '10 connectionCreated#4',
    ]);
  });

  it('gives a waiter blocked by maxConnecting a connection returned meanwhile', () => {
    const h = runPool({ maxConnecting: 1 }, tenMS, (h, { expectObservable }) => {
      expectObservable(h.use(2)).toBe('10ms a - |', { a: 1 });
      // At 11 the first one starts connection 2; the second waits and gets connection 1 back at 12.
      expectObservable(h.use(5), '11ms ^').toBe('21ms a 4ms |', { a: 2 });
      expectObservable(h.use(5), '11ms ^').toBe('12ms a 4ms |', { a: 1 });
    });
    assert.equal(maxPending(h), 1);
  });

  it('lets a connection whose check-out gave up serve the next waiter instead of starting another', () => {
    const h = runPool({ maxConnecting: 1 }, tenMS, (h, { expectObservable }) => {
      expectObservable(h.pool.checkOut(), '^----!').toBe('');
      expectObservable(h.idOrError(h.pool.checkOut()), '-^').toBe('10ms (a|)', { a: 1 });
    });
    assert.deepEqual(eventLog(h, ['connectionCreated', 'connectionCheckedOut']), [
      '0 connectionCreated#1',
      '10 connectionCheckedOut#1',
    ]);
  });

  it('fills minPoolSize in the background, maxConnecting at a time, and hands those to waiters', () => {
    const h = runPool({ minPoolSize: 3, maxConnecting: 2 }, tenMS, (h, { expectObservable }) => {
      expectObservable(h.idOrError(h.pool.checkOut()), '-^').toBe('10ms (a|)', { a: 1 });
      expectObservable(h.idOrError(h.pool.checkOut()), '-^').toBe('10ms (a|)', { a: 2 });
    });
    assert.deepEqual(eventLog(h, ['connectionCreated']), [
      '0 connectionCreated#1',
      '0 connectionCreated#2',
      '10 connectionCreated#3',
    ]);
  });
});
