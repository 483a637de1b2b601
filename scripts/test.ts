// `npm test`: type check, lint, the layer check (scripts/deps.ts), then every *.test.ts under spec/ and
// marbles/ with node:test.
// Starts one FerretDB for the integration tests (unless MONGODB_URI is set) and stops it after.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startFerretDB } from '../spec/support/ferretdb.js';
import { checkDeps } from './deps.js';

const root = join(import.meta.dirname, '..');
// A short summary with each failure in full (scripts/test-reporter.mjs, ending with
// `tests: N passed, N failed, N skipped`); MONGORX_TEST_REPORTER=spec|tap|dot for node's own.
const reporter = process.env.MONGORX_TEST_REPORTER ?? join(root, 'scripts/test-reporter.mjs');

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (entry.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status ?? 1;
}

function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  if (only.length === 0) {
    if (run('npx', ['tsc', '--noEmit', '-p', '.']) !== 0) return 1;
    if (run('npx', ['biome', 'check', 'src', 'spec', 'marbles', 'bench', 'scripts', 'examples']) !== 0)
      return 1;
    if (checkDeps().status !== 0) return 1;
  }
  const files =
    only.length > 0 ? only : [...findTests(join(root, 'spec')), ...findTests(join(root, 'marbles'))];
  const env: NodeJS.ProcessEnv = { ...process.env };
  let server: Awaited<ReturnType<typeof startFerretDB>> | undefined;
  if (!env.MONGODB_URI) {
    server = await startFerretDB();
    env.MONGORX_SHARED_FERRETDB_URI = server.uri;
  }
  try {
    // Asynchronous, so this process keeps draining FerretDB's stderr pipe while the tests run
    // (a blocked parent lets that pipe fill, and FerretDB then stalls on its next log line).
    return await runAsync(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-reporter=${reporter}`, ...files],
      env,
    );
  } finally {
    await server?.stop();
  }
}

main().then(
  (code) => {
    process.exit(code);
  },
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
