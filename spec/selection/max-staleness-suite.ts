// max-staleness spec runner: same format as server_selection, with heartbeatFrequencyMS and lastWrite.
import { join } from 'node:path';
import type { SpecCase, SpecSuite } from '../runner/types.js';
import { loadJsonFiles } from '../sdam/json-files.js';
import { runSelectionCase } from './selection-case.js';

export const maxStalenessSuite: SpecSuite = {
  name: 'max-staleness',
  description: 'max-staleness selection and validation on the pure selection functions',
  load(specDir: string): SpecCase[] {
    const root = join(specDir, 'max-staleness', 'tests');
    return loadJsonFiles(root).map(
      (file): SpecCase => ({ name: file.name, run: () => runSelectionCase(file.doc) }),
    );
  },
};
