import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpecCase } from '../runner/types.js';

/** One JSON test file: its name and its `tests` array (each test a plain record). */
export interface JsonTestFile {
  readonly file: string;
  readonly tests: readonly Record<string, unknown>[];
}

/** Reads every `*.json` file of a folder in name order; an absent folder yields none. */
export function readJsonTests(dir: string): JsonTestFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const data = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { tests?: Record<string, unknown>[] };
      return { file, tests: data.tests ?? [] };
    });
}

/** One SpecCase per test of each file; a single skipped case says when no folder had tests. */
export function casesFromFiles(
  files: readonly JsonTestFile[],
  where: string,
  toRun: (test: Record<string, unknown>, file: string) => () => void,
): SpecCase[] {
  if (files.length === 0) return [{ name: where, skip: `no JSON tests found in ${where}`, run: () => {} }];
  return files.flatMap(({ file, tests }) =>
    tests.map((test) => ({ name: `${file}: ${String(test.description)}`, run: toRun(test, file) })),
  );
}

/** JSON-normalizes a value for deep comparison with spec data (undefined stays undefined). */
export function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Spec JSON uses null for "absent"; the driver uses undefined. */
export function orNull(value: unknown): unknown {
  return value === undefined ? null : value;
}
