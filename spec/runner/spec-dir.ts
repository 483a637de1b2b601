import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the spec JSON lives: an explicit dir, then SPEC_TESTS_DIR, then ../shared/spec-tests. */
export function resolveSpecDir(explicit?: string): string | undefined {
  const candidates = [explicit, process.env.SPEC_TESTS_DIR, resolve(projectRoot, '../shared/spec-tests')];
  for (const c of candidates) if (c && existsSync(c)) return resolve(c);
  return undefined;
}
