// Connections on virtual time: a MockTransport for the socket, a counting scheduler for timers.
import assert from 'node:assert/strict';
import { catchError, map, type Observable, of, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { MockTransport, type MockTransportOptions } from '../../spec/support/mock-transport.js';
import { type ConnectOptions, connect } from '../../src/connection/connect.js';
import type { SocketConnection } from '../../src/connection/socket-connection.js';
import { MongoNetworkError } from '../../src/errors.js';

export {
  countingScheduler,
  isHello,
  type MockAnswer,
  type MockScript,
  MockTransport,
} from '../../spec/support/mock-transport.js';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** Opens a connection through `transport` on `scheduler` (connectTimeoutMS 1000 unless given). */
export function openConnection(
  scheduler: SchedulerLike,
  transport: MockTransport,
  extra: Partial<ConnectOptions> & { connectTimeoutMS?: number } = {},
): Observable<SocketConnection> {
  const { connectTimeoutMS = 1000, ...rest } = extra;
  return connect(
    {
      target: { host: 'mock', port: 27017 },
      socket: { connectTimeoutMS },
      metadata: { driver: { name: 'mongorx-marbles', version: '0' } },
      transport,
      scheduler,
      ...rest,
    },
    { id: 1, generation: 0 },
  );
}

/** A transport on `scheduler` with these options. */
export function mockTransport(scheduler: SchedulerLike, options: MockTransportOptions = {}): MockTransport {
  return new MockTransport(scheduler, options);
}

/** The name of an error, plus `+beforeHandshake` for network errors flagged so. */
export function errorName(e: unknown): string {
  if (!(e instanceof Error)) return `non-error ${String(e)}`;
  return e instanceof MongoNetworkError && e.beforeHandshake ? `${e.name}+beforeHandshake` : e.name;
}

/** Values as `f` shows them, and an error as a last value: its name (marbles compare plain values). */
export function outcome<T>(source: Observable<T>, f: (value: T) => unknown = (v) => v): Observable<unknown> {
  return source.pipe(
    map(f),
    catchError((e: unknown) => of(errorName(e))),
  );
}
