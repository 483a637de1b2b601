import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { freePort } from '../ferretdb.js';
import { startReplicaSetProxy } from './index.js';
import { RawConnection } from './raw-client.js';

function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Handles close a tick or so after their 'close'/'exit' events: look again, a bounded number of times. */
async function resourcesBackTo(baseline: Map<string, number>): Promise<Map<string, number>> {
  let now = resources();
  for (let i = 0; i < 300; i++) {
    if ([...now].every(([k, n]) => n <= (baseline.get(k) ?? 0))) break;
    await sleep(10);
    now = resources();
  }
  return now;
}

function refused(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const s = connect(Number(port), host);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('rs-proxy lifecycle', { timeout: 90_000 }, () => {
  it('close() with work in flight leaves no handles: sockets, listeners, timers, its own FerretDB', async () => {
    const baseline = resources();
    const proxy = await startReplicaSetProxy({ members: 3 });
    const client = new MongoClient(proxy.uri, { serverSelectionTimeoutMS: 20_000 });
    await client.db('rsproxy_lifecycle').command({ ping: 1 });

    const awaiting = await RawConnection.open(proxy.hosts[1]!);
    const tv = (await awaiting.command({ hello: 1 })).topologyVersion;
    awaiting.send({ hello: 1, topologyVersion: tv, maxAwaitTimeMS: 600_000 }, { exhaustAllowed: true });
    const blocked = await RawConnection.open(proxy.hosts[0]!);
    proxy.configureFailPoint(
      {
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: { failCommands: ['ping'], blockConnection: true, blockTimeMS: 600_000 },
      },
      0,
    );
    const blocking = proxy.nextCommand((r) => r.outcome === 'fail-point-block');
    blocked.send({ ping: 1 });
    await blocking;
    proxy.members[2]!.faults.freeze();
    const frozen = await RawConnection.open(proxy.hosts[2]!);
    frozen.send({ ping: 1 });
    proxy.members[1]!.faults.delayReplies(600_000);
    const delayed = await RawConnection.open(proxy.hosts[1]!);
    delayed.send({ ping: 1 });
    assert.ok(proxy.members.every((m) => m.connections > 0));

    await client.close();
    await proxy.close();
    await Promise.all([awaiting.closed, blocked.closed, frozen.closed, delayed.closed]);
    assert.deepEqual(await resourcesBackTo(baseline), baseline);
    for (const host of proxy.hosts) assert.equal(await refused(host), true, `${host} no longer listens`);
    await proxy.close();
  });

  it('bad options fail before anything starts', async () => {
    const baseline = resources();
    await assert.rejects(startReplicaSetProxy({ members: 2 as 1 }), RangeError);
    await assert.rejects(startReplicaSetProxy({ mongos: 3 as 1 }), RangeError);
    await assert.rejects(
      startReplicaSetProxy({ upstream: 'mongodb://u:p@127.0.0.1:1/' }),
      /without credentials/,
    );
    assert.deepEqual(await resourcesBackTo(baseline), baseline);
  });

  it('an unreachable upstream closes the client connection (a network error, as a crashed server gives)', async () => {
    const proxy = await startReplicaSetProxy({ members: 1, upstream: `127.0.0.1:${await freePort()}` });
    const c = await RawConnection.open(proxy.hosts[0]!);
    try {
      assert.equal((await c.command({ hello: 1 })).ok, 1, 'hello needs no upstream');
      await assert.rejects(c.command({ find: 'c', $db: 'x' }), /closed before the reply/);
      assert.equal(proxy.commands.at(-1)?.outcome, 'upstream-failed');
    } finally {
      c.destroy();
      await proxy.close();
    }
  });
});
