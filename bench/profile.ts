// `node --import tsx bench/profile.ts [case ...]`: CPU profiles (node --cpu-prof) of mongorx's
// streaming, insertMany and ping paths against the in-process wire server, summarised as the top
// self-time functions and where the time goes; writes bench/PROFILE.md.
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrialSpec } from './meter.js';
import { fmt, load1, writeReport } from './stats.js';
import { BenchServer } from './wire-server.js';

const root = join(import.meta.dirname, '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const CASES: Record<string, { title: string; spec: Omit<TrialSpec, 'uri'>; repeat: number }> = {
  subscribe: {
    title: 'Streaming: `find().subscribe`, 100,000 documents of 1 KB, batchSize 1000 (x3)',
    spec: { case: 'subscribe', collection: 'docs1k', total: 100_000, batchSize: 1000 },
    repeat: 3,
  },
  'subscribe-16k': {
    title: 'Streaming: `find().subscribe`, 10,000 documents of 16 KB, batchSize 1000 (x3)',
    spec: { case: 'subscribe', collection: 'docs16k', total: 10_000, batchSize: 1000 },
    repeat: 3,
  },
  insertMany: {
    title: 'insertMany of 100,000 documents of 1 KB (x3)',
    spec: { case: 'insertMany', collection: 'writes', total: 100_000, batchSize: 0 },
    repeat: 3,
  },
  ping: {
    title: 'Sequential ping, 5,000 (x3)',
    spec: { case: 'ping', collection: 'docs1k', total: 5_000, batchSize: 0 },
    repeat: 3,
  },
  findOne: {
    title: 'Sequential findOne, 5,000 (x3)',
    spec: { case: 'findOne', collection: 'docs1k', total: 5_000, batchSize: 0 },
    repeat: 3,
  },
};

/** Which part of the stack a profile node's script belongs to. */
function area(url: string, name: string): string {
  if (name === '(idle)') return 'idle (waiting for the socket)';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'VM / native (program)';
  if (url.includes('/node_modules/bson/')) return 'bson';
  if (url.includes('/node_modules/rxjs/')) return 'rxjs';
  if (
    url.includes('/node_modules/tsx/') ||
    url.includes('/node_modules/esbuild/') ||
    /^node:internal\/(modules|bootstrap|deps\/cjs-module-lexer)/.test(url) ||
    name === 'makeSyncRequest' ||
    name === 'waitForWorker'
  )
    return 'module loading (worker start-up, not the case)';
  if (url.includes('/src/') || url.includes('/dist/')) return 'mongorx';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:') || url === '') return 'node internals (streams, net, timers)';
  return 'other';
}

function summarise(profile: CpuProfile): { top: string[]; areas: string[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  let total = 0;
  const fns = new Map<string, { us: number; area: string }>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '').replace(`${root}/`, '');
    const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    const a = area(url, functionName);
    const f = fns.get(key) ?? { us: 0, area: a };
    f.us += us;
    fns.set(key, f);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const pct = (us: number) => `${fmt((us / total) * 100, 1)}%`;
  const top = [...fns.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, 20)
    .map(([k, v]) => `| \`${k}\` | ${v.area} | ${fmt(v.us / 1000)} | ${pct(v.us)} |`);
  const areaRows = [...areas.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, us]) => `| ${k} | ${fmt(us / 1000)} | ${pct(us)} |`);
  return { top, areas: areaRows };
}

async function profileCase(name: string, uri: string): Promise<string[]> {
  const c = CASES[name];
  if (!c) throw new Error(`no profile case ${name}`);
  const dir = mkdtempSync(join(tmpdir(), 'mongorx-prof-'));
  const child = fork(join(root, 'bench/worker.ts'), ['rx'], {
    cwd: root,
    execArgv: ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = () =>
    new Promise<{ error?: string }>((resolve) =>
      child.once('message', (m: { error?: string }) => resolve(m)),
    );
  await reply();
  for (let i = 0; i < c.repeat; i++) {
    child.send({ id: i, spec: { ...c.spec, uri } });
    const m = await reply();
    if (m.error) throw new Error(m.error);
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ id: -1, close: true });
  await exited;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const { top, areas } = summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
  if (process.env.MONGORX_KEEP_PROFILE) console.error(`kept ${join(dir, file)}`);
  else rmSync(dir, { recursive: true, force: true });
  return [
    `### ${c.title}`,
    '',
    '| where | self ms | share |',
    '|---|---:|---:|',
    ...areas,
    '',
    '| function (top 20 by self time) | area | self ms | share |',
    '|---|---|---:|---:|',
    ...top,
    '',
  ];
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(CASES);
  const server = await BenchServer.start({
    totals: { docs1k: 100_000, docs16k: 10_000, docs100: 100_000 },
    defaultTotal: 100_000,
  });
  const out = [
    '# Where mongorx spends its time',
    '',
    `Written by \`${['node --import tsx bench/profile.ts', ...process.argv.slice(2)].join(' ')}\` (node ${process.version},`,
    `${new Date().toISOString().slice(0, 16)}Z, load ${fmt(load1(), 1)} on 2 cores): \`node --cpu-prof\` of one bench worker`,
    'running the case (after its warm-up), self time summed by function. The wire server runs in the',
    'parent process, so its work is not in these profiles; "idle" is time spent waiting for it.',
    '',
  ];
  try {
    for (const name of names) {
      console.error(`profiling ${name}`);
      out.push(...(await profileCase(name, server.uri)));
    }
  } finally {
    await server.stop();
  }
  const text = out.join('\n');
  const file = process.argv.slice(2).length ? 'bench/PROFILE-partial.md' : 'bench/PROFILE.md';
  writeReport(join(root, file), text);
  console.log(text);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
