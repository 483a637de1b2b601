// The fault matrix: each network fault of the replica-set proxy x each kind of operation. Under
// the fault the operation ends with a typed error (bounded by its timeoutMS, never by a clock
// reading here), the pool recovers once the fault is lifted, and after close() the process holds
// no socket or timer of the driver; no uncaught exception, no unhandled rejection.
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { MongoClient, MongoError } from '../../src/index.js';
import type { ReplicaSetProxy } from '../support/rs-proxy/index.js';
import { testProxy, uniqueDbName } from '../support/rs-proxy/testing.js';
import type { MemberFaults } from '../support/rs-proxy/types.js';

type Fault = 'freeze' | 'dropAfterBytes' | 'delayReplies' | 'corruptReplies' | 'reset' | 'wrongResponseTo';
const FAULTS: Record<Fault, (f: MemberFaults) => void> = {
  freeze: (f) => f.freeze(),
  dropAfterBytes: (f) => f.dropAfterBytes(20),
  // Far beyond the operation's timeoutMS.
  delayReplies: (f) => f.delayReplies(60_000),
  corruptReplies: (f) => f.corruptReplies(),
  reset: (f) => f.reset(),
  wrongResponseTo: (f) => f.wrongResponseTo(),
};

type Coll = ReturnType<ReturnType<MongoClient['db']>['collection']>;

/** What each kind of operation does; `prepare` runs before the fault (a cursor's first batch). */
interface Kind {
  readonly fresh?: boolean;
  prepare?(coll: Coll): Promise<() => Promise<unknown>>;
  run?(coll: Coll): Promise<unknown>;
}

const KINDS: Record<string, Kind> = {
  // A new client: its first connection's handshake meets the fault.
  handshake: { fresh: true, run: (c) => lastValueFrom(c.countDocuments({})) },
  insert: { run: (c) => lastValueFrom(c.insertOne({ x: 1 })) },
  update: { run: (c) => lastValueFrom(c.updateOne({ x: 1 }, { $set: { y: 1 } })) },
  findFirstBatch: { run: (c) => lastValueFrom(c.find({}, { batchSize: 2 }).toArray()) },
  getMore: {
    prepare: async (c) => {
      const it = c.find({}, { batchSize: 2 })[Symbol.asyncIterator]();
      await it.next();
      await it.next();
      return async () => {
        try {
          return await it.next();
        } finally {
          await it.return?.();
        }
      };
    },
  },
  aggregate: { run: (c) => lastValueFrom(c.aggregate([{ $match: {} }]).toArray()) },
  command: { run: (c) => lastValueFrom(c.countDocuments({})) },
};

function driverResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** Open client-side sockets to a member of the proxy (the driver's: pools and monitors). */
function driverSockets(proxy: ReplicaSetProxy): string[] {
  const ports = new Set(proxy.members.map((m) => m.port));
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles
    .filter((h): h is Socket => h instanceof Socket && !h.destroyed && ports.has(h.remotePort ?? -1))
    .map((s) => `${s.localPort} -> ${s.remotePort}`);
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('fault matrix (replica-set proxy)', { timeout: 600_000 }, () => {
  let proxy: ReplicaSetProxy;
  let baseline: Map<string, number>;
  const dbName = uniqueDbName('faults');
  const unexpected: unknown[] = [];
  const onUnexpected = (e: unknown) => unexpected.push(e);

  before(async () => {
    process.on('uncaughtException', onUnexpected);
    process.on('unhandledRejection', onUnexpected);
    proxy = await testProxy({ members: 1 });
    const seed = newClient();
    await lastValueFrom(
      seed
        .db(dbName)
        .collection('items')
        .insertMany([{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }, { x: 5 }], { timeoutMS: 0 }),
    );
    await lastValueFrom(seed.close(), { defaultValue: undefined });
    await turns(20);
    baseline = driverResources();
  });

  after(async () => {
    process.off('uncaughtException', onUnexpected);
    process.off('unhandledRejection', onUnexpected);
    await proxy?.close();
  });

  function newClient(): MongoClient {
    return new MongoClient(proxy.uri, {
      timeoutMS: 1500,
      serverSelectionTimeoutMS: 30_000,
      connectTimeoutMS: 1000,
      heartbeatFrequencyMS: 500,
    });
  }

  const results: string[] = [];
  for (const fault of Object.keys(FAULTS) as Fault[]) {
    for (const [kindName, kind] of Object.entries(KINDS)) {
      it(`${fault} x ${kindName}: typed error, recovery after lift, nothing left after close`, async () => {
        const client = newClient();
        const coll = client.db(dbName).collection('items');
        const faults = proxy.members[0]?.faults as MemberFaults;
        try {
          if (!kind.fresh) await lastValueFrom(coll.countDocuments({}, { timeoutMS: 0 }));
          const op = kind.prepare
            ? await kind.prepare(coll)
            : () => (kind.run as (c: Coll) => Promise<unknown>)(coll);
          FAULTS[fault](faults);
          const error = await op().then(
            () => undefined,
            (e: unknown) => e,
          );
          faults.lift();
          if (error !== undefined) {
            assert.ok(error instanceof MongoError, `a typed error, got ${String(error)}`);
            results.push(`${fault} x ${kindName}: ${error.constructor.name}`);
          } else {
            // A fault that hits no byte of this operation (e.g. dropAfterBytes past a small reply).
            results.push(`${fault} x ${kindName}: succeeded`);
          }
          // The pool recovers: the same client works again once the fault is lifted.
          assert.equal(typeof (await lastValueFrom(coll.countDocuments({}, { timeoutMS: 0 }))), 'number');
        } finally {
          faults.lift();
          await lastValueFrom(client.close(), { defaultValue: undefined });
        }
        await turns(20);
        // The proxy's own sockets (its upstream pool may grow under a fault) are not the driver's:
        // a driver socket is one whose peer is a proxy member.
        assert.deepEqual(driverSockets(proxy), [], 'no driver socket after close');
        const timers = driverResources().get('Timeout') ?? 0;
        assert.ok(timers <= (baseline.get('Timeout') ?? 0), `timers: ${timers} after close`);
        assert.deepEqual(unexpected, []);
      });
    }
  }

  it('auth under faults', {
    skip: 'not hostable: the proxy does not authenticate (FerretDB runs without auth; speculativeAuthenticate is not answered)',
  }, () => {});

  after(() => {
    console.log(`fault matrix:\n  ${results.join('\n  ')}`);
  });
});
