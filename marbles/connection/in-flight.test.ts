// Requests in flight on one connection, on virtual time: stray replies, late replies to moreToCome
// and abandoned requests, replies without `ok`, and closing with requests in flight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document } from 'bson';
import { EMPTY, merge, type Observable, shareReplay, switchMap, take, timer } from 'rxjs';
import type { SocketConnection } from '../../src/connection/socket-connection.js';
import { EventBus } from '../../src/events/bus.js';
import type { MongoEvent } from '../../src/events/types.js';
import {
  countingScheduler,
  type MockScript,
  mockTransport,
  openConnection,
  outcome,
  testScheduler,
} from './harness.js';

/** Commands with a `wait` field get no answer; `echo` is answered after `afterMS` with `{ ok: 1, v }`. */
const script: MockScript = (r) =>
  r.command.wait !== undefined || r.moreToCome
    ? []
    : r.commandName === 'echo'
      ? [{ afterMS: (r.command.afterMS as number) ?? 0, reply: { ok: 1, v: r.command.echo } }]
      : undefined;

function setup(s: MockScript = script, bus?: EventBus) {
  const ts = testScheduler();
  const clock = countingScheduler(ts);
  const transport = mockTransport(clock, { script: s });
  let conn: SocketConnection | undefined;
  /** The connection (opened once, at 0), for use inside `ts.run`. */
  const connection = (): Observable<SocketConnection> =>
    (shared ??= openConnection(clock, transport, { bus }).pipe(shareReplay(1)));
  let shared: Observable<SocketConnection> | undefined;
  const on = <T>(f: (c: SocketConnection) => Observable<T>): Observable<T> =>
    connection().pipe(
      take(1),
      switchMap((c) => {
        conn = c;
        return f(c);
      }),
    );
  return {
    ts,
    clock,
    transport,
    on,
    get conn(): SocketConnection {
      assert.ok(conn);
      return conn;
    },
  };
}

const at = <T>(ms: number, o: Observable<T>) => timer(ms).pipe(switchMap(() => o));

describe('stray replies (marbles)', () => {
  it('a reply that answers nothing in flight closes the connection and fails every request at once', () => {
    const h = setup();
    h.ts.run(({ expectObservable }) => {
      const waiting = (name: string) => h.on((c) => c.command('admin', { [name]: 1, wait: 1 }));
      const wait = h.on((c) => c.command('admin', { wait: 1 }));
      const exhaust = h.on((c) =>
        c.command('admin', { wait: 1 }, { exhaustAllowed: true, socketTimeoutMS: 500 }),
      );
      expectObservable(outcome(wait)).toBe('10ms (e|)', { e: 'MongoProtocolError' });
      expectObservable(outcome(exhaust)).toBe('10ms (e|)', { e: 'MongoProtocolError' });
      expectObservable(outcome(waiting('other'))).toBe('10ms (e|)', { e: 'MongoProtocolError' });
      expectObservable(
        at(
          10,
          h.on((c) => {
            h.transport.last.reply(123_456_789, { ok: 1 });
            return c.command('admin', { ping: 1 });
          }),
        ).pipe((o) => outcome(o)),
      ).toBe('10ms (e|)', { e: 'MongoProtocolError' });
    });
    assert.equal(h.conn.closed, true);
    assert.equal(h.transport.last.destroyed, true);
    assert.equal(h.conn.inFlight, 0);
    assert.equal(h.clock.pending, 0, 'the exhaust request timer was cleared');
  });

  it('drops a late reply to a moreToCome request (FerretDB answers them) and keeps the connection', () => {
    // Like FerretDB: moreToCome requests are answered anyway, 3 ms later.
    const h = setup((r, socket) => {
      if (r.moreToCome) return [{ afterMS: 3, reply: { ok: 1, n: 1 } }];
      return script(r, socket);
    });
    h.ts.run(({ expectObservable }) => {
      const unacknowledged = h.on((c) =>
        c.command('db', { insert: 'c', writeConcern: { w: 0 } }, { moreToCome: true }),
      );
      expectObservable(outcome(unacknowledged, (r) => r.ok)).toBe('(a|)', { a: 1 });
      expectObservable(
        outcome(
          at(
            5,
            h.on((c) => c.command('admin', { echo: 'after' })),
          ),
          (r) => r.v,
        ),
      ).toBe('5ms (a|)', { a: 'after' });
    });
    assert.equal(h.conn.closed, false);
    assert.deepEqual(
      h.transport.last.requests.map((r) => [r.commandName, r.moreToCome]),
      [
        ['isMaster', false],
        ['insert', true],
        ['echo', false],
      ],
    );
  });

  it('drops a late reply to a request whose subscriber left, and keeps the connection', () => {
    const h = setup();
    h.ts.run(({ expectObservable }) => {
      // Unsubscribed at 5; the reply comes at 20 and is dropped.
      expectObservable(
        h.on((c) => c.command('admin', { echo: 'late', afterMS: 20 })),
        '^ 4ms !',
      ).toBe('');
      expectObservable(
        outcome(
          at(
            30,
            h.on((c) => c.command('admin', { echo: 'next' })),
          ),
          (r) => r.v,
        ),
      ).toBe('30ms (a|)', { a: 'next' });
    });
    assert.equal(h.conn.closed, false);
    assert.equal(h.clock.pending, 0);
  });

  it('a reply to the same request twice is stray the second time', () => {
    const h = setup((r, socket) =>
      r.commandName === 'twice'
        ? [
            { afterMS: 1, reply: { ok: 1, n: 1 }, responseTo: r.requestId },
            { afterMS: 2, reply: { ok: 1, n: 2 }, responseTo: r.requestId },
          ]
        : script(r, socket),
    );
    h.ts.run(({ expectObservable }) => {
      expectObservable(
        outcome(
          h.on((c) => c.command('admin', { twice: 1 })),
          (r) => r.n,
        ),
      ).toBe('1ms (a|)', {
        a: 1,
      });
      expectObservable(
        outcome(
          at(
            1,
            h.on((c) => c.command('admin', { wait: 1 })),
          ),
        ),
      ).toBe('2ms (e|)', {
        e: 'MongoProtocolError',
      });
    });
    assert.equal(h.conn.closed, true);
  });
});

describe('replies (marbles)', () => {
  const replying =
    (reply: Document): MockScript =>
    (r) =>
      r.commandName === 'cmd' ? [{ afterMS: 1, reply }] : undefined;

  it('a reply without ok fails the command with MongoUnexpectedServerResponseError; the connection stays', () => {
    const h = setup(replying({ n: 1 }));
    h.ts.run(({ expectObservable }) => {
      expectObservable(outcome(h.on((c) => c.command('admin', { cmd: 1 })))).toBe('1ms (e|)', {
        e: 'MongoUnexpectedServerResponseError',
      });
      expectObservable(
        outcome(
          at(
            2,
            h.on((c) => c.command('admin', { ping: 1 })),
          ),
          (r) => r.ok,
        ),
      ).toBe('2ms (a|)', { a: 1 });
    });
    assert.equal(h.conn.closed, false);
  });

  for (const [what, reply] of [
    ['a string ok', { ok: 'yes' }],
    ['a null ok', { ok: null }],
    ['an object ok', { ok: { a: 1 } }],
  ] as const) {
    it(`${what} is MongoUnexpectedServerResponseError`, () => {
      const h = setup(replying(reply));
      h.ts.run(({ expectObservable }) => {
        expectObservable(outcome(h.on((c) => c.command('admin', { cmd: 1 })))).toBe('1ms (e|)', {
          e: 'MongoUnexpectedServerResponseError',
        });
      });
    });
  }

  it('ok: 0 is MongoServerError with code and codeName; ok: true and ok: 1.0 succeed', () => {
    const h = setup((r) =>
      r.commandName === 'bad'
        ? [{ reply: { ok: 0, code: 59, codeName: 'CommandNotFound', errmsg: 'no such command' } }]
        : r.commandName === 'yes'
          ? [{ reply: { ok: true } }]
          : undefined,
    );
    h.ts.run(({ expectObservable }) => {
      expectObservable(outcome(h.on((c) => c.command('admin', { bad: 1 })))).toBe('(e|)', {
        e: 'MongoServerError',
      });
      expectObservable(
        outcome(
          h.on((c) => c.command('admin', { yes: 1 })),
          (r) => r.ok,
        ),
      ).toBe('(a|)', {
        a: true,
      });
    });
    assert.equal(h.conn.closed, false);
  });

  it('publishes command events with durations on the virtual clock', () => {
    const bus = new EventBus();
    const events: MongoEvent[] = [];
    bus.events$.subscribe((e) => events.push(e));
    const h = setup(script, bus);
    h.ts.run(({ expectObservable }) => {
      expectObservable(
        outcome(
          h.on((c) => c.command('admin', { echo: 1, afterMS: 42 })),
          (r) => r.v,
        ),
      ).toBe('42ms (a|)', { a: 1 });
      expectObservable(
        outcome(
          at(
            50,
            h.on((c) => c.command('admin', { wait: 1 }, { socketTimeoutMS: 7 })),
          ),
        ),
      ).toBe('57ms (e|)', { e: 'MongoNetworkTimeoutError' });
    });
    const shown = events.map((e) =>
      e.name === 'commandSucceeded' || e.name === 'commandFailed'
        ? `${e.name} ${e.commandName} ${e.duration}`
        : `${e.name}${'commandName' in e ? ` ${e.commandName}` : ''}`,
    );
    assert.deepEqual(shown, [
      'commandStarted echo',
      'commandSucceeded echo 42',
      'commandStarted wait',
      'commandFailed wait 7',
    ]);
  });
});

describe('closing with requests in flight (marbles)', () => {
  it('fails every request at once with MongoNetworkError, destroys the socket and clears every timer', () => {
    const h = setup();
    h.ts.run(({ expectObservable }) => {
      const requests = [
        h.on((c) => c.command('admin', { wait: 1 }, { socketTimeoutMS: 1000 })),
        h.on((c) => c.command('admin', { wait: 2 }, { socketTimeoutMS: 2000, exhaustAllowed: true })),
        h.on((c) => c.command('admin', { wait: 3 })),
      ];
      for (const r of requests) expectObservable(outcome(r)).toBe('25ms (e|)', { e: 'MongoNetworkError' });
      expectObservable(
        outcome(
          at(
            25,
            h.on((c) => {
              assert.equal(c.inFlight, 3);
              assert.equal(h.clock.pending, 2, 'two socket timers armed');
              c.close();
              return c.command('admin', { ping: 1 });
            }),
          ),
        ),
      ).toBe('25ms (e|)', { e: 'MongoNetworkError' });
    });
    assert.equal(h.conn.closed, true);
    assert.equal(h.conn.inFlight, 0);
    assert.equal(h.transport.last.destroyed, true);
    assert.equal(h.clock.pending, 0, 'no timer left');
  });

  it('a peer reset fails every request at once; close() afterwards is a no-op', () => {
    const h = setup();
    h.ts.run(({ expectObservable }) => {
      const a = h.on((c) => c.command('admin', { wait: 1 }, { socketTimeoutMS: 100 }));
      const b = h.on((c) => c.command('admin', { wait: 2 }));
      expectObservable(outcome(merge(a, b))).toBe('3ms (e|)', { e: 'MongoNetworkError' });
      expectObservable(
        at(
          3,
          h.on((c) => {
            h.transport.last.reset();
            c.close();
            return EMPTY;
          }),
        ),
      ).toBe('3ms |');
    });
    assert.equal(h.conn.closed, true);
    assert.equal(h.clock.pending, 0);
  });
});
