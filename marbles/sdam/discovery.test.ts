// SDAM event timelines on virtual time (1 virtual ms per connect and per hello, heartbeat 500 ms):
// first discovery, a member going down and coming back, a primary change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestScheduler } from 'rxjs/testing';
import { member, type Script, scriptedTopology, testScheduler } from './harness.js';

const A = 'a:27017';
const B = 'b:27017';
const hosts = [A, B];

/** Runs a scripted topology until `closeAt` and returns its event timeline. */
function timeline(
  scripts: Record<string, Script>,
  closeAt: number,
  scheduler: TestScheduler = testScheduler(),
): string[] {
  let log: string[] = [];
  scheduler.run(() => {
    const t = scriptedTopology(scheduler, scripts);
    log = t.log;
    t.topology.connect();
    scheduler.schedule(() => t.topology.close().subscribe(), closeAt);
  });
  return log;
}

const CLOSE = (at: number) => [
  `${at} serverClosed ${A}`,
  `${at} serverClosed ${B}`,
  `${at} topologyDescriptionChanged Unknown`,
  `${at} topologyClosed`,
];

describe('topology event sequence (marbles)', () => {
  it('first discovery: the seed answers as primary, then the secondary it names is opened and checked', () => {
    const log = timeline(
      { [A]: () => member('primary', A, hosts), [B]: () => member('secondary', B, hosts) },
      10,
    );
    assert.deepEqual(log, [
      '0 topologyOpening',
      '0 topologyDescriptionChanged Unknown',
      `0 serverOpening ${A}`,
      `0 serverHeartbeatStarted ${A}`,
      `1 serverHeartbeatSucceeded ${A}`,
      `1 connectionPoolReady ${A}`,
      `1 serverDescriptionChanged ${A} Unknown->RSPrimary`,
      `1 serverOpening ${B}`,
      '1 topologyDescriptionChanged ReplicaSetWithPrimary',
      `1 serverHeartbeatStarted ${B}`,
      `2 serverHeartbeatSucceeded ${B}`,
      `2 connectionPoolReady ${B}`,
      `2 serverDescriptionChanged ${B} Unknown->RSSecondary`,
      '2 topologyDescriptionChanged ReplicaSetWithPrimary',
      ...CLOSE(10),
    ]);
  });

  it('a member goes down (Unknown, pool cleared, one immediate retry) and comes back (pool ready again)', () => {
    const log = timeline(
      {
        [A]: () => member('primary', A, hosts),
        [B]: (now) => (now >= 700 && now < 1600 ? 'down' : member('secondary', B, hosts)),
      },
      2200,
    );
    const b = log
      .filter((l) => l.includes(B) || l.includes('topologyDescriptionChanged'))
      .filter((l) => +l.split(' ')[0] >= 500);
    assert.deepEqual(b, [
      `502 serverHeartbeatStarted ${B}`,
      `503 serverHeartbeatSucceeded ${B}`,
      `1003 serverHeartbeatStarted ${B}`,
      `1004 serverHeartbeatFailed ${B}`,
      `1004 serverDescriptionChanged ${B} RSSecondary->Unknown`,
      '1004 topologyDescriptionChanged ReplicaSetWithPrimary',
      `1004 connectionPoolCleared ${B}`,
      // Known server, network error: retried at once (server-monitoring "Network or command error").
      `1004 serverHeartbeatStarted ${B}`,
      `1005 serverHeartbeatFailed ${B}`,
      // The error changed (reset -> refused): a new description, still Unknown.
      `1005 serverDescriptionChanged ${B} Unknown->Unknown`,
      '1005 topologyDescriptionChanged ReplicaSetWithPrimary',
      // Unknown server: back to heartbeatFrequencyMS.
      `1505 serverHeartbeatStarted ${B}`,
      `1506 serverHeartbeatFailed ${B}`,
      `2006 serverHeartbeatStarted ${B}`,
      `2007 serverHeartbeatSucceeded ${B}`,
      `2007 connectionPoolReady ${B}`,
      `2007 serverDescriptionChanged ${B} Unknown->RSSecondary`,
      '2007 topologyDescriptionChanged ReplicaSetWithPrimary',
      `2200 serverClosed ${B}`,
      '2200 topologyDescriptionChanged Unknown',
    ]);
  });

  it('primary change: the old primary steps down, then the new one (newer electionId) is discovered', () => {
    const log = timeline(
      {
        [A]: (now) => member(now < 700 ? 'primary' : 'secondary', A, hosts),
        [B]: (now) => member(now < 700 ? 'secondary' : 'primary', B, hosts, {}, 1),
      },
      1100,
    );
    assert.deepEqual(
      log.filter((l) => !l.includes('Heartbeat') && +l.split(' ')[0] > 2),
      [
        `1003 serverDescriptionChanged ${A} RSPrimary->RSSecondary`,
        '1003 topologyDescriptionChanged ReplicaSetNoPrimary',
        `1004 serverDescriptionChanged ${B} RSSecondary->RSPrimary`,
        '1004 topologyDescriptionChanged ReplicaSetWithPrimary',
        ...CLOSE(1100),
      ],
    );
  });

  it('load-balanced: opens LoadBalanced with its server Unknown, which becomes a LoadBalancer with no monitoring and a ready pool', () => {
    const scheduler = testScheduler();
    let log: string[] = [];
    scheduler.run(() => {
      const t = scriptedTopology(scheduler, { [A]: () => 'down' }, { loadBalanced: true });
      log = t.log;
      t.topology.connect();
      scheduler.schedule(() => t.topology.close().subscribe(), 5);
    });
    assert.deepEqual(log, [
      '0 topologyOpening',
      '0 topologyDescriptionChanged LoadBalanced',
      `0 serverOpening ${A}`,
      `0 connectionPoolReady ${A}`,
      `0 serverDescriptionChanged ${A} Unknown->LoadBalancer`,
      '0 topologyDescriptionChanged LoadBalanced',
      `5 serverClosed ${A}`,
      '5 topologyDescriptionChanged Unknown',
      '5 topologyClosed',
    ]);
  });
});
