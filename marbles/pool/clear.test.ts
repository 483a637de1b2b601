// Clearing on virtual time: waiters fail at once, stale connections close, check-outs resume on ready.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchError, NEVER, of } from 'rxjs';
import { isNetworkError, MongoPoolClearedError } from '../../src/errors.js';
import { eventLog, runPool } from './harness.js';

const cleared = { e: 'MongoPoolClearedError' };

describe('pool clear (marbles)', () => {
  it('fails waiters with MongoPoolClearedError, closes stale connections, and serves new ones after ready', () => {
    const h = runPool({ maxPoolSize: 1 }, {}, (h, { expectObservable }, scheduler) => {
      const { pool } = h;
      scheduler.schedule(() => pool.clear(), 5);
      scheduler.schedule(() => pool.ready(), 8);
      expectObservable(h.use(10)).toBe('a 9ms |', { a: 1 });
      expectObservable(h.idOrError(pool.checkOut()), '--^').toBe('5ms (e|)', cleared);
      // Paused between clear and ready: check-outs fail at once.
      expectObservable(h.idOrError(pool.checkOut()), '6ms ^').toBe('6ms (e|)', cleared);
      // Ready again, but the only slot is held until 10; then the stale connection closes and a new one comes.
      expectObservable(h.use(1), '9ms ^').toBe('10ms a |', { a: 2 });
    });
    assert.deepEqual(eventLog(h, ['connectionPoolCleared', 'connectionClosed', 'connectionCheckOutFailed']), [
      '5 connectionPoolCleared',
      '5 connectionCheckOutFailed:connectionError',
      '6 connectionCheckOutFailed:connectionError',
      '10 connectionClosed#1:stale',
    ]);
  });

  it('closes stale available connections in the run right after the clear', () => {
    const h = runPool({}, {}, (h, { expectObservable }, scheduler) => {
      expectObservable(h.use(2)).toBe('a - |', { a: 1 });
      scheduler.schedule(() => h.pool.clear(), 4);
    });
    assert.deepEqual(eventLog(h, ['connectionClosed']), ['4 connectionClosed#1:stale']);
    assert.equal(h.pool.totalConnectionCount, 0);
  });

  it('with interruptInUseConnections fails the in-use operation with a retryable pool-cleared error', () => {
    const reported: unknown[] = [];
    // Commands never answer: only the interrupt ends them.
    const options = { onError: (e: unknown) => reported.push(e) };
    const h = runPool(options, { reply: () => NEVER }, (h, { expectObservable }, scheduler) => {
      scheduler.schedule(() => h.pool.clear({ interruptInUseConnections: true }), 3);
      const op = h.pool.withConnection((conn) => conn.command('admin', { ping: 1 }));
      expectObservable(op.pipe(catchError((e: Error) => of(`${e.name}: ${e.message}`)))).toBe('3ms (e|)', {
        e: 'MongoPoolClearedError: Connection to a:1 interrupted due to server monitor timeout',
      });
    });
    assert.deepEqual(reported, [], 'an interrupt is not reported as a network error');
    assert.deepEqual(eventLog(h, ['connectionClosed']), ['3 connectionClosed#1:stale']);
    assert.ok(isNetworkError(new MongoPoolClearedError('x')), 'retryable: a network error');
  });
});
