import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoClient, MongoServerError } from 'mongodb';
import { RawConnection } from './raw-client.js';
import { insertRetryOutcomes, retryableInsert, testProxy, uniqueDbName, upstreamClient } from './testing.js';

describe('rs-proxy failover', { timeout: 180_000 }, () => {
  it('stepDown: the old primary answers writes with NotWritablePrimary and a newer topologyVersion', async () => {
    const proxy = await testProxy({ members: 3 });
    const db = uniqueDbName('stepdown');
    const old = await RawConnection.open(proxy.hosts[0]!);
    try {
      const before = (await old.command({ hello: 1 })).topologyVersion;
      proxy.stepDown();
      const refused = await old.command(retryableInsert(db, [{ _id: 1 }]));
      assert.equal(refused.code, 10107);
      assert.deepEqual(refused.errorLabels, ['RetryableWriteError']);
      assert.equal(refused.topologyVersion.counter.toBigInt(), before.counter.toBigInt() + 1n);
      const fresh = await RawConnection.open(proxy.hosts[1]!);
      assert.equal((await fresh.command({ insert: 'c', documents: [{ _id: 1 }], $db: db })).n, 1);
      await fresh.command({ dropDatabase: 1, $db: db });
      fresh.destroy();
    } finally {
      old.destroy();
      await proxy.close();
    }
  });

  it('replSetStepDown steps the primary down; a secondary refuses it', async () => {
    const proxy = await testProxy({ members: 3 });
    const [primary, secondary] = await Promise.all([0, 2].map((i) => RawConnection.open(proxy.hosts[i]!)));
    try {
      assert.equal((await secondary!.command({ replSetStepDown: 60 })).code, 10107);
      assert.equal((await primary!.command({ replSetStepDown: 60 })).ok, 1);
      assert.equal(proxy.primaryIndex, 1);
      assert.equal((await primary!.command({ hello: 1 })).isWritablePrimary, false);
    } finally {
      primary!.destroy();
      secondary!.destroy();
      await proxy.close();
    }
  });

  it('400 inserts at concurrency 20, a stepDown every 100 and dropped replies: every acknowledged insert is in FerretDB once', async () => {
    const proxy = await testProxy({ members: 3 });
    const db = uniqueDbName('failover');
    const client = new MongoClient(proxy.uri, { retryWrites: true, serverSelectionTimeoutMS: 30_000 });
    const direct = upstreamClient(proxy);
    try {
      const coll = client.db(db).collection<{ _id: number }>('c');
      await client.db(db).command({ ping: 1 });
      proxy.configureFailPoint({
        configureFailPoint: 'failCommand',
        mode: { activationProbability: 0.03 },
        data: { failCommands: ['insert'], dropReplyAfterExecution: true },
      });
      const TOTAL = 400;
      const acknowledged: number[] = [];
      const failures: unknown[] = [];
      let next = 0;
      let completed = 0;
      const worker = async () => {
        while (next < TOTAL) {
          const id = next++;
          try {
            await coll.insertOne({ _id: id });
            acknowledged.push(id);
          } catch (error) {
            failures.push(error);
          }
          completed++;
          if (completed % 100 === 0 && completed < TOTAL) proxy.stepDown();
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      proxy.configureFailPoint({ configureFailPoint: 'failCommand', mode: 'off' });

      const stored = (await direct.db(db).collection<{ _id: number }>('c').find().toArray()).map(
        (d) => d._id,
      );
      const times = new Map<number, number>();
      for (const id of stored) times.set(id, (times.get(id) ?? 0) + 1);
      for (const id of acknowledged) assert.equal(times.get(id), 1, `acknowledged insert ${id} stored once`);
      for (const f of failures) {
        assert.ok(!(f instanceof MongoServerError && f.code === 11000), `a retry ran again: ${String(f)}`);
      }

      const { dropped, answered } = insertRetryOutcomes(proxy, db);
      assert.ok(dropped > 0, 'some replies were dropped');
      assert.ok(answered > 0, 'some retries were answered from memory');
      assert.equal(proxy.primaryIndex, 0, 'three stepDowns: 0 -> 1 -> 2 -> 0');
      assert.equal(acknowledged.length + failures.length, TOTAL);
      assert.ok(acknowledged.length >= TOTAL * 0.9, `acknowledged ${acknowledged.length} of ${TOTAL}`);
    } finally {
      await client.close();
      await direct.db(db).dropDatabase();
      await direct.close();
      await proxy.close();
    }
  });
});
