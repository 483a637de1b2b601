// `npm run soak [-- --minutes N]` (default 3; not part of npm test): mixed operations at concurrency
// 50 against the replica-set proxy while its FerretDB is stopped and restarted every 30 s (same
// data directory, same port). Prints the operations that succeeded, the failures by error class,
// acknowledged inserts that are missing afterwards (must be 0), documents stored twice (must be 0:
// retryable writes) and driver handles left after close() (must be 0). Exits 1 when one of the
// last three is not 0. Loopback only; stops by itself.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { type RunningFerretDB, startFerretDB } from '../spec/support/ferretdb.js';
import { startReplicaSetProxy } from '../spec/support/rs-proxy/index.js';
import { MongoClient } from '../src/index.js';

const CONCURRENCY = 50;
const RESTART_EVERY_MS = 30_000;

function minutesArg(): number {
  const i = process.argv.indexOf('--minutes');
  const n = i >= 0 ? Number(process.argv[i + 1]) : 3;
  if (!(n > 0)) throw new Error('--minutes takes a positive number');
  return n;
}

function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

async function main(): Promise<number> {
  const minutes = minutesArg();
  const dir = mkdtempSync(join(tmpdir(), 'mongorx-soak-'));
  let ferret: RunningFerretDB = await startFerretDB({ dir });
  const port = ferret.port;
  const proxy = await startReplicaSetProxy({ members: 3, upstream: `127.0.0.1:${port}` });
  await turns(10);
  const before = resources();
  const client = new MongoClient(proxy.uri, { retryWrites: true, retryReads: true, timeoutMS: 10_000 });
  const coll = client.db('soak').collection<{ k: string; n?: number }>('items');

  const ok = new Map<string, number>();
  const failed = new Map<string, number>();
  const acknowledged: string[] = [];
  const count = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
  let restarts = 0;
  let stopping = false;

  const operations: Record<string, () => Promise<unknown>> = {
    insertOne: async () => {
      const k = randomUUID();
      await lastValueFrom(coll.insertOne({ k, n: 0 }));
      acknowledged.push(k);
    },
    updateOne: () =>
      lastValueFrom(coll.updateOne({ k: acknowledged[acknowledged.length - 1] ?? '' }, { $inc: { n: 1 } })),
    find: () => lastValueFrom(coll.find({}, { limit: 10, batchSize: 3 }).toArray()),
    aggregate: () => lastValueFrom(coll.aggregate([{ $match: {} }, { $limit: 5 }]).toArray()),
    countDocuments: () => lastValueFrom(coll.countDocuments({})),
    command: () => lastValueFrom(client.db('soak').command({ ping: 1 })),
  };
  const names = Object.keys(operations);

  const worker = async (w: number) => {
    for (let i = w; !stopping; i++) {
      const name = names[i % names.length] as string;
      try {
        await (operations[name] as () => Promise<unknown>)();
        count(ok, name);
      } catch (e) {
        count(failed, `${name}: ${(e as Error).constructor.name}`);
      }
    }
  };

  let restarting: Promise<void> = Promise.resolve();
  const restarter = setInterval(() => {
    restarting = (async () => {
      await ferret.stop();
      restarts++;
      ferret = await startFerretDB({ dir, port });
    })();
  }, RESTART_EVERY_MS);
  const end = setTimeout(() => {
    stopping = true;
  }, minutes * 60_000);
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  clearInterval(restarter);
  clearTimeout(end);
  await restarting;
  await lastValueFrom(client.close(), { defaultValue: undefined });
  await turns(50);
  const after = resources();
  // The proxy's upstream pool grows while FerretDB restarts: only sockets whose peer is a proxy
  // member are the driver's.
  const memberPorts = new Set(proxy.members.map((m) => m.port));
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const driverSockets = handles.filter(
    (h) => h instanceof Socket && !h.destroyed && memberPorts.has(h.remotePort ?? -1),
  ).length;

  // Check the data directly at FerretDB (restarted if a restart was under way).
  const check = new MongoClient(ferret.uri);
  let docs: { k: string }[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      docs = await lastValueFrom(check.db('soak').collection<{ k: string }>('items').find({}).toArray());
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await lastValueFrom(check.close(), { defaultValue: undefined });
  const stored = new Map<string, number>();
  for (const d of docs) stored.set(d.k, (stored.get(d.k) ?? 0) + 1);
  const lost = acknowledged.filter((k) => !stored.has(k)).length;
  const duplicates = [...stored.values()].filter((n) => n > 1).length;
  const timers = Math.max(0, (after.get('Timeout') ?? 0) - (before.get('Timeout') ?? 0));
  const left = driverSockets + timers;
  const leftover = [`driver sockets ${driverSockets}`, `timers ${timers}`];
  await proxy.close();
  await ferret.stop();
  rmSync(dir, { recursive: true, force: true });

  const total = [...ok.values()].reduce((a, b) => a + b, 0);
  console.log(`soak: ${minutes} min, concurrency ${CONCURRENCY}, FerretDB restarted ${restarts} times`);
  console.log(`ops succeeded: ${total} (${[...ok].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  console.log('ops failed by error class:');
  for (const [k, v] of [...failed].sort()) console.log(`  ${k}: ${v}`);
  console.log(`acknowledged inserts: ${acknowledged.length}, lost: ${lost}`);
  console.log(`duplicated documents: ${duplicates}`);
  console.log(`handles left after close: ${left} (${leftover.join(', ')})`);
  return lost === 0 && duplicates === 0 && left === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
