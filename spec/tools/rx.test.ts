import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as rxjs from 'rxjs';
// @ts-expect-error: plain JS build helper without types.
import { requireRxjsInEsm } from '../../scripts/rx-require.mjs';
import * as rx from '../../src/rx.js';

const root = join(import.meta.dirname, '../..');

describe('src/rx.ts (rxjs by module, not by index)', () => {
  it('exports the very values of rxjs’s index', () => {
    const names = Object.keys(rx);
    assert.ok(names.length >= 30);
    for (const name of names) {
      assert.equal((rx as Record<string, unknown>)[name], (rxjs as Record<string, unknown>)[name], name);
    }
  });

  it('the dist/esm rewrite (require() per module) exports the same values', async () => {
    // What tsc emits for src/rx.ts: the same export lines (type exports are erased).
    const emitted = readFileSync(join(root, 'src/rx.ts'), 'utf8')
      .split('\n')
      .filter((l) => /^export \{ \w+ \} from 'rxjs\/internal\//.test(l))
      .join('\n');
    // Inside the project, so require() resolves rxjs from its node_modules.
    const dir = mkdtempSync(join(root, 'node_modules/.rx-test-'));
    try {
      const file = join(dir, 'rx.mjs');
      writeFileSync(file, `${emitted}\n`);
      requireRxjsInEsm(file);
      assert.match(readFileSync(file, 'utf8'), /createRequire/);
      const rewritten = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(rewritten).sort(), Object.keys(rx).sort());
      for (const name of Object.keys(rx))
        assert.equal(rewritten[name], (rx as Record<string, unknown>)[name], name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
