// Server selection events (what the server-selection log messages say) on virtual time: started,
// one "waiting" when no server is suitable at first, then succeeded or failed; each names the
// operation and its id. The logger turns them into the spec's messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchError, of } from 'rxjs';
import { resolveLoggerConfig } from '../../src/events/logging/config.js';
import { MongoLogger } from '../../src/events/logging/logger.js';
import type { Log } from '../../src/log-options.js';
import { member, type Script, scriptedTopology, testScheduler } from './harness.js';

const A = 'a:27017';
const insert = { kind: 'write', operationName: 'insert', operationId: 7 } as const;

/** Selection events as `<virtual ms> <name> <detail>`, and the log messages of the same run. */
function selectionTimeline(script: Script, closeAt: number): { timeline: string[]; logs: Log[] } {
  const scheduler = testScheduler();
  const timeline: string[] = [];
  const logs: Log[] = [];
  scheduler.run(() => {
    const { topology } = scriptedTopology(
      scheduler,
      { [A]: script },
      {
        replicaSet: 'rs',
        serverSelectionTimeoutMS: 2000,
        heartbeatFrequencyMS: 100,
        minHeartbeatFrequencyMS: 10,
      },
    );
    const logger = new MongoLogger(
      resolveLoggerConfig(
        {},
        {
          mongodbLogComponentSeverities: { serverSelection: 'debug' },
          mongodbLogPath: { write: (log) => logs.push(log) },
        },
      ),
    );
    logger.attach(topology.bus);
    topology.bus.events$.subscribe((e) => {
      const at = scheduler.now();
      if (e.name === 'serverSelectionStarted')
        timeline.push(`${at} started ${e.operation} #${e.operationId}`);
      if (e.name === 'waitingForSuitableServer') timeline.push(`${at} waiting ${e.remainingTimeMS}`);
      if (e.name === 'serverSelectionSucceeded') timeline.push(`${at} succeeded ${e.address}`);
      if (e.name === 'serverSelectionFailed') timeline.push(`${at} failed ${e.failure.name}`);
    });
    topology
      .selectServer(insert)
      .pipe(catchError(() => of(undefined)))
      .subscribe();
    scheduler.schedule(() => topology.close().subscribe(), closeAt);
  });
  return { timeline, logs };
}

describe('server selection events (marbles)', () => {
  it('a selection that waits: started, waiting once (with the time left), succeeded when a primary appears', () => {
    const { timeline, logs } = selectionTimeline(
      (now) => (now < 1200 ? member('secondary', A, [A]) : member('primary', A, [A])),
      1500,
    );
    assert.deepEqual(timeline, ['0 started insert #7', '0 waiting 2000', '1200 succeeded a:27017']);
    assert.deepEqual(
      logs.map((l) => [l.s, l.message, l.operation, l.operationId]),
      [
        ['debug', 'Server selection started', 'insert', 7],
        ['info', 'Waiting for suitable server to become available', 'insert', 7],
        ['debug', 'Server selection succeeded', 'insert', 7],
      ],
    );
    assert.equal(logs[2]?.serverHost, 'a');
    assert.equal(logs[2]?.serverPort, 27017);
    assert.equal(logs[0]?.selector, 'writable server');
  });

  it('a selection that times out: waiting once, failed at serverSelectionTimeoutMS', () => {
    const { timeline } = selectionTimeline(() => member('secondary', A, [A]), 2500);
    assert.deepEqual(timeline, [
      '0 started insert #7',
      '0 waiting 2000',
      '2000 failed MongoServerSelectionError',
    ]);
  });

  it('a selection still waiting when the topology closes fails with the close', () => {
    const { timeline } = selectionTimeline(() => member('secondary', A, [A]), 500);
    assert.deepEqual(timeline, [
      '0 started insert #7',
      '0 waiting 2000',
      '500 failed MongoTopologyClosedError',
    ]);
  });
});
