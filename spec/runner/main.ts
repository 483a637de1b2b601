// `npm run spec -- [--dir DIR] [--verbose] [--grep REGEXP] SUITE...` — runs spec suites (with
// --grep, only the cases whose name matches) and ends with "N passed, N failed, N skipped".
// Exit code 0 only when none failed.
import { inspect } from 'node:util';
import { resolveSpecDir } from './spec-dir.js';
import { loadSuite, suites } from './suites.js';
import '../unified/suite.js';
import type { SpecCase } from './types.js';

interface Tally {
  passed: number;
  /** Checked without outcome data (CommandsOnly): reported apart, never as passed. */
  commandsOnly: number;
  failed: number;
  skipped: number;
}

interface Args {
  dir?: string;
  grep?: RegExp;
  verbose: boolean;
  names: string[];
  list: boolean;
}

function parseArgs(argv: string[]): Args {
  const names: string[] = [];
  let dir: string | undefined;
  let grep: RegExp | undefined;
  let verbose = false;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') dir = argv[++i];
    else if (a.startsWith('--dir=')) dir = a.slice(6);
    else if (a === '--grep') grep = new RegExp(argv[++i] ?? '');
    else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--list') list = true;
    else names.push(a);
  }
  return { dir, grep, verbose, names, list };
}

async function runCase(c: SpecCase, tally: Tally, verbose: boolean, prefix: string): Promise<void> {
  if (c.skip) {
    tally.skipped++;
    if (verbose) console.log(`  skip ${prefix}${c.name} — ${c.skip}`);
    return;
  }
  if (c.todo) {
    // A driver gap: failed by definition (some would pass only because their unbuilt part is unchecked).
    tally.failed++;
    console.log(`  GAP ${prefix}${c.name} — ${c.todo}`);
    return;
  }
  try {
    const result = await c.run();
    if (result) {
      tally.commandsOnly++;
      if (verbose) console.log(`  commands-only ${prefix}${c.name} — ${result.commandsOnly}`);
      return;
    }
    tally.passed++;
    if (verbose) console.log(`  pass ${prefix}${c.name}`);
  } catch (e) {
    tally.failed++;
    const msg = e instanceof Error ? (e.stack ?? e.message) : inspect(e);
    console.log(`  FAIL ${prefix}${c.name}\n    ${msg.split('\n').slice(0, 12).join('\n    ')}`);
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list || args.names.length === 0) {
    console.log(`suites: ${Object.keys(suites).join(', ')}, unified:<folder>`);
    if (args.names.length === 0) {
      console.log('0 passed, 0 failed, 0 skipped');
      return 0;
    }
  }
  const total: Tally = { passed: 0, commandsOnly: 0, failed: 0, skipped: 0 };
  const specDir = resolveSpecDir(args.dir);
  for (const name of args.names) {
    const suite = await loadSuite(name);
    if (!suite) {
      console.log(`unknown suite: ${name}`);
      total.failed++;
      continue;
    }
    if (!specDir) {
      console.log(`${name}: skipped — spec tests not found (set SPEC_TESTS_DIR or --dir)`);
      total.skipped++;
      continue;
    }
    const tally: Tally = { passed: 0, commandsOnly: 0, failed: 0, skipped: 0 };
    const cases = await suite.load(specDir);
    for (const c of cases) {
      if (!args.grep || args.grep.test(c.name)) await runCase(c, tally, args.verbose, `${name}: `);
    }
    const partial = tally.commandsOnly > 0 ? `, ${tally.commandsOnly} commands-only` : '';
    console.log(
      `${name}: ${tally.passed} passed${partial}, ${tally.failed} failed, ${tally.skipped} skipped`,
    );
    total.passed += tally.passed;
    total.commandsOnly += tally.commandsOnly;
    total.failed += tally.failed;
    total.skipped += tally.skipped;
  }
  if (total.commandsOnly > 0)
    console.log(`${total.commandsOnly} commands-only (outcome data not checked; not counted as passed)`);
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    console.log('0 passed, 1 failed, 0 skipped');
    process.exitCode = 1;
  },
);
