// Failover end to end: the mock server plays a three-member replica set over real sockets, the
// topology monitors it (streaming: the mock reports topologyVersion), and operations go through
// topology.selectServer(...).withConnection(...).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Document, ObjectId } from 'bson';
import {
  catchError,
  defer,
  filter,
  firstValueFrom,
  lastValueFrom,
  map,
  mergeMap,
  type Observable,
  timeout,
} from 'rxjs';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { MongoServerError, MongoServerSelectionError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import type { MongoEvent } from '../../src/events/types.js';
import { ReadPreference } from '../../src/read-preference.js';
import { isStateChangeError } from '../../src/sdam/description/error-handling.js';
import type { TopologyDescription } from '../../src/sdam/description/topology-description.js';
import { Topology } from '../../src/sdam/topology.js';
import type { SelectionCriteria } from '../../src/sdam/topology-contract.js';
import { type MockReplicaSet, MockServer, startReplicaSet } from '../support/mock-server/index.js';

const NOT_WRITABLE_PRIMARY = 10107;

/** Secondaries refuse writes as a real one does; the primary accepts them. */
function electWithWrites(rs: MockReplicaSet, index: number): void {
  rs.elect(index);
  rs.members.forEach((m, i) => {
    setWritable(m, i === index);
  });
}

function setWritable(member: MockServer, writable: boolean): void {
  member.failPoint.configure(
    writable
      ? { configureFailPoint: 'failCommand', mode: 'off' }
      : {
          configureFailPoint: 'failCommand',
          mode: 'alwaysOn',
          data: { failCommands: ['insert'], errorCode: NOT_WRITABLE_PRIMARY },
        },
  );
}

describe('failover against a mock three-member replica set', () => {
  let rs: MockReplicaSet | undefined;
  let extra: MockServer[] = [];
  let topology: Topology | undefined;
  afterEach(async () => {
    if (topology) await lastValueFrom(topology.close(), { defaultValue: undefined });
    await rs?.stop();
    await Promise.all(extra.map((s) => s.stop()));
    rs = undefined;
    topology = undefined;
    extra = [];
  });

  const open = (set: MockReplicaSet, serverSelectionTimeoutMS = 5000) => {
    const bus = new EventBus();
    const events: MongoEvent[] = [];
    bus.events$.subscribe((e) => events.push(e));
    const t = new Topology({
      hosts: set.hosts,
      replicaSet: set.setName,
      handshake: { metadata: buildClientMetadata() },
      heartbeatFrequencyMS: 500,
      minHeartbeatFrequencyMS: 100,
      connectTimeoutMS: 1000,
      serverSelectionTimeoutMS,
      bus,
    });
    topology = t;
    t.connect();
    return { t, events };
  };

  const until = (t: Topology, pred: (td: TopologyDescription) => boolean, ms = 5000) =>
    firstValueFrom(t.description$.pipe(filter(pred), timeout(ms)));
  const primaryOf = (td: TopologyDescription) =>
    [...td.servers.values()].find((s) => s.type === 'RSPrimary')?.address;

  /** One write; a state-change error is retried once after reselection (as retryable writes do). */
  const write = (t: Topology, doc: Document): Observable<string> => {
    const attempt = () =>
      t
        .selectServer({ kind: 'write', operationName: 'insert' })
        .pipe(
          mergeMap((s) =>
            s
              .withConnection((c) => c.command('test', { insert: 'c', documents: [doc] }))
              .pipe(map(() => s.description.address)),
          ),
        );
    return attempt().pipe(
      catchError((e: unknown) => {
        if (e instanceof MongoServerError && isStateChangeError(e.code, e.errmsg)) return attempt();
        throw e;
      }),
    );
  };

  const read = (t: Topology, criteria: SelectionCriteria) =>
    firstValueFrom(defer(() => t.selectServer(criteria))).then((s) =>
      firstValueFrom(s.withConnection((c) => c.command('test', { find: 'c' }))).then(
        () => s.description.address,
      ),
    );

  it('primary steps down and another is elected: writes during the change succeed on the new primary', async () => {
    rs = await startReplicaSet(3);
    electWithWrites(rs, 0);
    const { t, events } = open(rs);
    const set = rs;
    await until(t, (td) => td.type === 'ReplicaSetWithPrimary' && td.servers.size === 3);
    assert.equal(await firstValueFrom(write(t, { i: 0 })), set.hosts[0]);

    // Step down: nobody is primary for a while, then member 1 wins.
    electWithWrites(set, -1);
    const writes = [1, 2, 3].map((i) => firstValueFrom(write(t, { i })));
    await new Promise((r) => setTimeout(r, 700));
    electWithWrites(set, 1);
    const served = await Promise.all(writes);
    assert.deepEqual(served, [set.hosts[1], set.hosts[1], set.hosts[1]]);
    assert.equal(primaryOf(t.description), set.hosts[1]);
    assert.ok(set.members[1]?.commands('insert').length ?? 0 >= 3);
    // The change was seen through the monitors: old primary demoted, new one discovered.
    const changes = events
      .filter((e) => e.name === 'topologyDescriptionChanged')
      .map((e) => (e.newDescription as TopologyDescription).type);
    assert.ok(changes.includes('ReplicaSetNoPrimary'));
    assert.equal(changes.at(-1), 'ReplicaSetWithPrimary');
    // Streaming monitoring: awaited heartbeats, no failures.
    assert.ok(events.some((e) => e.name === 'serverHeartbeatSucceeded' && e.awaited));
    assert.equal(events.filter((e) => e.name === 'serverHeartbeatFailed').length, 0);
  });

  it('a member stops answering: it is marked Unknown and secondaryPreferred reads keep working', async () => {
    rs = await startReplicaSet(3);
    electWithWrites(rs, 0);
    const { t, events } = open(rs);
    const set = rs;
    await until(t, (td) => [...td.servers.values()].filter((s) => s.type === 'RSSecondary').length === 2);
    const silent = set.members[2] as MockServer;
    // Every hello it gets from now on hangs; drop the connections it has so monitoring reconnects.
    silent.failPoint.configure({
      configureFailPoint: 'failCommand',
      mode: 'alwaysOn',
      data: { failCommands: ['hello', 'isMaster', 'ismaster'], blockConnection: true, blockTimeMS: 60_000 },
    });
    silent.closeAllConnections();
    const reads: Promise<string>[] = [];
    const rp = {
      kind: 'read',
      readPreference: ReadPreference.secondaryPreferred,
      operationName: 'find',
    } as const;
    const timer = setInterval(() => reads.push(read(t, rp)), 100);
    await until(t, (td) => td.servers.get(silent.address)?.type === 'Unknown', 5000);
    const unknownAt = reads.length;
    // Its reconnection attempts hang until connectTimeoutMS; reads go on meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(timer);
    const served = await Promise.all(reads);
    assert.ok(served.length - unknownAt >= 10, `${served.length - unknownAt} reads after Unknown`);
    // After it went Unknown, every read goes to the remaining secondary.
    assert.ok(served.slice(unknownAt).every((a) => a === set.hosts[1]));
    assert.equal(t.description.servers.get(silent.address)?.type, 'Unknown');
    assert.ok(events.some((e) => e.name === 'serverHeartbeatFailed' && e.connectionId === silent.address));
    assert.ok(events.some((e) => e.name === 'connectionPoolCleared' && e.address === silent.address));
  });

  it('all members down: selection fails after serverSelectionTimeoutMS, and recovers when they return', async () => {
    rs = await startReplicaSet(3);
    electWithWrites(rs, 0);
    const { t } = open(rs, 1500);
    const set = rs;
    await until(t, (td) => td.type === 'ReplicaSetWithPrimary');
    const ports = set.members.map((m) => m.port);
    await set.stop();
    rs = undefined;
    await until(t, (td) => [...td.servers.values()].every((s) => s.type === 'Unknown'));

    // That selection gives up after serverSelectionTimeoutMS (and not earlier) is proven on virtual time
    // in marbles/sdam/monitor.test.ts; here the real sockets show the error and the recovery.
    await assert.rejects(firstValueFrom(write(t, { down: true })), (e: unknown) => {
      assert.ok(e instanceof MongoServerSelectionError);
      assert.match(e.message, /read preference primary/);
      assert.match(e.message, /ReplicaSetNoPrimary \(setName rs0\)/);
      return true;
    });

    // The members come back on the same ports; a write issued now waits for the primary.
    const pending = firstValueFrom(write(t, { back: true }));
    extra = await Promise.all(
      ports.map((port, i) =>
        MockServer.start({
          port,
          hello: {
            role: i === 0 ? 'primary' : 'secondary',
            setName: set.setName,
            hosts: [...set.hosts],
            me: set.hosts[i],
            primary: set.hosts[0],
            // A newer election than any before the outage (SDAM ignores primaries with older electionIds).
            setVersion: 1,
            electionId: i === 0 ? new ObjectId() : undefined,
          },
        }),
      ),
    );
    assert.equal(await pending, set.hosts[0]);
  });
});
