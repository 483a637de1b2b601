// `npm run bench:commit -- --compare=<tree> [--trials=N] [--no-sessions] [--out=<file>]`: this
// commit's build against another checkout's, both loaded into ONE process and run alternately
// (A, B, B, A, ...) against one wire server in its own process. Same process, same JIT warm-up,
// same heap and the same moment of the machine for both: the like-for-like answer to "is this
// commit slower than that one". `main.ts --compare` runs the other build in a third worker
// process, whose own noise (a process's JIT and GC history) moves single figures by 10% or more
// between runs on a 2-core machine.
import { execFileSync, fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { type Cases, rxCases } from './cases-rx.js';
import type { TrialResult, TrialSpec } from './meter.js';
import { loadPackage } from './package-under-test.js';
import { fmt, load1, loadNote, median, spread, writeReport } from './stats.js';
import { BenchServer } from './wire-server.js';

const root = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const noSessions = argv.includes('--no-sessions');
const TOTALS = { docs100: 100_000, docs1k: 100_000, docs16k: 10_000 };

interface Case {
  readonly title: string;
  readonly spec: Omit<TrialSpec, 'uri'>;
}

const CASES: readonly Case[] = [
  ...(['docs100', 'docs1k', 'docs16k'] as const).flatMap((collection) =>
    (['subscribe', 'forawait', 'toarray'] as const).map((c) => ({
      title: `${collection} ${c}`,
      spec: { case: c, collection, total: TOTALS[collection], batchSize: 1000 },
    })),
  ),
  {
    title: 'insertMany 100,000 x 1 KB',
    spec: { case: 'insertMany', collection: 'writes', total: 100_000, batchSize: 0 },
  },
  {
    title: 'bulkWrite 30,000 models',
    spec: { case: 'bulkWrite', collection: 'writes', total: 30_000, batchSize: 0 },
  },
  {
    title: 'updateMany x 2,000',
    spec: { case: 'updateMany', collection: 'writes', total: 2_000, batchSize: 0 },
  },
  { title: 'ping x 2,000', spec: { case: 'ping', collection: 'docs1k', total: 2_000, batchSize: 0 } },
  { title: 'findOne x 2,000', spec: { case: 'findOne', collection: 'docs1k', total: 2_000, batchSize: 0 } },
  {
    title: '10,000 concurrent pings',
    spec: { case: 'concurrent', collection: 'docs1k', total: 10_000, batchSize: 0 },
  },
];

async function main(): Promise<void> {
  const compareArg = argv.find((a) => a.startsWith('--compare='))?.slice(10);
  if (!compareArg) throw new Error('--compare=<tree> is required (a checkout of the other commit)');
  const compareDir = resolve(compareArg);
  const trials = Number(argv.find((a) => a.startsWith('--trials='))?.slice(9) ?? 11);
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const out = resolve(root, argv.find((a) => a.startsWith('--out='))?.slice(6) ?? 'bench/VERSUS.md');
  const label = execFileSync('git', ['-C', compareDir, 'rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
  const head = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  for (const tree of [root, compareDir])
    execFileSync(process.execPath, [join(tree, 'scripts/build.mjs')], { cwd: tree, stdio: 'ignore' });

  const server = fork(join(root, 'bench/versus-commit.ts'), [...argv, '--serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((done, fail) => {
    server.once('message', (m: { port: number }) => done(m.port));
    server.once('exit', (code) => fail(new Error(`wire server exited with ${code}`)));
  });
  const uri = `mongodb://127.0.0.1:${port}/?directConnection=true`;
  const builds: Cases[] = [rxCases(await loadPackage()), rxCases(await loadPackage(compareDir))];

  const lines: string[] = [];
  const rows: string[][] = [];
  let worse = 0;
  try {
    for (const c of CASES) {
      if (only && !only.some((o) => c.title.includes(o))) continue;
      const spec: TrialSpec = { ...c.spec, uri };
      const results: TrialResult[][] = [[], []];
      const loads: number[] = [];
      // One untimed trial each first: connections, JIT.
      for (const b of builds) await b.runTrial(spec);
      for (let t = 0; t < trials; t++) {
        for (const k of t % 2 === 0 ? [0, 1] : [1, 0]) {
          const r = await (builds[k] as Cases).runTrial(spec);
          if (r.ops !== spec.total) throw new Error(`${c.title}: ${r.ops} of ${spec.total} done`);
          (results[k] as TrialResult[]).push(r);
        }
        loads.push(load1());
      }
      const [now, before] = results as [TrialResult[], TrialResult[]];
      const ms = (rs: TrialResult[]) => rs.map((r) => r.ms);
      const cpu = (rs: TrialResult[]) => rs.map((r) => r.cpuMs);
      const speed = median(ms(before)) / median(ms(now));
      const cpuRatio = median(cpu(before)) / median(cpu(now));
      const flagged = speed < 0.95 && cpuRatio < 0.95;
      if (flagged) worse++;
      rows.push([
        c.title,
        fmt(median(ms(now))),
        spread(ms(now)),
        fmt(median(ms(before))),
        spread(ms(before)),
        `${speed.toFixed(2)}x`,
        fmt(median(cpu(now))),
        fmt(median(cpu(before))),
        `${cpuRatio.toFixed(2)}x`,
        flagged ? 'worse' : '',
        loadNote(loads),
      ]);
      console.log(`${c.title}: speed ${speed.toFixed(2)}x, CPU ${cpuRatio.toFixed(2)}x`);
    }
  } finally {
    for (const b of builds) await b.closeAll();
    server.kill();
  }
  const header = [
    'case',
    `${head} ms`,
    'spread',
    `${label} ms`,
    'spread',
    'speed vs before',
    `${head} CPU ms`,
    `${label} CPU ms`,
    'CPU vs before',
    '>5% worse in both',
    'load',
  ];
  lines.push(
    '# This commit against an earlier one, in one process',
    '',
    `Written by \`npm run bench:commit -- ${argv.join(' ')}\` (node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z).`,
    `Both builds (\`dist/\` of ${head} and of ${label}) are loaded into one process and run alternately against`,
    'one wire server in its own process; each figure is the median of',
    `${trials} trials per build. "speed vs before" and "CPU vs before" are the earlier build's median over this`,
    "one's: > 1 means this commit is faster.",
    noSessions
      ? '\n`--no-sessions`: the server advertises no sessions, so neither build sends an `lsid`.'
      : '',
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `${worse} case(s) more than 5% worse in both time and CPU.`,
    '',
  );
  writeReport(out, lines.join('\n'));
  console.log(`wrote ${out}`);
}

if (argv.includes('--serve')) {
  // The server half: its own process, so its work never counts as either build's CPU.
  const server = await BenchServer.start({ totals: TOTALS, defaultTotal: TOTALS.docs1k, noSessions });
  process.send?.({ port: server.port });
} else {
  await main();
}
