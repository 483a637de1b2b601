// `npm run bench [-- --quick] [--only=stream,writes,...] [--trials=N] [--compare=<tree> [--compare-suites=...]] [--out=<file>]`:
// mongorx against the official driver, like for like, on the same data in the same run. One
// long-lived worker process per driver; every figure is the median of N trials run interleaved
// (A, B, A, B..., the order reversed every other trial) so both drivers see the same machine load,
// which is printed beside.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startFerretDB } from '../spec/support/ferretdb.js';
import { docBytes, type SizedCollection } from './data.js';
import { gridfsBench } from './gridfs.js';
import type { TrialResult, TrialSpec } from './meter.js';
import { fmt, load1, loadNote, median, spread, writeReport } from './stats.js';
import { BenchServer } from './wire-server.js';

const root = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const TRIALS = Number(argv.find((a) => a.startsWith('--trials='))?.slice(9) ?? 5);
/**
 * `--compare=<dir>`: a checkout of an earlier commit (with this bench/ copied in and node_modules
 * linked): its mongorx runs as a third worker in the same interleaved trials ("before" rows).
 */
const compareArg = argv.find((a) => a.startsWith('--compare='))?.slice(10);
const compareDir = compareArg ? resolve(compareArg) : undefined;
const compareLabel = compareDir
  ? execFileSync('git', ['-C', compareDir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  : '';
/**
 * `--compare-suites=stream,writes,...`: the suites the earlier commit runs too (default: all); an
 * earlier commit without a feature (change streams, `raw`) leaves those suites out.
 */
const compareSuites = argv
  .find((a) => a.startsWith('--compare-suites='))
  ?.slice(17)
  .split(',');
/**
 * `--no-sessions`: the wire server's hello has no logicalSessionTimeoutMinutes, so no driver attaches
 * sessions (to compare with a commit that had none).
 */
const noSessions = argv.includes('--no-sessions');
/** Quick mode: a fifth of the documents and operations (same cases, same trial count). */
const scale = (n: number) => (quick ? Math.max(1, Math.round(n / 5)) : n);

const N = {
  docs100: scale(100_000),
  docs1k: scale(100_000),
  docs16k: scale(10_000),
  insert: scale(100_000),
  bulk: scale(30_000),
  updateMany: scale(2_000),
  sequential: scale(2_000),
  concurrent: 10_000,
  slow: scale(20_000),
  latency: scale(10_000),
  watch: scale(100_000),
  watchSlow: scale(20_000),
};

type DriverName = 'rx' | 'official' | 'raw' | 'rx-before';

/** One worker process: trials go in one at a time, results come back by id. */
class Worker {
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (r: TrialResult) => void; reject: (e: Error) => void }
  >();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id?: number; result?: TrialResult; error?: string }) => {
      if (m.id === undefined) return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.result as TrialResult);
    });
  }

  static start(driver: DriverName): Promise<Worker> {
    const dir = driver === 'rx-before' ? (compareDir as string) : root;
    const child = fork(join(dir, 'bench/worker.ts'), [driver === 'rx-before' ? 'rx' : driver], {
      cwd: dir,
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(new Worker(child)));
      child.once('exit', (code) => reject(new Error(`${driver} worker exited with ${code}`)));
    });
  }

  run(spec: TrialSpec): Promise<TrialResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, spec });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ id: -1, close: true });
    });
  }
}

interface Row {
  readonly label: string;
  readonly driver: DriverName;
  readonly case: string;
  /** Row index the "vs" column compares with (like for like). */
  readonly vs?: number;
}

interface Suite {
  readonly key: string;
  readonly title: string;
  /** The suite's name in the before/after table (default: the title up to its first colon). */
  readonly short?: string;
  readonly uri: string;
  readonly collection: string;
  readonly total: number;
  readonly batchSize: number;
  readonly rows: readonly Row[];
  /** What a row's rate counts ("docs", "ops"). */
  readonly unit: string;
  /** Row index of the ceiling (raw BSON) for a "% of raw" column. */
  readonly ceiling?: number;
  /** Row index every row is also compared with (the issue's headline baseline). */
  readonly base?: number;
  /** Each trial in a fresh worker (peak RSS belongs to that trial alone). */
  readonly fresh?: boolean;
  readonly buffered?: boolean;
  /** Bytes per document, for MB/s. */
  readonly bytes?: number;
  readonly note?: (r: SuiteResult) => string;
}

interface SuiteResult {
  readonly trials: TrialResult[][];
  readonly loads: number[];
  /** Median time of row `b` / median time of row `a`: > 1 means `a` is faster. */
  speed(a: number, b: number): number;
  medianMs(row: number): number;
  medianCpuMs(row: number): number;
  /** Median CPU of row `b` / median CPU of row `a` (the client's own work, whatever the load). */
  cpuSpeed(a: number, b: number): number;
}

let workers: Record<DriverName, Worker> | undefined;

async function runSuite(suite: Suite): Promise<SuiteResult> {
  const trials: TrialResult[][] = suite.rows.map(() => []);
  const loads: number[] = [];
  const spec = (row: Row, total = suite.total): TrialSpec => ({
    case: row.case,
    uri: suite.uri,
    // A warm-up of fewer documents reads a collection of that many.
    collection: total === suite.total ? suite.collection : suite.collection.replace(/_\d+$/, `_${total}`),
    total,
    batchSize: suite.batchSize,
  });
  const runOne = async (row: Row, total?: number): Promise<TrialResult> => {
    if (!suite.fresh) return (workers as Record<DriverName, Worker>)[row.driver].run(spec(row, total));
    const w = await Worker.start(row.driver);
    try {
      return await w.run(spec(row, total));
    } finally {
      await w.stop();
    }
  };
  // Warm-up: each row once on a tenth of the data (JIT, connection pools), not counted.
  if (!suite.fresh)
    for (const row of suite.rows) await runOne(row, Math.max(1, Math.round(suite.total / 10)));
  for (let t = 0; t < TRIALS; t++) {
    const order = suite.rows.map((_, i) => i);
    if (t % 2 === 1) order.reverse();
    loads.push(load1());
    for (const i of order) {
      const row = suite.rows[i] as Row;
      const r = await runOne(row);
      if (r.ops !== suite.total && suite.unit !== 'bytes') {
        throw new Error(`${suite.title} / ${row.label}: did ${r.ops} of ${suite.total}`);
      }
      (trials[i] as TrialResult[]).push(r);
    }
    process.stderr.write('.');
  }
  loads.push(load1());
  process.stderr.write('\n');
  const ms = (row: number) => (trials[row] as TrialResult[]).map((r) => r.ms);
  return {
    trials,
    loads,
    speed: (a, b) => median(ms(b)) / median(ms(a)),
    medianMs: (row) => median(ms(row)),
    medianCpuMs: (row) => median((trials[row] as TrialResult[]).map((r) => r.cpuMs)),
    cpuSpeed: (a, b) =>
      median((trials[b] as TrialResult[]).map((r) => r.cpuMs)) /
      median((trials[a] as TrialResult[]).map((r) => r.cpuMs)),
  };
}

function table(suite: Suite, r: SuiteResult): string[] {
  const headers = ['case', 'median ms', 'spread ms (min–max)', `${suite.unit}/s`];
  if (suite.bytes) headers.push('MB/s');
  headers.push('speed vs like-for-like');
  if (suite.base !== undefined) headers.push(`speed vs ${suite.rows[suite.base]?.label}`);
  if (suite.ceiling !== undefined) headers.push('% of raw BSON');
  headers.push('client CPU ms', 'CPU vs like-for-like');
  headers.push(suite.fresh ? 'peak RSS MB' : 'peak heap growth MB');
  if (suite.buffered) headers.push('peak buffered docs');
  const lines = [
    `### ${suite.title}`,
    '',
    `| ${headers.join(' | ')} |`,
    `|---|${headers
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
  ];
  suite.rows.forEach((row, i) => {
    const ms = r.medianMs(i);
    const rate = (suite.total / ms) * 1000;
    const cells = [row.label, fmt(ms), spread((r.trials[i] as TrialResult[]).map((x) => x.ms)), fmt(rate)];
    if (suite.bytes) cells.push(fmt((rate * suite.bytes) / 1024 / 1024, 1));
    cells.push(row.vs === undefined ? '' : `${fmt(r.speed(i, row.vs), 2)}x`);
    if (suite.base !== undefined) cells.push(`${fmt(r.speed(i, suite.base), 2)}x`);
    if (suite.ceiling !== undefined) cells.push(`${fmt(r.speed(i, suite.ceiling) * 100)}%`);
    cells.push(fmt(r.medianCpuMs(i)), row.vs === undefined ? '' : `${fmt(r.cpuSpeed(i, row.vs), 2)}x`);
    const mem = (r.trials[i] as TrialResult[]).map((x) => (suite.fresh ? x.peakRssMB : x.heapGrowthMB));
    cells.push(fmt(median(mem), 1));
    if (suite.buffered) {
      const b = (r.trials[i] as TrialResult[]).map((x) => x.peakBuffered ?? 0);
      cells.push(row.driver === 'raw' ? '' : fmt(Math.max(...b)));
    }
    lines.push(`| ${cells.join(' | ')} |`);
  });
  lines.push('', `Load (1-min average, 2 cores) during the trials: ${loadNote(r.loads)}.`);
  if (suite.note) lines.push('', suite.note(r));
  lines.push('');
  return lines;
}

function streamingSuite(uri: string, collection: SizedCollection): Suite {
  const total = N[collection];
  return {
    key: 'stream',
    title: `Streaming ${fmt(total)} documents of ${fmt(docBytes(collection))} bytes, batchSize 1000`,
    short: `Streaming, ${fmt(docBytes(collection))} B documents`,
    uri,
    collection: `${collection}_${total}`,
    total,
    batchSize: 1000,
    unit: 'docs',
    bytes: docBytes(collection),
    base: 3,
    ceiling: 6,
    rows: [
      { label: 'mongorx subscribe', driver: 'rx', case: 'subscribe', vs: 1 },
      { label: 'official stream()', driver: 'official', case: 'subscribe' },
      { label: 'mongorx for await', driver: 'rx', case: 'forawait', vs: 3 },
      { label: 'official for await', driver: 'official', case: 'forawait' },
      { label: 'mongorx toArray', driver: 'rx', case: 'toarray', vs: 5 },
      { label: 'official toArray', driver: 'official', case: 'toarray' },
      { label: 'raw BSON.deserialize (ceiling)', driver: 'raw', case: 'decode' },
    ],
  };
}

function suites(fast: string, slow: string): Suite[] {
  const out: Suite[] = [
    streamingSuite(fast, 'docs100'),
    streamingSuite(fast, 'docs1k'),
    streamingSuite(fast, 'docs16k'),
    {
      key: 'raw',
      short: '`raw: true` streaming, 1 KB',
      title: `\`raw: true\` streaming (documents as BSON bytes): ${fmt(N.docs1k)} documents of 1 KB, batchSize 1000`,
      uri: fast,
      collection: `docs1k_${N.docs1k}`,
      total: N.docs1k,
      batchSize: 1000,
      unit: 'docs',
      bytes: docBytes('docs1k'),
      rows: [
        { label: 'mongorx subscribe, raw', driver: 'rx', case: 'raw-subscribe', vs: 1 },
        { label: 'official stream(), raw', driver: 'official', case: 'raw-subscribe' },
        { label: 'mongorx for await, raw', driver: 'rx', case: 'raw-forawait', vs: 3 },
        { label: 'official for await, raw', driver: 'official', case: 'raw-forawait' },
      ],
    },
    {
      key: 'writes',
      title: `insertMany ${fmt(N.insert)} documents of 1 KB (one call; the server counts, never decodes)`,
      uri: fast,
      collection: 'writes',
      total: N.insert,
      batchSize: 0,
      unit: 'docs',
      ceiling: 2,
      rows: [
        { label: 'mongorx insertMany', driver: 'rx', case: 'insertMany', vs: 1 },
        { label: 'official insertMany', driver: 'official', case: 'insertMany' },
        { label: 'raw BSON.serialize of each document (ceiling)', driver: 'raw', case: 'encode' },
      ],
    },
    {
      key: 'writes',
      title: `bulkWrite of ${fmt(N.bulk)} models (a third insertOne of 1 KB, then updateOne, then deleteOne, by _id)`,
      uri: fast,
      collection: 'writes',
      total: N.bulk,
      batchSize: 0,
      unit: 'models',
      rows: [
        { label: 'mongorx bulkWrite', driver: 'rx', case: 'bulkWrite', vs: 1 },
        { label: 'official bulkWrite', driver: 'official', case: 'bulkWrite' },
      ],
    },
    {
      key: 'writes',
      title: `updateMany: ${fmt(N.updateMany)} sequential calls`,
      uri: fast,
      collection: 'writes',
      total: N.updateMany,
      batchSize: 0,
      unit: 'ops',
      rows: [
        { label: 'mongorx updateMany', driver: 'rx', case: 'updateMany', vs: 1 },
        { label: 'official updateMany', driver: 'official', case: 'updateMany' },
      ],
    },
    {
      key: 'latency',
      title: `Sequential latency: ${fmt(N.sequential)} operations one after another (implicit sessions: lsid on each)`,
      uri: fast,
      collection: `docs1k_${N.sequential}`,
      total: N.sequential,
      batchSize: 0,
      unit: 'ops',
      rows: [
        { label: 'mongorx ping', driver: 'rx', case: 'ping', vs: 1 },
        { label: 'official ping', driver: 'official', case: 'ping' },
        { label: 'mongorx findOne', driver: 'rx', case: 'findOne', vs: 3 },
        { label: 'official findOne', driver: 'official', case: 'findOne' },
      ],
      note: (r) =>
        `Time per operation: mongorx ping ${fmt((r.medianMs(0) / N.sequential) * 1000)} µs vs ${fmt((r.medianMs(1) / N.sequential) * 1000)} µs (${fmt(r.medianMs(0) / r.medianMs(1), 2)}x the time); findOne ${fmt((r.medianMs(2) / N.sequential) * 1000)} µs vs ${fmt((r.medianMs(3) / N.sequential) * 1000)} µs (${fmt(r.medianMs(2) / r.medianMs(3), 2)}x). Target ≤ 0.5x. Client CPU per operation: ping ${fmt((r.medianCpuMs(0) / N.sequential) * 1000)} µs vs ${fmt((r.medianCpuMs(1) / N.sequential) * 1000)} µs (${fmt(r.medianCpuMs(0) / r.medianCpuMs(1), 2)}x); findOne ${fmt((r.medianCpuMs(2) / N.sequential) * 1000)} µs vs ${fmt((r.medianCpuMs(3) / N.sequential) * 1000)} µs (${fmt(r.medianCpuMs(2) / r.medianCpuMs(3), 2)}x).`,
    },
    {
      key: 'concurrency',
      title: `Concurrency: ${fmt(N.concurrent)} concurrent pings (each trial in a fresh process, pool of 100)`,
      uri: fast,
      collection: `docs1k_${N.concurrent}`,
      total: N.concurrent,
      batchSize: 0,
      unit: 'ops',
      fresh: true,
      rows: [
        { label: 'mongorx', driver: 'rx', case: 'concurrent', vs: 1 },
        { label: 'official', driver: 'official', case: 'concurrent' },
      ],
    },
    {
      key: 'slow',
      title: `Slow consumer: ${fmt(N.slow)} documents, async work ~0.2 ms each, concurrency 4, batchSize 1000`,
      uri: fast,
      collection: `docs1k_${N.slow}`,
      total: N.slow,
      batchSize: 1000,
      unit: 'docs',
      buffered: true,
      rows: [
        { label: 'mongorx `find().pipe(mergeMapWithDemand(work, 4))`', driver: 'rx', case: 'slow', vs: 1 },
        { label: 'official `for await` feeding a pool of 4', driver: 'official', case: 'slow' },
        { label: 'official `from(cursor).pipe(mergeMap(work, 4))`', driver: 'official', case: 'slow-from' },
      ],
      note: (r) => {
        const b = Math.max(...(r.trials[0] as TrialResult[]).map((x) => x.peakBuffered ?? 0));
        return `Target: mongorx buffers ≤ batchSize + concurrency = 1004 — ${b <= 1004 ? 'met' : 'NOT met'} (${fmt(b)}).`;
      },
    },
    {
      key: 'prefetch',
      title: `Latency-bound: server adds 5 ms per reply, batchSize 100, consumer ~50 µs per document, ${fmt(N.latency)} documents`,
      uri: slow,
      collection: `docs1k_${N.latency}`,
      total: N.latency,
      batchSize: 100,
      unit: 'docs',
      rows: [
        { label: 'mongorx (no prefetch)', driver: 'rx', case: 'latency', vs: 2 },
        { label: 'mongorx `prefetch: true`', driver: 'rx', case: 'latency-prefetch', vs: 2 },
        { label: 'official for await (has no prefetch)', driver: 'official', case: 'latency' },
      ],
      note: (r) =>
        `Prefetch takes ${fmt(r.medianMs(1) / r.medianMs(2), 2)}x the official driver's time (target ≤ 0.65x). The official driver has no prefetch: this shows what the option buys, not a like-for-like ratio.`,
    },
    {
      key: 'watch',
      title: `Change streams: ${fmt(N.watch)} change events of 1 KB (pre-encoded batches of 1000)`,
      uri: fast,
      collection: `docs1k_${N.watch}`,
      total: N.watch,
      batchSize: 1000,
      unit: 'events',
      rows: [
        { label: 'mongorx `watch().subscribe`', driver: 'rx', case: 'watch', vs: 1 },
        { label: 'official change stream `for await`', driver: 'official', case: 'watch' },
      ],
    },
    {
      key: 'watch',
      title: `Change streams, slow consumer: ${fmt(N.watchSlow)} events, ~0.2 ms of async work each, concurrency 4`,
      uri: fast,
      collection: `docs1k_${N.watchSlow}`,
      total: N.watchSlow,
      batchSize: 1000,
      unit: 'events',
      buffered: true,
      rows: [
        { label: 'mongorx `watch().pipe(mergeMapWithDemand(work, 4))`', driver: 'rx', case: 'watch-slow' },
      ],
      note: (r) => {
        const b = Math.max(...(r.trials[0] as TrialResult[]).map((x) => x.peakBuffered ?? 0));
        return `Target: holds ≤ batchSize + concurrency = 1004 events — ${b <= 1004 ? 'met' : 'NOT met'} (${fmt(b)}).`;
      },
    },
  ];
  return out.filter((s) => !only || only.includes(s.key)).map(withBefore);
}

/** With --compare: each mongorx row again, run by the earlier commit's worker, appended. */
function withBefore(suite: Suite): Suite {
  if (!compareDir || (compareSuites && !compareSuites.includes(suite.key))) return suite;
  const before = suite.rows
    .filter((r) => r.driver === 'rx')
    .map((r) => ({ ...r, label: `${r.label} — before (${compareLabel})`, driver: 'rx-before' as const }));
  return { ...suite, rows: [...suite.rows, ...before] };
}

/** With --compare: the before/after table (like-for-like ratios of both commits in the same run). */
function beforeAfter(results: { suite: Suite; r: SuiteResult }[]): string[] {
  if (!compareDir) return [];
  const lines = [
    `## Before (${compareLabel}) and after, in the same run`,
    '',
    '| suite | case | speed vs like-for-like, before | after | after vs before (time) | after vs before (CPU) | moved (time) |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const { suite, r } of results) {
    suite.rows.forEach((row, i) => {
      if (row.driver !== 'rx') return;
      const j = suite.rows.findIndex((b) => b.driver === 'rx-before' && b.case === row.case);
      if (j < 0) return;
      const versus = row.vs;
      const now = versus === undefined ? Number.NaN : r.speed(i, versus);
      const then = versus === undefined ? Number.NaN : r.speed(j, versus);
      const change = r.speed(i, j);
      const moved = change < 0.95 ? 'WORSE >5%' : change > 1.05 ? 'better' : 'same (±5%)';
      const ratio = (x: number) => (Number.isNaN(x) ? '' : `${fmt(x, 2)}x`);
      lines.push(
        `| ${suite.short ?? suite.title.split(':')[0]} | ${row.label} | ${ratio(then)} | ${ratio(now)} | ${fmt(change, 2)}x | ${fmt(r.cpuSpeed(i, j), 2)}x | ${moved} |`,
      );
    });
  }
  lines.push('', '"after vs before" > 1: the current commit takes less time than the earlier one.', '');
  return lines;
}

/** The compiled package of a tree (cold start must not time tsx's transpiling): built by buildDist. */
function coldStartEntry(tree: string): string {
  return join(tree, 'dist/esm/index.js');
}

interface ColdTimes {
  importMs: number;
  totalMs: number;
}

function coldOnce(driver: 'rx' | 'official', uri: string, entry: string): Promise<ColdTimes> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench/cold-start.mjs'), driver, uri, entry], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`cold start ${driver} exited ${code}`)),
    );
  });
}

async function coldStart(uri: string): Promise<{ lines: string[]; rows: [string, number][] }> {
  const runs: { label: string; driver: 'rx' | 'official'; entry: string; times: ColdTimes[] }[] = [
    {
      label: 'mongorx (compiled JS; the program does not import rxjs itself)',
      driver: 'rx',
      entry: coldStartEntry(root),
      times: [],
    },
    { label: 'official', driver: 'official', entry: '', times: [] },
  ];
  if (compareDir)
    runs.push({
      label: `mongorx — before (${compareLabel})`,
      driver: 'rx',
      entry: coldStartEntry(compareDir),
      times: [],
    });
  const loads: number[] = [];
  const trials = Math.max(TRIALS, 7);
  for (let t = 0; t < trials; t++) {
    loads.push(load1());
    const order = t % 2 === 0 ? runs : [...runs].reverse();
    for (const run of order) run.times.push(await coldOnce(run.driver, uri, run.entry));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  loads.push(load1());
  const total = (xs: ColdTimes[]) => median(xs.map((x) => x.totalMs));
  const official = total((runs[1] as (typeof runs)[number]).times);
  const lines = [
    `### Cold start: import + connect + first ping, each trial a fresh \`node\` process (${trials} interleaved trials)`,
    '',
    '| driver | import ms | import + first ping ms | spread ms | time vs official |',
    '|---|---:|---:|---:|---:|',
    ...runs.map(
      (r) =>
        `| ${r.label} | ${fmt(median(r.times.map((x) => x.importMs)))} | ${fmt(total(r.times))} | ${spread(r.times.map((x) => x.totalMs))} | ${fmt(total(r.times) / official, 2)}x |`,
    ),
    '',
    `Load (1-min average, 2 cores) during the trials: ${loadNote(loads)}. Target ≤ 1.00x.`,
    '',
  ];
  return { lines, rows: runs.map((r) => [r.label, total(r.times) / official]) };
}

/** Builds a tree's dist/ (the workers load the compiled package, as users do, not src/ through tsx). */
function buildDist(tree: string): void {
  execFileSync(process.execPath, [join(tree, 'scripts/build.mjs')], { cwd: tree, stdio: 'ignore' });
}

async function main(): Promise<void> {
  const started = Date.now();
  buildDist(root);
  if (compareDir) buildDist(compareDir);
  const command =
    process.env.npm_lifecycle_event === 'bench'
      ? `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`
      : `node --import tsx bench/main.ts ${argv.join(' ')}`.trim();
  const totals = { docs100: N.docs100, docs1k: N.docs1k, docs16k: N.docs16k };
  const fast = await BenchServer.start({ totals, defaultTotal: N.docs1k, noSessions });
  const slow = await BenchServer.start({
    totals: { docs1k: N.latency },
    defaultTotal: N.latency,
    latencyMS: 5,
    noSessions,
  });
  const out: string[] = [
    '# mongorx benchmarks',
    '',
    `Written by \`${command}\` (node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z).`,
    `Each figure is the median of ${TRIALS} interleaved trials (mongorx and the official \`mongodb\` driver`,
    'alternating, the order reversed every other trial) in one long-lived worker process per driver;',
    '"speed vs" is the ratio of the medians, > 1 means mongorx is faster; "CPU vs" the same for the',
    "client process's CPU time (user + system), which moves less with the machine's load. The",
    "in-process wire server serves pre-encoded batches, so these figures are the clients' own work.",
    ...(noSessions
      ? [
          '',
          '`--no-sessions`: the server advertises no sessions, so neither driver sends an `lsid` (the titles saying so do not apply).',
        ]
      : []),
    '',
  ];
  workers = {
    rx: await Worker.start('rx'),
    official: await Worker.start('official'),
    raw: await Worker.start('raw'),
    'rx-before': compareDir ? await Worker.start('rx-before') : (undefined as unknown as Worker),
  };
  const results: { suite: Suite; r: SuiteResult }[] = [];
  let coldRows: [string, number][] = [];
  try {
    for (const suite of suites(fast.uri, slow.uri)) {
      console.error(suite.title);
      const r = await runSuite(suite);
      results.push({ suite, r });
      out.push(...table(suite, r));
    }
    if (!only || only.includes('cold')) {
      console.error('cold start');
      const cold = await coldStart(fast.uri);
      out.push(...cold.lines);
      coldRows = cold.rows;
    }
    if (!quick && (!only || only.includes('gridfs'))) {
      console.error('GridFS (FerretDB)');
      const ferret = await startFerretDB();
      try {
        out.push(...(await gridfsBench(ferret.uri, TRIALS)));
      } finally {
        await ferret.stop();
      }
    }
    if (!quick && (!only || only.includes('scale'))) {
      // Mock replica sets of 3-50 members and 2/7-mongos clusters (bench/scale.ts, also SCALE.md).
      console.error('scale (mock deployments)');
      const scaleOut = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/scale.ts')], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      out.push(...scaleOut.split('\n').map((line) => (line.startsWith('#') ? `#${line}` : line)), '');
    }
  } finally {
    await Promise.all(Object.values(workers).map((w) => w?.stop()));
    await fast.stop();
    await slow.stop();
  }
  out.push(...beforeAfter(results));
  if (compareDir && coldRows.length === 3) {
    const [now, , then] = coldRows as [[string, number], [string, number], [string, number]];
    out.push(
      `Cold start: ${fmt(then[1], 2)}x the official time before, ${fmt(now[1], 2)}x after (${fmt(then[1] / now[1], 2)}x).`,
      '',
    );
  }
  out.push(
    `Total bench time: ${fmt((Date.now() - started) / 1000, 1)} s.`,
    '',
    '## Notes',
    '',
    '- The machine is shared (2 cores, other jobs running): absolute figures move with its load, which is',
    '  printed under each table. Compare ratios within one run; interleaving is what keeps them fair.',
    '- "Peak heap growth" = heap sampled every 10 ms during the trial minus the heap after a GC before it;',
    '  peak RSS (concurrency) comes from a fresh process per trial.',
    '- "Buffered" = documents received in find/getMore replies (command monitoring) minus documents the',
    '  consumer has finished, sampled as each document starts.',
    '',
  );
  const text = out.join('\n');
  console.log(text);
  const file =
    argv.find((a) => a.startsWith('--out='))?.slice(6) ??
    (quick || only ? 'bench/RESULTS-quick.md' : 'bench/RESULTS.md');
  writeReport(resolve(root, file), text);
  console.error(`wrote ${file}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
