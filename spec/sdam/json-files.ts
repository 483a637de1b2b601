import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Document, EJSON } from 'bson';

/** One spec JSON file, parsed as relaxed Extended JSON, with its path relative to the suite root. */
export interface SpecFile {
  readonly name: string;
  readonly doc: Document;
}

/** Every `*.json` file under `dir` (recursively), sorted by path; empty when `dir` does not exist. */
export function loadJsonFiles(root: string, dir: string = root): SpecFile[] {
  if (!existsSync(dir)) return [];
  const out: SpecFile[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...loadJsonFiles(root, path));
    else if (entry.endsWith('.json')) {
      out.push({
        name: relative(root, path),
        doc: EJSON.parse(readFileSync(path, 'utf8'), { relaxed: true }),
      });
    }
  }
  return out;
}
