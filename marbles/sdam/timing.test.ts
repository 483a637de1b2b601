// Timing rules on virtual time: selection fails at its deadline whatever the monitor does, and a
// retry after a socket timeout is bounded by connectTimeoutMS, not by the monitor giving up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchError, concatMap, map, NEVER, type Observable, of, take, throwError, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { FakeConnection, fakeFactory } from '../../spec/pool/fakes.js';
import { MongoError, MongoNetworkTimeoutError } from '../../src/errors.js';
import type { MonitorConnector } from '../../src/sdam/monitor/types.js';
import type { Topology } from '../../src/sdam/topology.js';
import { member, type Script, type ScriptedOptions, scriptedTopology, testScheduler } from './harness.js';

const A = 'a:27017';

/** The outcome of an Observable as one value: what it emitted, or the error's class and labels. */
function outcome<T>(source: Observable<T>, describe: (value: T) => string): Observable<string> {
  return source.pipe(
    map(describe),
    catchError((e: unknown) => {
      const labels = e instanceof MongoError && e.errorLabels.size > 0 ? ` [${[...e.errorLabels]}]` : '';
      return of(`${(e as Error).name}${labels}`);
    }),
  );
}

/** Runs `body` on a scripted topology and closes it at `closeAt`. */
function run(
  scripts: Record<string, Script>,
  options: ScriptedOptions,
  closeAt: number,
  body: (t: Topology, helpers: { expectObservable: TestScheduler['expectObservable'] }) => void,
): { log: string[] } {
  const scheduler = testScheduler();
  let log: string[] = [];
  scheduler.run(({ expectObservable }) => {
    const t = scriptedTopology(scheduler, scripts, options);
    log = t.log;
    body(t.topology, { expectObservable });
    scheduler.schedule(() => t.topology.close().subscribe(), closeAt);
  });
  return { log };
}

const insert = { kind: 'write', operationName: 'insert' } as const;
const selected = () => 'selected';

describe('selection deadline (marbles)', () => {
  const options = { serverSelectionTimeoutMS: 2000, replicaSet: 'rs' };

  it('fails at serverSelectionTimeoutMS while the monitor flaps between secondary and down', () => {
    let changes = 0;
    const { log } = run(
      { [A]: (now) => (Math.floor(now / 100) % 2 === 0 ? member('secondary', A, [A]) : 'down') },
      { ...options, heartbeatFrequencyMS: 50, minHeartbeatFrequencyMS: 10 },
      2100,
      (t, { expectObservable }) => {
        expectObservable(outcome(t.selectServer(insert), selected)).toBe('2000ms (e|)', {
          e: 'MongoServerSelectionError',
        });
      },
    );
    changes = log.filter((l) => l.includes('serverDescriptionChanged') && +l.split(' ')[0] < 2000).length;
    assert.ok(changes >= 10, `the monitor kept changing the description (${changes} changes)`);
  });

  it('fails at serverSelectionTimeoutMS while the monitor connection hangs (no connect timeout)', () => {
    const hanging: MonitorConnector = () => NEVER;
    run({ [A]: () => 'down' }, { ...options, connectTimeoutMS: 0, monitors: hanging }, 2100, (t, h) => {
      h.expectObservable(outcome(t.selectServer(insert), selected)).toBe('2000ms (e|)', {
        e: 'MongoServerSelectionError',
      });
    });
  });

  it('fails at serverSelectionTimeoutMS while every check takes 5 s', () => {
    const slow: MonitorConnector = (address) =>
      timer(5000).pipe(
        map(() => new FakeConnection({ id: 1, generation: 0, address, hello: member('secondary', A, [A]) })),
      );
    run({ [A]: () => 'down' }, { ...options, connectTimeoutMS: 0, monitors: slow }, 2100, (t, h) => {
      h.expectObservable(outcome(t.selectServer(insert), selected)).toBe('2000ms (e|)', {
        e: 'MongoServerSelectionError',
      });
    });
  });

  it('fails at the operation deadline when it comes before serverSelectionTimeoutMS', () => {
    run({ [A]: () => 'down' }, options, 800, (t, h) => {
      h.expectObservable(outcome(t.selectServer({ ...insert, deadline: 700 }), selected)).toBe('700ms (e|)', {
        e: 'MongoServerSelectionError',
      });
    });
  });

  it('succeeds as soon as a suitable server appears, before the deadline', () => {
    run(
      { [A]: (now) => (now < 1200 ? member('secondary', A, [A]) : member('primary', A, [A])) },
      { ...options, heartbeatFrequencyMS: 100, minHeartbeatFrequencyMS: 10 },
      1500,
      (t, h) => {
        // The waiting selection asks for checks (at most one per minHeartbeatFrequencyMS = 10 ms):
        // the first one that sees the primary selects it.
        h.expectObservable(outcome(t.selectServer(insert), selected)).toBe('1200ms (s|)', { s: 'selected' });
      },
    );
  });
});

describe('a retry on a frozen server (marbles)', () => {
  it('ends at socketTimeoutMS + connectTimeoutMS: the new connection cannot stall until the monitor gives up', () => {
    const scheduler = testScheduler();
    let log: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const t = scriptedTopology(
        scheduler,
        { [A]: () => member('primary', A, [A]) },
        {
          replicaSet: 'rs',
          heartbeatFrequencyMS: 60_000,
          connectTimeoutMS: 10_000,
          // The server froze after connection 1 was made: its command never answers (the
          // operation's socketTimeoutMS of 1000 fires), and new connections never finish the hello.
          poolFactory: (address) =>
            fakeFactory({
              address,
              scheduler,
              delayMS: (id) => (id === 1 ? 0 : 1_000_000),
              reply: () =>
                timer(1000, scheduler).pipe(
                  concatMap(() => throwError(() => new MongoNetworkTimeoutError('socket timeout (1000 ms)'))),
                ),
            }),
        },
      );
      log = t.log;
      const attempt = () =>
        t.topology.selectServer(insert).pipe(
          take(1),
          concatMap((s) => s.withConnection((c) => c.command('db', { insert: 'c' }))),
        );
      // The automatic retry: one more selection and check-out after the first attempt's timeout.
      const op = attempt().pipe(catchError(() => attempt()));
      // Selected at 1 (the first check answers then), socket timeout at 1001, the retry's
      // establishment gives up at 1001 + connectTimeoutMS.
      expectObservable(outcome(op, () => 'ok')).toBe('11001ms (e|)', {
        e: 'MongoNetworkTimeoutError [SystemOverloadedError,RetryableError]',
      });
      scheduler.schedule(() => t.topology.close().subscribe(), 11_500);
    });
    // Neither a socket timeout nor a labelled establishment timeout changes the server or clears its pool.
    assert.deepEqual(
      log.filter((l) => /serverDescriptionChanged|connectionPoolCleared/.test(l) && +l.split(' ')[0] > 1),
      [],
    );
  });
});
