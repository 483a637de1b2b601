// Runs every data-driven spec suite under node:test so `npm test` counts each case.
// Unified suites need a server and are run from spec/unified/*.test.ts instead.
import { describe, it } from 'node:test';
import { resolveSpecDir } from './runner/spec-dir.js';
import { suites } from './runner/suites.js';

const specDir = resolveSpecDir();

for (const [name, load] of Object.entries(suites)) {
  describe(`spec suite ${name}`, async () => {
    if (!specDir) {
      it('spec tests directory', { skip: 'spec tests not found (SPEC_TESTS_DIR)' }, () => {});
      return;
    }
    const suite = await load();
    for (const c of await suite.load(specDir)) {
      it(c.name, c.skip ? { skip: c.skip } : {}, async (t) => {
        const partial = await c.run();
        if (partial) t.diagnostic(`commands only: ${partial.commandsOnly}`);
      });
    }
  });
}
