// The wire codec is the bottom layer: it imports bson, Node built-ins, its own modules and the error
// taxonomy, nothing above it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const wireDir = join(import.meta.dirname, '../../src/wire');
const ALLOWED = [/^\.\/[\w-]+\.js$/, /^\.\.\/errors\.js$/, /^bson$/, /^node:/];

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g))
    specifiers.push(m[1]!);
  for (const m of source.matchAll(/import\(\s*'([^']+)'\s*\)/g)) specifiers.push(m[1]!);
  return specifiers;
}

describe('wire layer', () => {
  it('imports nothing above it except errors', () => {
    const files = readdirSync(wireDir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 5);
    for (const file of files) {
      for (const spec of importsOf(readFileSync(join(wireDir, file), 'utf8'))) {
        assert.ok(
          ALLOWED.some((re) => re.test(spec)),
          `src/wire/${file} imports ${spec}`,
        );
      }
    }
  });
});
