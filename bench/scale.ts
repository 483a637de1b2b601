// `node --import tsx bench/scale.ts [--members=3,10,25,50] [--window=10500]`: mongorx against
// replica sets of growing size played by the mock server on loopback (issue 17 "Scale"): time to
// discover, monitoring wakeups/CPU/memory per member at the default heartbeat, server-selection
// time per operation, and 10,000 concurrent secondaryPreferred reads spread over the members.
// The mock members run in this process, so CPU figures include them; wakeups count only timer
// callbacks (the mock servers wait with node:timers/promises, which these counters do not see).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { startReplicaSet } from '../spec/support/mock-server/replica-set.js';
import { MongoClient } from '../src/client/mongo-client.js';
import type { TopologyDescription } from '../src/sdam/description/topology-description.js';
import { selectServers } from '../src/selection/select.js';
import { readPreferenceSelector } from '../src/selection/selectors.js';
import { fmt, load1 } from './stats.js';

const root = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const sizes = (argv.find((a) => a.startsWith('--members='))?.slice(10) ?? '3,10,25,50')
  .split(',')
  .map(Number);
const WINDOW_MS = Number(argv.find((a) => a.startsWith('--window='))?.slice(9) ?? 10_500);
const READS = 10_000;

/** Counts timer callbacks that run (each one an event-loop wakeup for a timer). */
const wakeups = { n: 0 };
const realSetTimeout = globalThis.setTimeout;
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

interface Row {
  members: number;
  discoverMs: number;
  selectUs: number;
  readsMs: number;
  readsSpread: string;
  heartbeats: number;
  wakeups: number;
  cpuMs: number;
  heapMB: number;
}

async function measure(members: number): Promise<Row> {
  const rs = await startReplicaSet(members);
  const client = new MongoClient(rs.uri);
  let td: TopologyDescription | undefined;
  let heartbeats = 0;
  client.events$.subscribe((e) => {
    if (e.name === 'topologyDescriptionChanged') td = e.newDescription as TopologyDescription;
    if (e.name === 'serverHeartbeatStarted') heartbeats++;
  });
  try {
    // Discovery: from connect until every member is known (not Unknown).
    const t0 = performance.now();
    await lastValueFrom(client.connect());
    const known = (d: TopologyDescription | undefined) =>
      d !== undefined && [...d.servers.values()].filter((s) => s.type !== 'Unknown').length === members;
    if (!known(td))
      await firstValueFrom(
        client.events$.pipe(
          filter(
            (e) => e.name === 'topologyDescriptionChanged' && known(e.newDescription as TopologyDescription),
          ),
        ),
      );
    const discoverMs = performance.now() - t0;

    // Selection alone, on the discovered description.
    const selector = readPreferenceSelector({ mode: 'secondaryPreferred' });
    const description = td as TopologyDescription;
    for (let i = 0; i < 1000; i++) selectServers(description, selector);
    // The fastest of 7 rounds: the machine is shared, the minimum is the least disturbed.
    const SELECTIONS = 10_000;
    let selectUs = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 7; round++) {
      const s0 = performance.now();
      for (let i = 0; i < SELECTIONS; i++) selectServers(description, selector);
      selectUs = Math.min(selectUs, ((performance.now() - s0) / SELECTIONS) * 1000);
    }

    // 10,000 concurrent secondaryPreferred reads: how they spread over the secondaries.
    const admin = client.db('admin');
    const before = rs.members.map((m) => m.commands('ping').length);
    const r0 = performance.now();
    const settled = await Promise.allSettled(
      Array.from({ length: READS }, () =>
        lastValueFrom(admin.command({ ping: 1 }, { readPreference: 'secondaryPreferred' })),
      ),
    );
    const failed = settled.filter((x) => x.status === 'rejected');
    const readsMs = performance.now() - r0;
    const per = rs.members.map((m, i) => m.commands('ping').length - (before[i] ?? 0));
    const secondaries = per.slice(1);
    const failures = failed.length
      ? `; ${failed.length} failed (${String((failed[0] as PromiseRejectedResult).reason?.name)})`
      : '';
    const readsSpread = `primary ${per[0]}; secondaries min ${Math.min(...secondaries)}, max ${Math.max(...secondaries)}, ${secondaries.filter((n) => n > 0).length}/${secondaries.length} used${failures}`;

    // Idle monitoring at the default heartbeat (10 s): wakeups, heartbeats, CPU, memory.
    (globalThis as { gc?: () => void }).gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const w0 = wakeups.n;
    const h0 = heartbeats;
    const c0 = process.cpuUsage();
    await new Promise((resolve) => realSetTimeout(resolve, WINDOW_MS));
    const cpu = process.cpuUsage(c0);
    return {
      members,
      discoverMs,
      selectUs,
      readsMs,
      readsSpread,
      heartbeats: heartbeats - h0,
      wakeups: wakeups.n - w0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      heapMB: (process.memoryUsage().heapUsed - heap0) / 1024 / 1024,
    };
  } finally {
    await lastValueFrom(client.close(), { defaultValue: undefined });
    await rs.stop();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const loads: number[] = [];
  for (const n of sizes) {
    loads.push(load1());
    console.error(`replica set of ${n}`);
    rows.push(await measure(n));
  }
  const beats = WINDOW_MS / 10_000;
  const out = [
    '# mongorx at scale (mock replica sets on loopback)',
    '',
    `Written by \`${['node --import tsx bench/scale.ts', ...argv].join(' ')}\` (node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z; load ${loads.map((l) => fmt(l, 1)).join(', ')} on 2 cores). One run per size, so read growth, not absolute figures.`,
    '',
    `| members | discover ms | selection µs/op (secondaryPreferred, fastest of 7 rounds) | µs per member | ${fmt(READS)} concurrent reads ms | spread of the reads | heartbeats in ${fmt(WINDOW_MS / 1000, 1)} s idle | timer wakeups | wakeups per member per heartbeat | CPU ms per member per heartbeat (incl. mock) | heap growth MB |`,
    '|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.members} | ${fmt(r.discoverMs)} | ${fmt(r.selectUs, 2)} | ${fmt(r.selectUs / r.members, 3)} | ${fmt(r.readsMs)} | ${r.readsSpread} | ${r.heartbeats} | ${r.wakeups} | ${fmt(r.wakeups / r.members / beats, 2)} | ${fmt(r.cpuMs / r.members / beats, 2)} | ${fmt(r.heapMB, 1)} |`,
    ),
    '',
  ];
  const text = out.join('\n');
  console.log(text);
  writeFileSync(join(root, 'bench/SCALE.md'), text);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
