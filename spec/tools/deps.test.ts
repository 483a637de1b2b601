// The layer check (scripts/deps.ts + .dependency-cruiser.mjs) on tiny src/ trees: it fails on a
// layer violation, a cycle, an unlayered folder and a devDependency import, naming the rule, and
// passes on a tree that only imports downwards.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkDeps } from '../../scripts/deps.js';

const root = join(import.meta.dirname, '../..');
const dirs: string[] = [];

/** Writes `files` (path under the tree -> source) to a fresh folder that sees the project's packages. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mongorx-deps-'));
  dirs.push(dir);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function check(dir: string): { status: number | null; out: string } {
  const r = checkDeps({ cwd: dir, stdio: 'pipe', timeoutMs: 60_000 });
  assert.equal(r.error, undefined, `the checker did not run: ${r.error}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

// A clean miniature of src/: every import points down (or stays in its layer).
const clean: Record<string, string> = {
  'src/errors.ts': 'export class MongoError extends Error {}\n',
  'src/read-preference.ts': "import { MongoError } from './errors.js';\nexport const rp = MongoError;\n",
  'src/wire/codec.ts': "import { MongoError } from '../errors.js';\nexport const codec = MongoError;\n",
  'src/connection/socket.ts':
    "import { Buffer } from 'node:buffer';\nimport { codec } from '../wire/codec.js';\nexport const socket = [codec, Buffer];\n",
  'src/sdam/description/server.ts': "import { BSON } from 'bson';\nexport const server = BSON;\n",
  'src/selection/select.ts':
    "import { server } from '../sdam/description/server.js';\nexport const select = server;\n",
  'src/client/collection.ts':
    "import { of } from 'rxjs';\nimport { socket } from '../connection/socket.js';\nimport { rp } from '../read-preference.js';\nimport { select } from '../selection/select.js';\nexport const find = () => of(socket, rp, select);\n",
  'src/index.ts': "export { find } from './client/collection.js';\n",
};

describe('layer check (dependency-cruiser with .dependency-cruiser.mjs)', { timeout: 120_000 }, () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('passes on a tree whose imports point down', () => {
    const r = check(tree(clean));
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /no dependency violations found/);
  });

  it('fails on wire/ importing client/, on description/ importing selection/ and on a cycle', () => {
    const r = check(
      tree({
        ...clean,
        'src/wire/codec.ts': "import { find } from '../client/collection.js';\nexport const codec = find;\n",
        'src/operations/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'src/operations/b.ts': "import type { a } from './a.js';\nexport const b: typeof a | null = null;\n",
        'src/execute/run.ts': "import { a } from '../operations/a.js';\nexport const run = a;\n",
        // selection/ sits above the pure sdam/description/, so description may not import it.
        'src/sdam/description/bad.ts':
          "import { select } from '../../selection/select.js';\nexport const bad = select;\n",
        'src/index.ts':
          "export { find } from './client/collection.js';\nexport { run } from './execute/run.js';\nexport { bad } from './sdam/description/bad.js';\n",
      }),
    );
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /layer-wire: src\/wire\/codec\.ts → src\/client\/collection\.ts/);
    assert.match(r.out, /no-circular: src\/operations\/(a|b)\.ts →/);
    assert.match(
      r.out,
      /layer-sdam-description: src\/sdam\/description\/bad\.ts → src\/selection\/select\.ts/,
    );
  });

  it('fails on a folder that is in no layer and on an import of a devDependency', () => {
    const r = check(
      tree({
        ...clean,
        'src/misc/helper.ts': "import { codec } from '../wire/codec.js';\nexport const helper = codec;\n",
        'src/pool/pool.ts': "import { MongoClient } from 'mongodb';\nexport const pool = MongoClient;\n",
        'src/index.ts':
          "export { find } from './client/collection.js';\nexport { helper } from './misc/helper.js';\nexport { pool } from './pool/pool.js';\n",
      }),
    );
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /no-unlayered-module: src\/misc\/helper\.ts/);
    assert.match(r.out, /src-only-runtime-packages: src\/pool\/pool\.ts → .*node_modules\/mongodb\//);
  });
});
