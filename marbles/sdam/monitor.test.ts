// Monitor and selection behaviour on virtual time: streaming with an RTT connection, immediate checks
// requested by a waiting selection (never closer than minHeartbeatFrequencyMS), selection timeout,
// and a state-change error from an operation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectId } from 'bson';
import { throwError } from 'rxjs';
import { fakeFactory } from '../../spec/pool/fakes.js';
import { MongoServerError, MongoServerSelectionError } from '../../src/errors.js';
import { member, scriptedConnector, scriptedTopology, testScheduler } from './harness.js';

const A = 'a:27017';
const B = 'b:27017';
const processId = new ObjectId('0000000000000000000000aa');

describe('monitor (marbles)', () => {
  it('streams awaitable hellos when the server reports topologyVersion, with RTT on a second connection', () => {
    const scheduler = testScheduler();
    let log: string[] = [];
    const opened: string[] = [];
    scheduler.run(() => {
      const scripts = {
        [A]: (now: number) =>
          member('primary', A, [A], { topologyVersion: { processId, counter: now < 300 ? 1 : 2 } }),
      };
      const inner = scriptedConnector(scheduler, scripts);
      const t = scriptedTopology(scheduler, scripts, {
        serverMonitoringMode: 'stream',
        monitors: (address, purpose) => {
          opened.push(`${scheduler.now()} ${purpose}`);
          return inner(address, purpose);
        },
      });
      log = t.log;
      t.topology.connect();
      scheduler.schedule(() => t.topology.close().subscribe(), 900);
    });
    const heartbeats = log.filter((l) => l.includes('Heartbeat'));
    assert.deepEqual(heartbeats, [
      // The handshake is the first check (not awaited), then one exhaust hello streams replies.
      `0 serverHeartbeatStarted ${A}`,
      `1 serverHeartbeatSucceeded ${A}`,
      `1 serverHeartbeatStarted ${A} awaited`,
      // topologyVersion counter moves at 300: a reply at once.
      `300 serverHeartbeatSucceeded ${A} awaited`,
      `300 serverHeartbeatStarted ${A} awaited`,
      // Nothing changes: a reply every maxAwaitTimeMS (= heartbeatFrequencyMS).
      `800 serverHeartbeatSucceeded ${A} awaited`,
      `800 serverHeartbeatStarted ${A} awaited`,
    ]);
    // The RTT pinger opens its own connection once streaming starts; it publishes no events.
    assert.deepEqual(opened, ['0 monitor', '1 rtt']);
  });

  it('serverMonitoringMode=poll never streams and opens no RTT connection, even with topologyVersion', () => {
    const scheduler = testScheduler();
    let log: string[] = [];
    const opened: string[] = [];
    scheduler.run(() => {
      const scripts = {
        [A]: () => member('primary', A, [A], { topologyVersion: { processId, counter: 1 } }),
      };
      const inner = scriptedConnector(scheduler, scripts);
      const t = scriptedTopology(scheduler, scripts, {
        serverMonitoringMode: 'poll',
        monitors: (address, purpose) => {
          opened.push(purpose);
          return inner(address, purpose);
        },
      });
      log = t.log;
      t.topology.connect();
      scheduler.schedule(() => t.topology.close().subscribe(), 1100);
    });
    assert.deepEqual(
      log.filter((l) => l.includes('Heartbeat')),
      [0, 1, 501, 502, 1002, 1003].map(
        (time, i) => `${time} serverHeartbeat${i % 2 === 0 ? 'Started' : 'Succeeded'} ${A}`,
      ),
    );
    assert.deepEqual(opened, ['monitor']);
  });

  it('a waiting selection requests immediate checks; they stay minHeartbeatFrequencyMS apart', () => {
    const scheduler = testScheduler();
    let log: string[] = [];
    let selectedAt = -1;
    scheduler.run(() => {
      const t = scriptedTopology(
        scheduler,
        { [A]: (now) => (now < 1200 ? 'down' : member('primary', A, [A])) },
        { heartbeatFrequencyMS: 10_000 },
      );
      log = t.log;
      t.topology.selectServer({ kind: 'write', operationName: 'insert' }).subscribe(() => {
        selectedAt = scheduler.now();
        t.topology.close().subscribe();
      });
    });
    assert.deepEqual(
      log.filter((l) => l.includes('Heartbeat')),
      [
        `0 serverHeartbeatStarted ${A}`,
        `1 serverHeartbeatFailed ${A}`,
        `501 serverHeartbeatStarted ${A}`,
        `502 serverHeartbeatFailed ${A}`,
        `1002 serverHeartbeatStarted ${A}`,
        `1003 serverHeartbeatFailed ${A}`,
        `1503 serverHeartbeatStarted ${A}`,
        `1504 serverHeartbeatSucceeded ${A}`,
      ],
    );
    assert.equal(selectedAt, 1504);
  });

  it('selection fails with MongoServerSelectionError after serverSelectionTimeoutMS, naming the read preference', () => {
    const scheduler = testScheduler();
    let failure: unknown;
    let failedAt = -1;
    scheduler.run(() => {
      const t = scriptedTopology(
        scheduler,
        { [A]: () => 'down' },
        { serverSelectionTimeoutMS: 1000, replicaSet: 'rs' },
      );
      t.topology.selectServer({ kind: 'read', operationName: 'find' }).subscribe({
        error: (e: unknown) => {
          failure = e;
          failedAt = scheduler.now();
          t.topology.close().subscribe();
        },
      });
    });
    assert.equal(failedAt, 1000);
    assert.ok(failure instanceof MongoServerSelectionError);
    assert.match(failure.message, /read preference primary/);
    assert.match(
      failure.message,
      /ReplicaSetNoPrimary \(setName rs\): a:27017 Unknown \(connect a:27017: ECONNREFUSED\)/,
    );
  });

  it('"not writable primary" from an operation marks the server Unknown and requests a check', () => {
    const scheduler = testScheduler();
    let log: string[] = [];
    let error: unknown;
    scheduler.run(() => {
      const t = scriptedTopology(
        scheduler,
        { [A]: (now) => member(now < 600 ? 'primary' : 'secondary', A, [A, B]), [B]: () => 'down' },
        {
          heartbeatFrequencyMS: 10_000,
          poolFactory: (address) =>
            fakeFactory({
              address,
              scheduler,
              hello: () => ({ ok: 1, maxWireVersion: 21 }),
              reply: () =>
                throwError(() => new MongoServerError({ ok: 0, code: 10107, errmsg: 'not primary' })),
            }),
        },
      );
      log = t.log;
      t.topology.connect();
      scheduler.schedule(() => {
        t.topology
          .selectServer({ kind: 'write', operationName: 'insert' })
          .subscribe((s) =>
            s
              .withConnection((c) => c.command('db', { insert: 'c' }))
              .subscribe({ error: (e: unknown) => (error = e) }),
          );
      }, 700);
      scheduler.schedule(() => t.topology.close().subscribe(), 1300);
    });
    assert.ok(error instanceof MongoServerError);
    assert.deepEqual(
      log.filter(
        (l) => l.includes(A) && !l.includes('Opening') && +l.split(' ')[0] >= 700 && +l.split(' ')[0] < 1300,
      ),
      [
        `700 serverDescriptionChanged ${A} RSPrimary->Unknown`,
        // The check the error requested (heartbeat is 10 s): the wait began at 1, the 500 ms floor has passed.
        `700 serverHeartbeatStarted ${A}`,
        `701 serverHeartbeatSucceeded ${A}`,
        `701 serverDescriptionChanged ${A} Unknown->RSSecondary`,
      ],
    );
  });
});
