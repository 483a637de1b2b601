import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { cursorReply } from '../spec/support/mock-server/cursor.js';
import { startReplicaSet } from '../spec/support/mock-server/replica-set.js';
import type { MockServer } from '../spec/support/mock-server/server.js';
import { startShardedCluster } from '../spec/support/mock-server/sharded.js';
import type { MockHandler } from '../spec/support/mock-server/types.js';
import { MongoClient } from '../src/client/mongo-client.js';
import type { TopologyDescription } from '../src/sdam/description/topology-description.js';
import { pickServer, selectServers } from '../src/selection/select.js';
import {
  readPreferenceSelector,
  type ServerSelector,
  writableServerSelector,
} from '../src/selection/selectors.js';
import { fmt, load1, writeReport } from './stats.js';

const root = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const list = (flag: string, fallback: string) =>
  (argv.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3) ?? fallback)
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
const sizes = list('members', '3,10,25,50');
const mongosCounts = list('mongos', '2,7');
const WINDOW_MS = Number(argv.find((a) => a.startsWith('--window='))?.slice(9) ?? 10_500);
const OPS = 10_000;
const SELECTIONS = 10_000;
/** Rounds of `SELECTIONS`; the fastest one counts. */
const ROUNDS = 15;
/** Selection needs at most linear growth: a log-log slope above this fails the check. */
const MAX_SLOPE = 1.2;

/** Counts timer callbacks that run (each one an event-loop wakeup for a timer). */
const wakeups = { n: 0 };
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
/** The timer function `real`, with each callback counted when it runs. */
function counting<T extends typeof setTimeout | typeof setInterval>(real: T): T {
  return ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    real(
      (...a: unknown[]) => {
        wakeups.n++;
        fn(...a);
      },
      ms,
      ...args,
    )) as T;
}
globalThis.setTimeout = counting(globalThis.setTimeout);
globalThis.setInterval = counting(globalThis.setInterval);

// A full collection before each case's baseline, without asking for --expose-gc on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Highest heapUsed seen since `reset()`, from `sampleHeap()` (an uncounted timer). */
const heap = {
  start: 0,
  peak: 0,
  /** A full collection, then the start of a case's figures. */
  reset(): void {
    gc();
    heap.start = process.memoryUsage().heapUsed;
    heap.peak = heap.start;
  },
  /** "peak (+ growth over the start)" in MB. */
  text(): string {
    return `${fmt(heap.peak / MB, 1)} (+${fmt((heap.peak - heap.start) / MB, 1)})`;
  },
};
/** Samples heapUsed every 20 ms (off during the idle window, not to add to its CPU figure). */
function sampleHeap(): () => void {
  const timer = realSetInterval(() => {
    heap.peak = Math.max(heap.peak, process.memoryUsage().heapUsed);
  }, 20);
  return () => {
    heap.peak = Math.max(heap.peak, process.memoryUsage().heapUsed);
    clearInterval(timer);
  };
}

const MB = 1024 * 1024;

/** Answers finds with one document and inserts with their count, as a server would. */
const handler: MockHandler = (request) => {
  if (request.commandName === 'find')
    return cursorReply(`${request.db}.${String(request.command.find)}`, [{ _id: 1 }]);
  if (request.commandName === 'insert') return { ok: 1, n: request.sequences[0]?.documents.length ?? 1 };
  return undefined;
};

/** A connected client, its latest topology description and heartbeat count. */
async function discover(uri: string, count: number, type: 'RSPrimary|RSSecondary' | 'Mongos') {
  const client = new MongoClient(uri);
  const seen: { td: TopologyDescription | undefined; heartbeats: number } = { td: undefined, heartbeats: 0 };
  client.events$.subscribe((e) => {
    if (e.name === 'topologyDescriptionChanged') seen.td = e.newDescription as TopologyDescription;
    if (e.name === 'serverHeartbeatStarted') seen.heartbeats++;
  });
  const wanted = new Set(type.split('|'));
  const known = (d: TopologyDescription | undefined) =>
    d !== undefined && [...d.servers.values()].filter((s) => wanted.has(s.type)).length === count;
  // Discovery: from connect until every server has its final type.
  const t0 = performance.now();
  await lastValueFrom(client.connect());
  if (!known(seen.td))
    await firstValueFrom(
      client.events$.pipe(
        filter(
          (e) => e.name === 'topologyDescriptionChanged' && known(e.newDescription as TopologyDescription),
        ),
      ),
    );
  return { client, seen, discoverMs: performance.now() - t0 };
}

/**
 * One selection as an operation makes it: suitable servers, the latency window, then the
 * operationCount choice of two. Fastest of `ROUNDS` rounds (the machine is shared: the minimum is the
 * least disturbed), in µs per selection.
 */
function selectionUs(td: TopologyDescription, selector: ServerSelector): number {
  const idle = () => 0;
  for (let i = 0; i < 1000; i++) pickServer(selectServers(td, selector), idle);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const s0 = performance.now();
    for (let i = 0; i < SELECTIONS; i++) pickServer(selectServers(td, selector), idle);
    best = Math.min(best, ((performance.now() - s0) / SELECTIONS) * 1000);
  }
  return best;
}

interface Burst {
  ms: number;
  /** Commands each server received during the burst, in the servers' order. */
  per: number[];
  failed: number;
  failure: string;
}

/** `OPS` concurrent operations; counts what each server received of `command`. */
async function burst(servers: readonly MockServer[], command: string, op: (i: number) => Promise<unknown>) {
  const before = servers.map((m) => m.commands(command).length);
  const r0 = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: OPS }, (_, i) => op(i)));
  const ms = performance.now() - r0;
  const failed = settled.filter((x) => x.status === 'rejected');
  return {
    ms,
    per: servers.map((m, i) => m.commands(command).length - (before[i] ?? 0)),
    failed: failed.length,
    failure: failed.length ? String((failed[0] as PromiseRejectedResult).reason?.name) : '',
  } satisfies Burst;
}

interface Idle {
  heartbeats: number;
  wakeups: number;
  cpuMs: number;
  heapGrowthMB: number;
}

/** Idle monitoring at the default heartbeat (10 s): wakeups, heartbeats, CPU, memory. */
async function idle(seen: { heartbeats: number }): Promise<Idle> {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const w0 = wakeups.n;
  const h0 = seen.heartbeats;
  const c0 = process.cpuUsage();
  await new Promise((resolve) => realSetTimeout(resolve, WINDOW_MS));
  const cpu = process.cpuUsage(c0);
  return {
    heartbeats: seen.heartbeats - h0,
    wakeups: wakeups.n - w0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    heapGrowthMB: (process.memoryUsage().heapUsed - heap0) / MB,
  };
}

interface Row {
  members: number;
  discoverMs: number;
  selectUs: number;
  inWindow: number;
  reads: Burst;
  idle: Idle;
  peakHeap: string;
}

async function measureReplicaSet(members: number): Promise<Row> {
  heap.reset();
  const stopSampling = sampleHeap();
  const rs = await startReplicaSet(members, { handler });
  const { client, seen, discoverMs } = await discover(rs.uri, members, 'RSPrimary|RSSecondary');
  try {
    const td = seen.td as TopologyDescription;
    const selector = readPreferenceSelector({ mode: 'secondaryPreferred' });
    const selectUs = selectionUs(td, selector);
    const inWindow = selectServers(td, selector).length;
    const admin = client.db('admin');
    const reads = await burst(rs.members, 'ping', () =>
      lastValueFrom(admin.command({ ping: 1 }, { readPreference: 'secondaryPreferred' })),
    );
    stopSampling();
    const idleFigures = await idle(seen);
    return { members, discoverMs, selectUs, inWindow, reads, idle: idleFigures, peakHeap: heap.text() };
  } finally {
    stopSampling();
    await lastValueFrom(client.close(), { defaultValue: undefined });
    await rs.stop();
  }
}

interface ShardedRow {
  mongos: number;
  discoverMs: number;
  readSelectUs: number;
  writeSelectUs: number;
  inWindow: number;
  reads: Burst;
  writes: Burst;
  idle: Idle;
  peakHeap: string;
}

async function measureSharded(count: number): Promise<ShardedRow> {
  heap.reset();
  const stopSampling = sampleHeap();
  const cluster = await startShardedCluster(count, { handler });
  const { client, seen, discoverMs } = await discover(cluster.uri, count, 'Mongos');
  try {
    const td = seen.td as TopologyDescription;
    if (td.type !== 'Sharded') throw new Error(`expected a Sharded topology, got ${td.type}`);
    const readSelectUs = selectionUs(td, readPreferenceSelector({ mode: 'secondaryPreferred' }));
    const writeSelectUs = selectionUs(td, writableServerSelector());
    const inWindow = selectServers(td, writableServerSelector()).length;
    const coll = client.db('scale').collection<{ _id?: unknown; i?: number }>('c');
    const reads = await burst(cluster.mongoses, 'find', () =>
      lastValueFrom(coll.findOne({}, { readPreference: 'secondaryPreferred' }), { defaultValue: null }),
    );
    const writes = await burst(cluster.mongoses, 'insert', (i) => lastValueFrom(coll.insertOne({ i })));
    stopSampling();
    const idleFigures = await idle(seen);
    return {
      mongos: count,
      discoverMs,
      readSelectUs,
      writeSelectUs,
      inWindow,
      reads,
      writes,
      idle: idleFigures,
      peakHeap: heap.text(),
    };
  } finally {
    stopSampling();
    await lastValueFrom(client.close(), { defaultValue: undefined });
    await cluster.stop();
  }
}

/** Timer wakeups per server per heartbeat, by the heartbeats the monitors actually ran. */
const wakeupsPerBeat = (i: Idle) => (i.heartbeats > 0 ? i.wakeups / i.heartbeats : Number.NaN);
const cpuPerBeat = (i: Idle) => (i.heartbeats > 0 ? i.cpuMs / i.heartbeats : Number.NaN);
const failures = (b: Burst) => (b.failed ? `; ${b.failed} failed (${b.failure})` : '');

/** Least-squares slope of log(y) on log(x): 1 is linear growth, 0 none. */
function logLogSlope(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += ((lx[i] as number) - mx) * ((ly[i] as number) - my);
    den += ((lx[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

interface Check {
  claim: string;
  /** undefined: the figures cannot tell (e.g. no heartbeat in a short idle window). */
  holds: boolean | undefined;
  because: string;
}

function monitoringCheck(what: string, idles: { servers: number; idle: Idle }[]): Check {
  const worst = Math.max(...idles.map((x) => wakeupsPerBeat(x.idle)));
  const beatless = idles.filter((x) => x.idle.heartbeats < x.servers);
  return {
    claim: `${what}: monitoring wakes the event loop at most once per heartbeat per server (timer wakeups / heartbeats run <= 1)`,
    holds: beatless.length > 0 ? undefined : worst <= 1,
    because:
      beatless.length > 0
        ? `fewer heartbeats than servers in the idle window at ${beatless.map((x) => x.servers).join(', ')} servers: nothing to judge`
        : `worst ${fmt(worst, 2)} wakeups per server per heartbeat (${idles.map((x) => `${x.idle.wakeups}/${x.idle.heartbeats} at ${x.servers}`).join(', ')})`,
  };
}

function spreadCheck(what: string, cases: { servers: number; inWindow: number; burst: Burst }[]): Check {
  const bad = cases.filter(
    (c) => c.burst.failed > 0 || c.burst.per.filter((n) => n > 0).length < Math.min(c.inWindow, OPS),
  );
  return {
    claim: `${what}: all ${fmt(OPS)} operations succeed and every server in the latency window gets some`,
    holds: bad.length === 0,
    because:
      bad.length === 0
        ? cases
            .map(
              (c) =>
                `${c.burst.per.filter((n) => n > 0).length} used of ${c.inWindow} in the window at ${c.servers}`,
            )
            .join(', ')
        : bad
            .map(
              (c) =>
                `at ${c.servers}: ${c.burst.per.filter((n) => n > 0).length} used of ${c.inWindow} in the window${failures(c.burst)}`,
            )
            .join('; '),
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows: Row[] = [];
  const shardedRows: ShardedRow[] = [];
  const loads: number[] = [];
  for (const n of sizes) {
    loads.push(load1());
    console.error(`replica set of ${n}`);
    rows.push(await measureReplicaSet(n));
  }
  for (const n of mongosCounts) {
    loads.push(load1());
    console.error(`sharded cluster of ${n} mongos`);
    shardedRows.push(await measureSharded(n));
  }
  const checks: Check[] = [];
  if (rows.length > 1) {
    const slope = logLogSlope(
      rows.map((r) => r.members),
      rows.map((r) => r.selectUs),
    );
    checks.push({
      claim: `Replica set: selection time stays at most linear in the member count (log-log slope of µs/op over ${rows.map((r) => r.members).join(', ')} members <= ${MAX_SLOPE})`,
      holds: slope <= MAX_SLOPE,
      because: `slope ${fmt(slope, 2)} (1 = linear, 0 = flat): ${rows.map((r) => `${fmt(r.selectUs, 2)} µs at ${r.members}`).join(', ')}`,
    });
  }
  if (rows.length > 0) {
    checks.push(
      monitoringCheck(
        'Replica set',
        rows.map((r) => ({ servers: r.members, idle: r.idle })),
      ),
    );
    checks.push(
      spreadCheck(
        'Replica set, secondaryPreferred reads',
        rows.map((r) => ({ servers: r.members, inWindow: r.inWindow, burst: r.reads })),
      ),
    );
  }
  if (shardedRows.length > 1) {
    const first = shardedRows[0] as ShardedRow;
    const last = shardedRows[shardedRows.length - 1] as ShardedRow;
    const allowed = last.mongos / first.mongos;
    const ratio = last.writeSelectUs / first.writeSelectUs;
    checks.push({
      claim: `Sharded: selection time grows at most linearly from ${first.mongos} to ${last.mongos} mongos (ratio <= ${fmt(allowed, 1)})`,
      holds: ratio <= allowed,
      because: `${fmt(first.writeSelectUs, 2)} -> ${fmt(last.writeSelectUs, 2)} µs per selection: x${fmt(ratio, 2)}`,
    });
  }
  if (shardedRows.length > 0) {
    checks.push(
      monitoringCheck(
        'Sharded',
        shardedRows.map((r) => ({ servers: r.mongos, idle: r.idle })),
      ),
    );
    checks.push(
      spreadCheck('Sharded, reads', [
        ...shardedRows.map((r) => ({ servers: r.mongos, inWindow: r.inWindow, burst: r.reads })),
      ]),
    );
    checks.push(
      spreadCheck('Sharded, writes', [
        ...shardedRows.map((r) => ({ servers: r.mongos, inWindow: r.inWindow, burst: r.writes })),
      ]),
    );
  }
  const totalS = (performance.now() - started) / 1000;
  const spreadText = (b: Burst) =>
    `min ${Math.min(...b.per)}, max ${Math.max(...b.per)}, ${b.per.filter((n) => n > 0).length}/${b.per.length} used${failures(b)}`;
  const idleTitle = `in ${fmt(WINDOW_MS / 1000, 1)} s idle`;
  const out = [
    '# mongorx at scale (mock replica sets and mongos on loopback)',
    '',
    `Written by \`${['node --import tsx bench/scale.ts', ...argv].join(' ')}\` (node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z; ${fmt(totalS)} s; load ${loads.map((l) => fmt(l, 1)).join(', ')} on 2 cores). One run per size, so read growth, not absolute figures. Selection is one operation's: suitable servers, latency window, operationCount choice of two (fastest of ${ROUNDS} rounds of ${fmt(SELECTIONS)}). Monitoring figures are divided by the heartbeats the monitors ran in the idle window (default heartbeat, 10 s). CPU and heap include the mock servers (same process; they also keep every request they received). Peak heap is sampled every 20 ms from the case's start, after a full collection, to the end of its bursts; the first burst of a case also opens the pools' connections.`,
    '',
    '## Replica sets',
    '',
    `| members | discover ms | selection µs/op (secondaryPreferred) | µs per member | in latency window | ${fmt(OPS)} concurrent reads ms | spread of the reads | heartbeats ${idleTitle} | timer wakeups | wakeups per member per heartbeat | CPU ms per member per heartbeat | heap growth idle MB | peak heap MB (+ over the start) |`,
    '|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.members} | ${fmt(r.discoverMs)} | ${fmt(r.selectUs, 2)} | ${fmt(r.selectUs / r.members, 3)} | ${r.inWindow}/${r.members - 1} | ${fmt(r.reads.ms)} | primary ${r.reads.per[0]}; secondaries ${spreadText({ ...r.reads, per: r.reads.per.slice(1) })} | ${r.idle.heartbeats} | ${r.idle.wakeups} | ${fmt(wakeupsPerBeat(r.idle), 2)} | ${fmt(cpuPerBeat(r.idle), 2)} | ${fmt(r.idle.heapGrowthMB, 1)} | ${r.peakHeap} |`,
    ),
    '',
    '## Sharded clusters (mongos routers, all given as seeds)',
    '',
    `| mongos | discover ms | selection µs/op (read / write) | in latency window | ${fmt(OPS)} concurrent reads ms | reads per mongos | ${fmt(OPS)} concurrent writes ms | writes per mongos | heartbeats ${idleTitle} | timer wakeups | wakeups per mongos per heartbeat | CPU ms per mongos per heartbeat | heap growth idle MB | peak heap MB (+ over the start) |`,
    '|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...shardedRows.map(
      (r) =>
        `| ${r.mongos} | ${fmt(r.discoverMs)} | ${fmt(r.readSelectUs, 2)} / ${fmt(r.writeSelectUs, 2)} | ${r.inWindow}/${r.mongos} | ${fmt(r.reads.ms)} | ${r.reads.per.join(' / ')}${failures(r.reads)} | ${fmt(r.writes.ms)} | ${r.writes.per.join(' / ')}${failures(r.writes)} | ${r.idle.heartbeats} | ${r.idle.wakeups} | ${fmt(wakeupsPerBeat(r.idle), 2)} | ${fmt(cpuPerBeat(r.idle), 2)} | ${fmt(r.idle.heapGrowthMB, 1)} | ${r.peakHeap} |`,
    ),
    '',
    '## Checks (computed from the figures above)',
    '',
    ...checks.map(
      (c) =>
        `- **${c.holds === undefined ? 'not judged' : c.holds ? 'holds' : 'FAILS'}**: ${c.claim}. ${c.because}.`,
    ),
    '',
  ];
  const text = out.join('\n');
  console.log(text);
  writeReport(join(root, 'bench/SCALE.md'), text);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
