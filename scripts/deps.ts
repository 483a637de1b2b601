// The layer check: dependency-cruiser over src/ with .dependency-cruiser.mjs (shared/DESIGN.md's layers).
// `npm run deps` and `npm test` run it here; spec/tools/deps.test.ts runs it on fixture trees.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
export const depsConfig = join(root, '.dependency-cruiser.mjs');
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

export interface CheckDepsOptions {
  /** The folder holding the src/ tree to check (the config's paths start at src/). */
  cwd?: string;
  /** 'inherit' prints the report; 'pipe' returns it in stdout. */
  stdio?: 'inherit' | 'pipe';
  /** Kill the checker after this long (it takes about two seconds on src/). */
  timeoutMs?: number;
}

export function checkDeps(opts: CheckDepsOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [depcruise, 'src', '--config', depsConfig, '--no-progress'], {
    cwd: opts.cwd ?? root,
    stdio: opts.stdio ?? 'inherit',
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  process.exit(checkDeps().status ?? 1);
}
