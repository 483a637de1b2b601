// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with type declarations, so the package
// can be imported from both kinds of project. Each format's JavaScript is then bundled into one
// file (dependencies stay imports): loading ~230 modules was most of a cold start (issue 17),
// and one module loads in a fraction of that. Declarations stay one per module (types only);
// the bundle's source map leads back to src/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
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
for (const format of ['esm', 'cjs']) await bundle(format);
console.log('built dist/esm and dist/cjs');

/** Replaces dist/<format>'s compiled modules by one bundle of them (index.js and its map). */
async function bundle(format) {
  const dir = join(root, 'dist', format);
  // A sibling directory: the map's relative paths to src/ hold once the files move into dir.
  const staging = join(root, 'dist', `${format}-bundle`);
  await build({
    entryPoints: [join(dir, 'index.js')],
    outfile: join(staging, 'index.js'),
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    // bson, rxjs, the URI parser, saslprep and the optional codecs are the user's installs.
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  removeJavaScript(dir);
  for (const file of ['index.js', 'index.js.map']) renameSync(join(staging, file), join(dir, file));
  rmSync(staging, { recursive: true, force: true });
}

/** Deletes the compiled .js files (and their maps) under dir; declarations and package.json stay. */
function removeJavaScript(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeJavaScript(path);
    else if (entry.name.endsWith('.js') || entry.name.endsWith('.js.map')) rmSync(path);
  }
}
