// close() on virtual time: every waiting selection, check-out, establishment and command ends with
// a typed error, every fake connection (pool, monitor, RTT) is closed and no timer is left on the
// scheduler, all before close() completes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectId } from 'bson';
import { catchError, concatMap, defer, finalize, NEVER, type Observable, of, take, tap } from 'rxjs';
import { type FakeConnection, fakeFactory } from '../../spec/pool/fakes.js';
import type { Connection } from '../../src/connection/types.js';
import { ReadPreference } from '../../src/read-preference.js';
import { member, scriptedConnector, scriptedTopology, testScheduler } from './harness.js';

const A = 'a:27017';
const processId = new ObjectId('0000000000000000000000bb');

describe('topology close (marbles)', () => {
  it('errors what waits or runs, closes every connection and clears every timer before it completes', () => {
    const scheduler = testScheduler();
    const outcomes: Record<string, string> = {};
    const monitorConnections: Connection[] = [];
    let establishing = 0;
    let pool: ReturnType<typeof fakeFactory> | undefined;
    let live = -1;
    let liveBefore = -1;
    let closedAt = -1;
    let descriptionDone = false;
    scheduler.run(() => {
      const scripts = {
        [A]: () => member('primary', A, [A], { topologyVersion: { processId, counter: 1 } }),
      };
      const inner = scriptedConnector(scheduler, scripts);
      const t = scriptedTopology(scheduler, scripts, {
        replicaSet: 'rs',
        serverMonitoringMode: 'stream',
        heartbeatFrequencyMS: 1000,
        pool: { maxPoolSize: 2 },
        monitors: (address, purpose) => inner(address, purpose).pipe(tap((c) => monitorConnections.push(c))),
        poolFactory: (address) => {
          // Connection 1 answers nothing (its command hangs); connection 2 never finishes its hello.
          const made = fakeFactory({
            address,
            scheduler,
            delayMS: (id) => (id === 1 ? 0 : 1_000_000),
            reply: () => NEVER,
          });
          pool = made;
          return Object.assign(
            (info: Parameters<typeof made>[0]) =>
              defer(() => {
                establishing++;
                return made(info).pipe(finalize(() => establishing--));
              }),
            { made: made.made, attempts: made.attempts },
          );
        },
      });
      const record = (name: string, source: Observable<unknown>) =>
        source
          .pipe(
            catchError((e: Error) => of(e.name)),
            take(1),
          )
          .subscribe((v) => {
            outcomes[name] = String(v);
          });
      t.topology.description$.subscribe({ complete: () => (descriptionDone = true) });
      const command = () =>
        t.topology.selectServer({ kind: 'write', operationName: 'insert' }).pipe(
          take(1),
          concatMap((s) => s.withConnection((c) => c.command('db', { insert: 'c' }))),
        );
      scheduler.schedule(() => {
        record('command in flight', command());
        record('check-out establishing', command());
        record('check-out queued', command());
        record(
          'selection waiting',
          t.topology.selectServer({
            kind: 'read',
            readPreference: ReadPreference.secondary,
            operationName: 'find',
          }),
        );
      }, 10);
      scheduler.schedule(() => {
        liveBefore = scheduler.actions.filter((a) => !a.closed).length;
        t.topology.close().subscribe({
          complete: () => {
            closedAt = scheduler.now();
            live = scheduler.actions.filter((a) => !a.closed).length;
          },
        });
      }, 50);
    });
    assert.equal(closedAt, 50);
    assert.deepEqual(outcomes, {
      'command in flight': 'MongoPoolClosedError',
      'check-out establishing': 'MongoPoolClosedError',
      'check-out queued': 'MongoPoolClosedError',
      'selection waiting': 'MongoTopologyClosedError',
    });
    assert.equal(establishing, 0, 'no establishment left running');
    assert.ok(pool && pool.made.size === 1);
    assert.ok(
      [...(pool?.made.values() ?? [])].every((c: FakeConnection) => c.closed),
      'pool connections closed',
    );
    // The monitor's connection and the RTT pinger's (streaming).
    assert.equal(monitorConnections.length, 2);
    assert.ok(
      monitorConnections.every((c) => c.closed),
      'monitor and RTT connections closed',
    );
    assert.ok(liveBefore > 0, `timers were running before close (${liveBefore})`);
    assert.equal(live, 0, 'no timer left on the scheduler');
    assert.equal(descriptionDone, true, 'description$ completed');
  });
});
