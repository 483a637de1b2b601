// `npm run docs` stays buildable: every public export of src/index.ts has a documentation comment
// and TypeDoc converts and validates the API without a warning.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';

const root = join(import.meta.dirname, '../..');

it('the API reference builds: every public export is documented', { timeout: 300_000 }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/docs.ts', '--check'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /\d+ public exports/);
});
