// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with type declarations, so the package
// can be imported from both kinds of project.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireRxjsInEsm } from './rx-require.mjs';

const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules/.bin/tsc');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
execFileSync(
  tsc,
  [
    '-p',
    'tsconfig.build.json',
    '--module',
    'commonjs',
    '--moduleResolution',
    'node10',
    '--outDir',
    'dist/cjs',
  ],
  { cwd: root, stdio: 'inherit' },
);
for (const [dir, type] of [
  ['esm', 'module'],
  ['cjs', 'commonjs'],
]) {
  mkdirSync(join(root, 'dist', dir), { recursive: true });
  writeFileSync(join(root, 'dist', dir, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
}
requireRxjsInEsm(join(root, 'dist/esm/rx.js'));
console.log('built dist/esm and dist/cjs');
