// Packs the built package and imports it from an ES module project and a CommonJS project.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the packed tarball', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mongorx-pack-'));
    execFileSync(npm, ['run', 'build'], { cwd: root, stdio: 'pipe' });
    execFileSync(npm, ['pack', '--pack-destination', dir], { cwd: root, stdio: 'pipe' });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack produced a tarball');
    const pkgDir = join(dir, 'node_modules/mongorx');
    mkdirSync(pkgDir, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', pkgDir, '--strip-components=1']);
    // Dependencies come from this checkout (no registry access in the test).
    for (const dep of ['bson', 'rxjs', 'mongodb-connection-string-url', '@mongodb-js']) {
      symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const probe = (file: string, source: string): string => {
    writeFileSync(join(dir, file), source);
    return execFileSync(process.execPath, [join(dir, file)], { cwd: dir, encoding: 'utf8' }).trim();
  };

  it('imports from an ES module', () => {
    const out = probe(
      'esm.mjs',
      `import { MongoClient, MongoParseError } from 'mongorx';
       const c = new MongoClient('mongodb://127.0.0.1:1/');
       let parseError = false;
       try { new MongoClient('not a uri'); } catch (e) { parseError = e instanceof MongoParseError; }
       console.log(typeof MongoClient, c.db('x').databaseName, parseError);`,
    );
    assert.equal(out, 'function x true');
  });

  it('requires from CommonJS', () => {
    const out = probe(
      'cjs.cjs',
      `const { MongoClient, MongoServerError } = require('mongorx');
       const c = new MongoClient('mongodb://127.0.0.1:1/');
       console.log(typeof MongoClient, typeof MongoServerError, c.db('y').collection('z').namespace);`,
    );
    assert.equal(out, 'function function y.z');
  });

  it('ships type declarations for both', () => {
    const files = readdirSync(join(dir, 'node_modules/mongorx/dist/esm'));
    assert.ok(files.includes('index.d.ts'));
    assert.ok(readdirSync(join(dir, 'node_modules/mongorx/dist/cjs')).includes('index.d.ts'));
  });

  it('ships one JavaScript file per format (a cold start loads one module, not ~230)', () => {
    const scripts = (kind: string): string[] =>
      (readdirSync(join(dir, `node_modules/mongorx/dist/${kind}`), { recursive: true }) as string[]).filter(
        (f) => f.endsWith('.js'),
      );
    assert.deepEqual(scripts('esm'), ['index.js']);
    assert.deepEqual(scripts('cjs'), ['index.js']);
    // Declarations stay one per module: editors go to the declaration of what they use.
    assert.ok(readdirSync(join(dir, 'node_modules/mongorx/dist/esm/client')).includes('mongo-client.d.ts'));
  });

  it('ships source maps that carry their sources (src/ is not in the package)', () => {
    for (const kind of ['esm', 'cjs']) {
      const map = JSON.parse(
        readFileSync(join(dir, `node_modules/mongorx/dist/${kind}/index.js.map`), 'utf8'),
      ) as { sources: string[]; sourcesContent?: (string | null)[] };
      assert.equal(map.sourcesContent?.length, map.sources.length, `${kind}: every source embedded`);
      assert.ok(map.sourcesContent?.every((c) => typeof c === 'string' && c.length > 0));
    }
  });
});
