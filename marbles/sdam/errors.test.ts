// Server.reportError on virtual time, through each route: a command on a checked-out connection,
// a failed establishment (connect/hello vs authentication), and a pinned connection.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchError, concatMap, of, take, throwError, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { type FakeFactoryOptions, fakeFactory } from '../../spec/pool/fakes.js';
import { MongoNetworkError } from '../../src/errors.js';
import type { TopologyDescription } from '../../src/sdam/description/topology-description.js';
import type { SelectedServer } from '../../src/sdam/topology-contract.js';
import { member, type ScriptedOptions, scriptedTopology, testScheduler } from './harness.js';

const A = 'a:27017';
const insert = { kind: 'write', operationName: 'insert' } as const;

/** Runs `body` at 10 on a topology whose primary A was discovered at 1; closes at 100. */
function atTen(
  optionsOf: (scheduler: TestScheduler) => ScriptedOptions,
  body: (server: SelectedServer, t: ReturnType<typeof scriptedTopology>) => void,
): string[] {
  const scheduler = testScheduler();
  let log: string[] = [];
  scheduler.run(() => {
    const t = scriptedTopology(
      scheduler,
      { [A]: () => member('primary', A, [A]) },
      {
        replicaSet: 'rs',
        heartbeatFrequencyMS: 10_000,
        ...optionsOf(scheduler),
      },
    );
    log = t.log;
    t.topology.connect();
    scheduler.schedule(() => {
      t.topology
        .selectServer(insert)
        .pipe(take(1))
        .subscribe((s) => body(s, t));
    }, 10);
    scheduler.schedule(() => t.topology.close().subscribe(), 100);
  });
  return log.filter((l) => +l.split(' ')[0] >= 10 && +l.split(' ')[0] < 100);
}

/** Pool connections of `fakeFactory` with the given options, on the test's scheduler. */
function fakePool(options: Omit<FakeFactoryOptions, 'address' | 'scheduler'>) {
  return (scheduler: TestScheduler): ScriptedOptions => ({
    poolFactory: (address) => fakeFactory({ address, scheduler, ...options }),
  });
}

describe('Server.reportError (marbles)', () => {
  it('a network error on a command marks the server Unknown, with the pool cleared before anyone sees it', () => {
    const log = atTen(
      fakePool({ reply: () => throwError(() => new MongoNetworkError('connection reset')) }),
      (s, t) => {
        t.topology.description$.subscribe((td: TopologyDescription) => {
          t.log.push(`10 description$ ${A} ${td.servers.get(A)?.type}`);
        });
        s.withConnection((c) => c.command('db', { insert: 'c' })).subscribe({ error: () => {} });
      },
    );
    assert.deepEqual(log, [
      `10 description$ ${A} RSPrimary`,
      `10 serverDescriptionChanged ${A} RSPrimary->Unknown`,
      '10 topologyDescriptionChanged ReplicaSetNoPrimary',
      `10 connectionPoolCleared ${A}`,
      `10 description$ ${A} Unknown`,
    ]);
  });

  it('a network error while connecting (labelled SystemOverloadedError) changes nothing', () => {
    let error: unknown;
    const log = atTen(
      fakePool({
        failWith: () => new MongoNetworkError('hello: connection reset', { beforeHandshake: true }),
      }),
      (s) =>
        s.withConnection((c) => c.command('db', { insert: 'c' })).subscribe({ error: (e) => (error = e) }),
    );
    assert.ok(error instanceof MongoNetworkError);
    assert.deepEqual([...error.errorLabels], ['SystemOverloadedError', 'RetryableError']);
    assert.deepEqual(log, []);
  });

  it('a network error in the authentication step marks Unknown and clears the pool (no labels)', () => {
    let error: unknown;
    const log = atTen(
      (scheduler) => ({
        poolFactory: () => (info) =>
          timer(1, scheduler).pipe(
            concatMap(() => {
              info.authenticating();
              return throwError(() => new MongoNetworkError('saslContinue: connection reset'));
            }),
          ),
      }),
      (s) =>
        s.withConnection((c) => c.command('db', { insert: 'c' })).subscribe({ error: (e) => (error = e) }),
    );
    assert.ok(error instanceof MongoNetworkError);
    assert.deepEqual([...error.errorLabels], []);
    assert.deepEqual(log.slice(0, 3), [
      `11 serverDescriptionChanged ${A} RSPrimary->Unknown`,
      '11 topologyDescriptionChanged ReplicaSetNoPrimary',
      `11 connectionPoolCleared ${A}`,
    ]);
  });

  it('errors on a pinned connection reach SDAM through SelectedServer.reportError', () => {
    const log = atTen(
      () => ({}),
      (s) => {
        s.withConnection((c) => {
          // The connection is held outside withConnection's error path, as a pinned one is.
          s.reportError(new MongoNetworkError('pinned: connection reset'), c);
          return of(undefined);
        })
          .pipe(catchError(() => of(undefined)))
          .subscribe();
      },
    );
    assert.deepEqual(log.slice(0, 1), [`10 serverDescriptionChanged ${A} RSPrimary->Unknown`]);
  });
});
