// Failover proof (issue 11): mongorx writes through the three-member replica-set proxy on FerretDB
// while the primary steps down every 200 writes and replies are dropped after execution at random.
// Every acknowledged insert must be stored exactly once, and no (lsid, txnNumber) may run twice.
// Bounded by counting: a fixed number of inserts, each ending with a result or a typed error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchError, from, lastValueFrom, map, mergeMap, of, tap, toArray } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import { MongoError, MongoServerError } from '../../src/errors.js';
import { insertRetryOutcomes, testProxy, uniqueDbName, upstreamClient } from '../support/rs-proxy/testing.js';

const TOTAL = 2_000;
const CONCURRENCY = 20;
const STEP_DOWN_EVERY = 200;

describe('failover with retryable writes (mongorx through the replica-set proxy)', {
  timeout: 600_000,
}, () => {
  it(`${TOTAL} inserts at concurrency ${CONCURRENCY}, a stepDown every ${STEP_DOWN_EVERY}, dropped replies: acknowledged inserts stored once`, async () => {
    const proxy = await testProxy({ members: 3 });
    const dbName = uniqueDbName('mongorx_failover');
    const client = new MongoClient(proxy.uri, { retryWrites: true, serverSelectionTimeoutMS: 30_000 });
    const direct = upstreamClient(proxy);
    try {
      const coll = client.db(dbName).collection<{ _id: number }>('c');
      await lastValueFrom(client.db(dbName).command({ ping: 1 }));
      proxy.configureFailPoint({
        configureFailPoint: 'failCommand',
        mode: { activationProbability: 0.03 },
        data: { failCommands: ['insert'], dropReplyAfterExecution: true },
      });

      let completed = 0;
      const outcomes = await lastValueFrom(
        from(Array.from({ length: TOTAL }, (_, i) => i)).pipe(
          mergeMap(
            (id) =>
              coll.insertOne({ _id: id }).pipe(
                map(() => ({ id, error: undefined as unknown })),
                catchError((error: unknown) => of({ id, error })),
                tap(() => {
                  completed++;
                  if (completed % STEP_DOWN_EVERY === 0 && completed < TOTAL) proxy.stepDown();
                }),
              ),
            CONCURRENCY,
          ),
          toArray(),
        ),
      );
      proxy.configureFailPoint({ configureFailPoint: 'failCommand', mode: 'off' });

      const acknowledged = outcomes.filter((o) => o.error === undefined).map((o) => o.id);
      const failures = outcomes.filter((o) => o.error !== undefined).map((o) => o.error);
      const stored = (await direct.db(dbName).collection<{ _id: number }>('c').find().toArray()).map(
        (d) => d._id,
      );
      const times = new Map<number, number>();
      for (const id of stored) times.set(id, (times.get(id) ?? 0) + 1);

      for (const id of acknowledged) assert.equal(times.get(id), 1, `acknowledged insert ${id} stored once`);
      assert.equal(stored.length, new Set(stored).size, 'no document stored twice');
      const byClass = new Map<string, number>();
      for (const f of failures) {
        const key = f instanceof Error ? `${f.constructor.name}: ${f.message.slice(0, 80)}` : String(f);
        byClass.set(key, (byClass.get(key) ?? 0) + 1);
      }
      if (byClass.size > 0)
        console.log('failover failures:', [...byClass].map(([k, n]) => `${n} × ${k}`).join('; '));
      for (const f of failures) {
        assert.ok(f instanceof MongoError, `typed error: ${String(f)}`);
        assert.ok(!(f instanceof MongoServerError && f.code === 11000), `a retry ran again: ${String(f)}`);
      }

      const { dropped, answered } = insertRetryOutcomes(proxy, dbName);
      assert.ok(dropped > 0, 'some replies were dropped');
      assert.ok(answered > 0, 'some retries were answered from memory');
      assert.equal(acknowledged.length + failures.length, TOTAL);
      // A write fails only when its retry is cut too (a second dropped reply or a second stepDown).
      assert.ok(acknowledged.length >= TOTAL * 0.95, `acknowledged ${acknowledged.length} of ${TOTAL}`);
      console.log(
        `failover: ${acknowledged.length} acknowledged, ${failures.length} failed, ${stored.length} stored, ` +
          `${dropped} replies dropped, ${answered} retries answered from memory, ${TOTAL / STEP_DOWN_EVERY - 1} stepDowns`,
      );
    } finally {
      await lastValueFrom(client.close(), { defaultValue: undefined });
      await direct.db(dbName).dropDatabase();
      await direct.close();
      await proxy.close();
    }
  });
});
