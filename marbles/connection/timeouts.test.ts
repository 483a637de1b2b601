// socketTimeoutMS and connectTimeoutMS on virtual time: each fires after exactly N ms, and no
// timer is left once the work is done.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { map, switchMap, tap } from 'rxjs';
import type { AuthProvider } from '../../src/connection/auth/provider.js';
import type { SocketConnection } from '../../src/connection/socket-connection.js';
import {
  countingScheduler,
  isHello,
  type MockAnswer,
  type MockScript,
  mockTransport,
  openConnection,
  outcome,
  testScheduler,
} from './harness.js';

const TIMEOUT = 'MongoNetworkTimeoutError';
const TIMEOUT_BEFORE_HANDSHAKE = 'MongoNetworkTimeoutError+beforeHandshake';

/** hello answered after 5 virtual ms; `slow` answered per `answers`; everything else at once. */
function script(answers: readonly MockAnswer[]): MockScript {
  return (r) =>
    r.commandName === 'slow'
      ? answers
      : isHello(r)
        ? [{ afterMS: 5, reply: { ok: 1, maxWireVersion: 21 } }]
        : undefined;
}

describe('socketTimeoutMS (marbles)', () => {
  for (const n of [1, 100, 2500]) {
    it(`fails a command with MongoNetworkTimeoutError exactly ${n} ms after it was sent`, () => {
      const ts = testScheduler();
      let conn: SocketConnection | undefined;
      const clock = countingScheduler(ts);
      const transport = mockTransport(clock, { script: script([]) });
      ts.run(({ expectObservable }) => {
        const result = openConnection(clock, transport).pipe(
          tap((c) => {
            conn = c;
          }),
          switchMap((c) => c.command('admin', { slow: 1 }, { socketTimeoutMS: n })),
        );
        // Connected at 0, hello answered at 5, `slow` sent at 5.
        expectObservable(outcome(result)).toBe(`${5 + n}ms (e|)`, { e: TIMEOUT });
      });
      assert.equal(conn?.closed, true, 'a timed-out connection is closed');
      assert.equal(transport.last.destroyed, true);
      assert.equal(clock.pending, 0, 'no timer left');
    });
  }

  it('does not fire when the reply comes 1 ms before the limit, and leaves no timer', () => {
    const ts = testScheduler();
    const clock = countingScheduler(ts);
    const transport = mockTransport(clock, { script: script([{ afterMS: 99, reply: { ok: 1, v: 'x' } }]) });
    let conn: SocketConnection | undefined;
    ts.run(({ expectObservable }) => {
      const result = openConnection(clock, transport).pipe(
        tap((c) => {
          conn = c;
        }),
        switchMap((c) => c.command('admin', { slow: 1 }, { socketTimeoutMS: 100 })),
      );
      expectObservable(outcome(result, (r) => r.v)).toBe('104ms (a|)', { a: 'x' });
    });
    assert.equal(conn?.closed, false);
    assert.equal(clock.pending, 0, 'no timer left');
  });

  it('restarts for each exhaust reply', () => {
    const ts = testScheduler();
    const clock = countingScheduler(ts);
    const transport = mockTransport(clock, {
      script: script([
        { afterMS: 60, reply: { ok: 1, n: 1 }, moreToCome: true },
        { afterMS: 120, reply: { ok: 1, n: 2 }, moreToCome: true },
      ]),
    });
    ts.run(({ expectObservable }) => {
      const result = openConnection(clock, transport).pipe(
        switchMap((c) => c.command('admin', { slow: 1 }, { socketTimeoutMS: 100, exhaustAllowed: true })),
      );
      // Sent at 5: replies at 65 and 125; nothing within 100 ms of the second one.
      expectObservable(outcome(result, (r) => r.n)).toBe('65ms a 59ms b 99ms (e|)', {
        a: 1,
        b: 2,
        e: TIMEOUT,
      });
    });
    assert.equal(clock.pending, 0);
  });

  it('is off with 0: a command waits as long as it takes', () => {
    const ts = testScheduler();
    const clock = countingScheduler(ts);
    const transport = mockTransport(clock, { script: script([{ afterMS: 1_000_000, reply: { ok: 1 } }]) });
    ts.run(({ expectObservable }) => {
      const result = openConnection(clock, transport).pipe(
        switchMap((c) => c.command('admin', { slow: 1 }, { socketTimeoutMS: 0 })),
      );
      expectObservable(outcome(result, (r) => r.ok)).toBe('1000005ms (a|)', { a: 1 });
    });
    assert.equal(clock.pending, 0);
  });
});

describe('connectTimeoutMS (marbles)', () => {
  it('fails opening the socket after exactly N ms, before the handshake, and abandons the attempt', () => {
    const ts = testScheduler();
    const clock = countingScheduler(ts);
    const transport = mockTransport(clock, { connectMS: 'never' });
    ts.run(({ expectObservable }) => {
      expectObservable(outcome(openConnection(clock, transport, { connectTimeoutMS: 250 }))).toBe(
        '250ms (e|)',
        { e: TIMEOUT_BEFORE_HANDSHAKE },
      );
    });
    assert.equal(transport.attempts, 1);
    assert.equal(transport.abandoned, 1);
    assert.equal(clock.pending, 0);
  });

  it('connects when the socket opens at N - 1 ms', () => {
    const ts = testScheduler();
    const clock = countingScheduler(ts);
    const transport = mockTransport(clock, { connectMS: 249 });
    ts.run(({ expectObservable }) => {
      expectObservable(
        outcome(openConnection(clock, transport, { connectTimeoutMS: 250 }), (c) => c.id),
      ).toBe('249ms (a|)', { a: 1 });
    });
    assert.equal(clock.pending, 0, 'no timer left after connecting');
  });

  it('bounds the hello of the handshake by N ms from the moment the socket opened', () => {
    const ts = testScheduler();
    const clock = countingScheduler(ts);
    const transport = mockTransport(clock, {
      connectMS: 200,
      script: (r) => (isHello(r) ? [] : undefined),
    });
    ts.run(({ expectObservable }) => {
      // The socket took 200 of the 250 ms: the handshake still gets its own 250.
      expectObservable(outcome(openConnection(clock, transport, { connectTimeoutMS: 250 }))).toBe(
        '450ms (e|)',
        { e: TIMEOUT_BEFORE_HANDSHAKE },
      );
    });
    assert.equal(transport.last.destroyed, true, 'the half-open connection is closed');
    assert.equal(clock.pending, 0);
  });

  it('bounds the whole handshake, authentication included', () => {
    const ts = testScheduler();
    const clock = countingScheduler(ts);
    const auth: AuthProvider = {
      mechanism: 'FAKE',
      helloFields: () => ({}),
      authenticate: (conn) =>
        conn.command('admin', { saslStart: 1 }).pipe(
          switchMap(() => conn.command('admin', { saslContinue: 1 })),
          map(() => undefined),
        ),
    };
    const transport = mockTransport(clock, {
      script: () => [{ afterMS: 100, reply: { ok: 1, maxWireVersion: 21 } }],
    });
    ts.run(({ expectObservable }) => {
      // hello 100 + saslStart 100 + saslContinue would end at 300: past the 250 limit.
      expectObservable(outcome(openConnection(clock, transport, { connectTimeoutMS: 250, auth }))).toBe(
        '250ms (e|)',
        { e: TIMEOUT_BEFORE_HANDSHAKE },
      );
    });
    assert.deepEqual(
      transport.last.requests.map((r) => r.commandName),
      ['isMaster', 'saslStart', 'saslContinue'],
    );
    assert.equal(clock.pending, 0);
  });

  it('is off with 0', () => {
    const ts = testScheduler();
    const clock = countingScheduler(ts);
    const transport = mockTransport(clock, {
      connectMS: 40_000,
      script: (r) => (isHello(r) ? [{ afterMS: 40_000, reply: { ok: 1, maxWireVersion: 21 } }] : undefined),
    });
    ts.run(({ expectObservable }) => {
      expectObservable(outcome(openConnection(clock, transport, { connectTimeoutMS: 0 }), (c) => c.id)).toBe(
        '80000ms (a|)',
        { a: 1 },
      );
    });
    assert.equal(clock.pending, 0);
  });
});
