// The `cmap` spec suite: every cmap-format JSON test run by cmap-runner on fake connections.
// "integration" tests run too: their failCommand fail point (on hello) is played by the fake factory.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecCase, SpecSuite } from '../runner/types.js';
import { type CmapTest, runCmapTest } from './cmap-runner.js';

const FOLDER = 'connection-monitoring-and-pooling/tests/cmap-format';

export const cmapSuite: SpecSuite = {
  name: 'cmap',
  description: 'CMAP pool behaviour and events (cmap-format), fake connections on virtual time',
  load(specDir: string): SpecCase[] {
    const dir = join(specDir, FOLDER);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((file) => {
        const test = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CmapTest;
        return { name: `${file}: ${test.description}`, run: () => runCmapTest(test) };
      });
  },
};
