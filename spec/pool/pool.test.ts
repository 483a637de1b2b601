// ConnectionPool unit tests beyond the cmap-format JSON: withConnection, check-in rules, close,
// load-balanced clears, background population, idle expiry, options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEVER, Observable, of, throwError } from 'rxjs';
import type { Connection } from '../../src/connection/types.js';
import {
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoPoolClearedError,
  MongoPoolClosedError,
  MongoServerError,
} from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import type { CmapEvent } from '../../src/events/types.js';
import { ConnectionPool, type PoolInit } from '../../src/pool/pool.js';
import { type FakeFactoryOptions, fakeFactory } from './fakes.js';
import { VirtualClock } from './virtual-clock.js';

function setup(
  options: Omit<PoolInit, 'address'> = {},
  factory: Omit<FakeFactoryOptions, 'address' | 'scheduler'> = {},
) {
  const clock = new VirtualClock();
  const bus = new EventBus();
  const events: CmapEvent[] = [];
  bus.events$.subscribe((e) => events.push(e as CmapEvent));
  const made = fakeFactory({ address: 'h:1', scheduler: clock.scheduler, ...factory });
  const pool = new ConnectionPool({ address: 'h:1', ...options }, made, bus, clock.scheduler);
  const log = (...names: string[]) =>
    events
      .filter((e) => names.includes(e.name))
      .map(
        (e) =>
          `${e.name}${'connectionId' in e ? `#${e.connectionId}` : ''}${'reason' in e ? `:${e.reason}` : ''}`,
      );
  /** Checks out on virtual time and returns the connection. */
  const take = (): Connection => {
    let conn: Connection | undefined;
    let error: unknown;
    pool.checkOut().subscribe({ next: (c) => (conn = c), error: (e: unknown) => (error = e) });
    clock.runUntil(() => conn !== undefined || error !== undefined, clock.now() + 1000);
    if (error !== undefined) throw error;
    assert.ok(conn);
    return conn;
  };
  return { clock, pool, events, log, take, factory: made };
}

/** Subscribes and runs virtual time until the Observable settles; returns what happened. */
function settle<T>(
  clock: VirtualClock,
  source: Observable<T>,
): { values: T[]; error: unknown; done: boolean } {
  const out = { values: [] as T[], error: undefined as unknown, done: false };
  source.subscribe({
    next: (v) => out.values.push(v),
    error: (e: unknown) => {
      out.error = e;
      out.done = true;
    },
    complete: () => (out.done = true),
  });
  clock.runUntil(() => out.done, clock.now() + 10_000);
  return out;
}

describe('ConnectionPool.withConnection', () => {
  it('checks the connection back in when the work completes, before downstream sees completion', () => {
    const { pool, log, clock } = setup();
    pool.ready();
    let availableAtComplete = -1;
    const r = settle(
      clock,
      new Observable<number>((s) =>
        pool
          .withConnection((c) => of(c.id))
          .subscribe({
            next: (v) => s.next(v),
            complete: () => {
              availableAtComplete = pool.availableConnectionCount;
              s.complete();
            },
          }),
      ),
    );
    assert.deepEqual(r.values, [1]);
    assert.equal(availableAtComplete, 1);
    assert.deepEqual(log('connectionCheckedOut', 'connectionCheckedIn'), [
      'connectionCheckedOut#1',
      'connectionCheckedIn#1',
    ]);
  });

  it('checks in on a server error and on unsubscribe', () => {
    const { pool, clock } = setup();
    pool.ready();
    const r = settle(
      clock,
      pool.withConnection(() => throwError(() => new MongoServerError({ ok: 0, code: 2, errmsg: 'bad' }))),
    );
    assert.ok(r.error instanceof MongoServerError);
    assert.equal(pool.availableConnectionCount, 1);
    const sub = pool.withConnection(() => NEVER).subscribe();
    clock.advanceBy(1);
    assert.equal(pool.availableConnectionCount, 0);
    sub.unsubscribe();
    assert.equal(pool.availableConnectionCount, 1);
    assert.equal(pool.totalConnectionCount, 1);
  });

  it('closes the connection on a network error and reports it before check-in and downstream', () => {
    const seen: string[] = [];
    const { pool, clock, log } = setup({
      onError: (e, ctx) =>
        seen.push(
          `hook ${ctx.phase} gen ${ctx.generation} ${(e as Error).message} checkedIn=${log('connectionCheckedIn').length}`,
        ),
    });
    pool.ready();
    const failure = new MongoNetworkError('reset');
    const r = settle(
      clock,
      new Observable<never>((s) =>
        pool
          .withConnection(() => throwError(() => failure))
          .subscribe({
            error: (e: unknown) => {
              seen.push(`downstream ${(e as Error).message}`);
              s.error(e);
            },
          }),
      ),
    );
    assert.equal(r.error, failure);
    assert.deepEqual(seen, ['hook command gen 0 reset checkedIn=0', 'downstream reset']);
    assert.deepEqual(log('connectionCheckedIn', 'connectionClosed'), [
      'connectionCheckedIn#1',
      'connectionClosed#1:error',
    ]);
    assert.equal(pool.totalConnectionCount, 0);
  });

  it('a check-out failing does not run the work nor the error hook', () => {
    const hooks: unknown[] = [];
    const { pool, clock } = setup({ onError: (e) => hooks.push(e) });
    let ran = false;
    const r = settle(
      clock,
      pool.withConnection(() => {
        ran = true;
        return of(1);
      }),
    );
    assert.ok(r.error instanceof MongoPoolClearedError, 'paused pool');
    assert.equal(ran, false);
    assert.deepEqual(hooks, []);
  });
});

describe('ConnectionPool check-out and check-in', () => {
  it('rejects checking in a connection it did not hand out, or twice', () => {
    const { pool, take } = setup();
    pool.ready();
    const conn = take();
    pool.checkIn(conn);
    assert.throws(() => pool.checkIn(conn), MongoInvalidArgumentError);
    const other = setup();
    other.pool.ready();
    assert.throws(() => pool.checkIn(other.take()), MongoInvalidArgumentError);
  });

  it('closes a checked-in connection that was closed meanwhile (reason error) and skips closed available ones', () => {
    const { pool, take, log } = setup();
    pool.ready();
    const a = take();
    a.close();
    pool.checkIn(a);
    const b = take();
    pool.checkIn(b);
    b.close();
    assert.equal(take().id, 3);
    assert.deepEqual(log('connectionClosed'), ['connectionClosed#1:error', 'connectionClosed#2:error']);
  });

  it('fails a check-out whose establishment fails with connectionError, after telling SDAM (with backpressure labels)', () => {
    const order: string[] = [];
    const failure = new MongoNetworkError('refused', { beforeHandshake: true });
    const { pool, events, take } = setup(
      {
        onError: (e, ctx) =>
          order.push(`sdam ${ctx.phase} ${(e as Error).message} ${[...failure.errorLabels].join(',')}`),
      },
      { failWith: (id) => (id === 1 ? failure : undefined) },
    );
    events.length = 0;
    pool.ready();
    assert.throws(
      () => take(),
      (e) => e === failure,
    );
    const failed = events.find((e) => e.name === 'connectionCheckOutFailed');
    assert.equal(failed && 'reason' in failed ? failed.reason : undefined, 'connectionError');
    assert.deepEqual(order, ['sdam connect refused SystemOverloadedError,RetryableError']);
    assert.equal(take().id, 2, 'the next check-out establishes a new connection');
    assert.equal(pool.totalConnectionCount, 1);
  });

  it('closes available connections idle for maxIdleTimeMS (reason idle)', () => {
    const { pool, take, clock, log } = setup({ maxIdleTimeMS: 50 });
    pool.ready();
    pool.checkIn(take());
    clock.advanceBy(49);
    assert.equal(pool.availableConnectionCount, 1);
    clock.advanceBy(1);
    assert.equal(pool.availableConnectionCount, 0);
    assert.deepEqual(log('connectionClosed'), ['connectionClosed#1:idle']);
    assert.equal(clock.scheduler.actions.length, 0, 'no timer left once nothing is idle');
  });
});

describe('ConnectionPool close', () => {
  it('fails waiters, aborts establishments, closes available ones, and leaves no timer behind', () => {
    const { pool, take, clock, log, events } = setup(
      { maxPoolSize: 2, waitQueueTimeoutMS: 1000, maxIdleTimeMS: 500, minPoolSize: 1 },
      { delayMS: (id) => (id === 1 ? 0 : 100) },
    );
    pool.ready();
    const inUse = take();
    const errors: unknown[] = [];
    for (let i = 0; i < 2; i++) pool.checkOut().subscribe({ error: (e: unknown) => errors.push(e) });
    assert.equal(pool.pendingConnectionCount, 1);
    assert.equal(pool.waitQueueSize, 1);
    events.length = 0;
    pool.close();
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e instanceof MongoPoolClosedError));
    assert.deepEqual(log('connectionCheckOutFailed', 'connectionClosed', 'connectionPoolClosed'), [
      'connectionCheckOutFailed:poolClosed',
      'connectionClosed#2:poolClosed',
      'connectionCheckOutFailed:poolClosed',
      'connectionPoolClosed',
    ]);
    pool.checkIn(inUse);
    assert.deepEqual(log('connectionClosed').at(-1), 'connectionClosed#1:poolClosed');
    assert.equal(pool.totalConnectionCount, 0);
    assert.equal(clock.scheduler.actions.length, 0, 'no timers after close');
    assert.throws(() => take(), MongoPoolClosedError);
    pool.ready();
    assert.equal(pool.state, 'closed', 'a closed pool stays closed');
  });
});

describe('ConnectionPool background population', () => {
  it('retries minPoolSize population after backgroundRetryMS when nothing clears the pool', () => {
    let failures = 2;
    const { pool, clock, factory } = setup(
      { minPoolSize: 1, backgroundRetryMS: 100 },
      { failWith: () => (failures-- > 0 ? new MongoNetworkError('down') : undefined) },
    );
    pool.ready();
    clock.advanceBy(0);
    assert.equal(factory.attempts.length, 1);
    clock.advanceBy(99);
    assert.equal(factory.attempts.length, 1);
    clock.advanceBy(1);
    assert.equal(factory.attempts.length, 2);
    clock.advanceBy(100);
    assert.equal(pool.availableConnectionCount, 1);
    clock.advanceBy(1000);
    assert.equal(factory.attempts.length, 3, 'no more once minPoolSize is met');
    pool.close();
  });

  it('does not populate while paused', () => {
    const { pool, clock, factory } = setup({ minPoolSize: 2 });
    clock.advanceBy(100);
    assert.equal(factory.attempts.length, 0);
    pool.ready();
    clock.advanceBy(0);
    assert.equal(pool.availableConnectionCount, 2);
  });
});

describe('ConnectionPool load-balanced mode', () => {
  it('clears one service without pausing: only its connections go stale', () => {
    const services = ['s1', 's2'];
    const { pool, take, events, log } = setup(
      { loadBalanced: true },
      { hello: (id) => ({ ok: 1, serviceId: services[(id - 1) % 2] }) },
    );
    pool.ready();
    const a = take();
    const b = take();
    pool.checkIn(a);
    pool.checkIn(b);
    pool.clear({ serviceId: 's1' });
    assert.equal(pool.state, 'ready');
    const cleared = events.find((e) => e.name === 'connectionPoolCleared');
    assert.equal(cleared && 'serviceId' in cleared ? cleared.serviceId : undefined, 's1');
    const next = take();
    assert.equal(next.id, 2, 'the s2 connection is still good');
    assert.equal(take().id, 3, 'the s1 one was closed');
    assert.deepEqual(log('connectionClosed'), ['connectionClosed#1:stale']);
    assert.equal(pool.generationOf(next), 0);
  });
});

describe('ConnectionPool pinning (load-balanced mode)', () => {
  it('reports each pin with the counts in use, and what a connection was pinned to at check-in', () => {
    const { pool, take, events } = setup(
      { loadBalanced: true },
      { hello: () => ({ ok: 1, serviceId: 's' }) },
    );
    pool.ready();
    const a = take();
    const b = take();
    const c = take();
    pool.pin(a, 'cursor');
    pool.pin(b, 'transaction');
    pool.pin(a, 'cursor');
    const pinned = events.filter((e) => e.name === 'connectionPinned');
    assert.deepEqual(
      pinned.map((e) => [e.connectionId, e.pinnedTo, e.inUse]),
      [
        [a.id, 'cursor', { cursor: 1, transaction: 0, other: 2 }],
        [b.id, 'transaction', { cursor: 1, transaction: 1, other: 1 }],
        [a.id, 'cursor', { cursor: 1, transaction: 1, other: 1 }],
      ],
    );
    pool.checkIn(a);
    pool.checkIn(b);
    pool.checkIn(c);
    const checkedIn = events.filter((e) => e.name === 'connectionCheckedIn');
    assert.deepEqual(
      checkedIn.map((e) => [e.connectionId, e.pinnedTo]),
      [
        [a.id, 'cursor'],
        [b.id, 'transaction'],
        [c.id, undefined],
      ],
    );
    const again = take();
    pool.checkIn(again);
    assert.equal(
      events.filter((e) => e.name === 'connectionCheckedIn').at(-1)?.pinnedTo,
      undefined,
      'unpinned at check-in',
    );
  });

  it('a connection that is not checked out is not pinned and reports nothing', () => {
    const { pool, take, events } = setup(
      { loadBalanced: true },
      { hello: () => ({ ok: 1, serviceId: 's' }) },
    );
    pool.ready();
    const a = take();
    pool.checkIn(a);
    pool.pin(a, 'cursor');
    assert.equal(events.filter((e) => e.name === 'connectionPinned').length, 0);
  });
});

describe('pool options', () => {
  it('applies the spec defaults and rejects invalid values', () => {
    const { pool } = setup();
    assert.deepEqual(
      {
        maxPoolSize: pool.options.maxPoolSize,
        minPoolSize: pool.options.minPoolSize,
        maxConnecting: pool.options.maxConnecting,
      },
      { maxPoolSize: 100, minPoolSize: 0, maxConnecting: 2 },
    );
    assert.throws(() => setup({ maxConnecting: 0 }), MongoInvalidArgumentError);
    assert.throws(() => setup({ minPoolSize: 5, maxPoolSize: 2 }), MongoInvalidArgumentError);
    assert.throws(() => setup({ waitQueueTimeoutMS: -1 }), MongoInvalidArgumentError);
    setup({ minPoolSize: 5, maxPoolSize: 0 });
  });
});
