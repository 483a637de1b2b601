// Establishment and check-out bounds on virtual time: connectTimeoutMS whatever the factory does,
// the caller's deadline (CSOT) on top of waitQueueTimeoutMS, and backpressure labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchError, map, of } from 'rxjs';
import { MongoError } from '../../src/errors.js';
import type { ConnectionErrorContext } from '../../src/pool/options.js';
import { eventLog, runPool } from './harness.js';

const labelsOf = (e: unknown) => (e instanceof MongoError ? [...e.errorLabels].join(',') : '');

describe('pool establishment bounds (marbles)', () => {
  it('a connection that never finishes its handshake fails at connectTimeoutMS, labelled for backpressure', () => {
    const reported: string[] = [];
    const onError = (e: unknown, ctx: ConnectionErrorContext) =>
      reported.push(`${ctx.phase} ${(e as Error).name} ${labelsOf(e)}`);
    const h = runPool(
      { connectTimeoutMS: 100, onError },
      { delayMS: () => 1_000_000 },
      (h, { expectObservable }) => {
        expectObservable(
          h.pool.checkOut().pipe(
            map((c) => `#${c.id}`),
            catchError((e: Error) => of(`${e.name} ${labelsOf(e)}`)),
          ),
        ).toBe('100ms (e|)', { e: 'MongoNetworkTimeoutError SystemOverloadedError,RetryableError' });
      },
    );
    assert.deepEqual(reported, ['connect MongoNetworkTimeoutError SystemOverloadedError,RetryableError']);
    assert.deepEqual(eventLog(h, ['connectionClosed', 'connectionCheckOutFailed']), [
      '100 connectionClosed#1:error',
      '100 connectionCheckOutFailed:connectionError',
    ]);
    assert.equal(h.pool.totalConnectionCount, 0);
  });

  it('a check-out deadline ends the wait during establishment; the connection then serves the next check-out', () => {
    const h = runPool({}, { delayMS: () => 50 }, (h, { expectObservable }) => {
      expectObservable(h.idOrError(h.pool.checkOut({ deadline: 30 }))).toBe('30ms (e|)', {
        e: 'MongoWaitQueueTimeoutError',
      });
      // Established at 50 for nobody: available, so this check-out gets it without a new one.
      expectObservable(h.idOrError(h.pool.checkOut()), '60ms ^').toBe('60ms (a|)', { a: 1 });
    });
    assert.deepEqual(eventLog(h, ['connectionCreated', 'connectionReady', 'connectionCheckOutFailed']), [
      '0 connectionCreated#1',
      '30 connectionCheckOutFailed:timeout',
      '50 connectionReady#1',
    ]);
  });

  it('a check-out deadline shorter than waitQueueTimeoutMS ends the wait in the queue', () => {
    runPool({ maxPoolSize: 1, waitQueueTimeoutMS: 500 }, {}, (h, { expectObservable }) => {
      expectObservable(h.use(100)).toBe('a 99ms |', { a: 1 });
      expectObservable(h.idOrError(h.pool.checkOut({ deadline: 40 })), '10ms ^').toBe('40ms (e|)', {
        e: 'MongoWaitQueueTimeoutError',
      });
    });
  });

  it('an error in the authentication step is reported as such and gets no backpressure labels', () => {
    const reported: string[] = [];
    const onError = (e: unknown, ctx: ConnectionErrorContext) => reported.push(`${ctx.phase} ${labelsOf(e)}`);
    runPool(
      { connectTimeoutMS: 100, onError },
      { delayMS: () => 1_000_000, authenticateAt: 20 },
      (h, { expectObservable }) => {
        expectObservable(h.idOrError(h.pool.checkOut())).toBe('100ms (e|)', {
          e: 'MongoNetworkTimeoutError',
        });
      },
    );
    assert.deepEqual(reported, ['auth ']);
  });
});
