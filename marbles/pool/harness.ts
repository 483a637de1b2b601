// Shared set-up for pool marble tests: a pool on the TestScheduler with fake connections.
import assert from 'node:assert/strict';
import { catchError, concat, ignoreElements, map, type Observable, of, timer } from 'rxjs';
import { type RunHelpers, TestScheduler } from 'rxjs/testing';
import { type FakeFactoryOptions, fakeFactory } from '../../spec/pool/fakes.js';
import { EventBus } from '../../src/events/bus.js';
import type { CmapEvent } from '../../src/events/types.js';
import { ConnectionPool, type PoolInit } from '../../src/pool/pool.js';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

export interface Harness {
  readonly pool: ConnectionPool;
  /** Every CMAP event with the virtual time it was emitted at. */
  readonly events: { at: number; event: CmapEvent }[];
  /** Check out, emit the connection id, hold it for `holdMS`, then give it back. */
  use(holdMS: number): Observable<number>;
  /** Check out and emit the connection id, or the error's class name. */
  idOrError(source: Observable<{ id: number }>): Observable<number | string>;
}

/** Builds a ready pool at address "a:1"; call inside `scheduler.run`. */
export function harness(
  scheduler: TestScheduler,
  options: Omit<PoolInit, 'address'>,
  factoryOptions: Omit<FakeFactoryOptions, 'address' | 'scheduler'> = {},
): Harness {
  const bus = new EventBus();
  const events: { at: number; event: CmapEvent }[] = [];
  bus.events$.subscribe((e) => events.push({ at: scheduler.now(), event: e as CmapEvent }));
  const factory = fakeFactory({ address: 'a:1', scheduler, ...factoryOptions });
  const pool = new ConnectionPool({ address: 'a:1', ...options }, factory, bus, scheduler);
  pool.ready();
  return {
    pool,
    events,
    use: (holdMS) =>
      pool.withConnection((c) => concat(of(c.id), timer(holdMS, scheduler).pipe(ignoreElements()))),
    idOrError: (source) =>
      source.pipe(
        map((c) => c.id),
        catchError((e: unknown) => of((e as Error).constructor.name)),
      ),
  };
}

/** Names (with reason) of the events of the given kinds, in order. */
export function eventLog(h: Harness, names: readonly string[]): string[] {
  return h.events
    .filter(({ event }) => names.includes(event.name))
    .map(({ at, event }) => {
      const id = 'connectionId' in event ? `#${event.connectionId}` : '';
      const reason = 'reason' in event ? `:${event.reason}` : '';
      return `${at} ${event.name}${id}${reason}`;
    });
}

/** Runs `body` in `TestScheduler.run` against a fresh ready pool; returns the harness to inspect after. */
export function runPool(
  options: Omit<PoolInit, 'address'>,
  factoryOptions: Omit<FakeFactoryOptions, 'address' | 'scheduler'>,
  body: (h: Harness, helpers: RunHelpers, scheduler: TestScheduler) => void,
): Harness {
  const scheduler = testScheduler();
  let h: Harness | undefined;
  scheduler.run((helpers) => {
    h = harness(scheduler, options, factoryOptions);
    body(h, helpers, scheduler);
  });
  assert.ok(h);
  return h;
}
