// Every ```ts block of README.md and docs/*.md is a whole program: each is written to a file of its
// own and the set is type-checked with tsc (strict, as the project), `mongorx` mapped to src/. Two
// run as well: the marble-testing page's test, and the first programs of README.md and
// getting-started against the test server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testServer } from '../support/ferretdb.js';

const root = join(import.meta.dirname, '../..');
const dir = join(root, '.cache', `snippets-${process.pid}`);

interface Snippet {
  source: string; // e.g. docs/migrating.md
  line: number; // line of the first code line in the source
  file: string; // generated file name
  code: string;
}

export function extractSnippets(source: string, text: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? '')) end++;
    if (open[2] === 'ts') {
      const code = lines
        .slice(start, end)
        .map((l) => l.slice(indent))
        .join('\n');
      const file = `${source.replace(/[/.]/g, '_')}_L${start + 1}.ts`;
      out.push({ source, line: start + 1, file, code: `${code}\nexport {};\n` });
    }
    i = end;
  }
  return out;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

describe('README and docs snippets', () => {
  let snippets: Snippet[] = [];
  let release: (() => Promise<void>) | undefined;
  let uri = '';

  before(async () => {
    snippets = markdownFiles().flatMap((f) => extractSnippets(f, readFileSync(join(root, f), 'utf8')));
    mkdirSync(dir, { recursive: true });
    for (const s of snippets) writeFileSync(join(dir, s.file), s.code);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: relative(dir, join(root, 'tsconfig.json')),
        compilerOptions: { noEmit: true, paths: { mongorx: [relative(dir, join(root, 'src/index.ts'))] } },
        include: ['*.ts'],
      }),
    );
  });

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await release?.();
  });

  it('finds the snippets (README and every docs page have some)', () => {
    const sources = new Set(snippets.map((s) => s.source));
    for (const f of markdownFiles()) {
      if (f !== 'docs/architecture.md') assert.ok(sources.has(f), `${f} has no ts snippet`);
    }
  });

  it('type-checks every ts snippet', { timeout: 300_000 }, () => {
    const tsc = join(root, 'node_modules/.bin/tsc');
    const r = spawnSync(tsc, ['-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8' });
    // Errors point at the markdown line: "docs_x_md_L12.ts(3,5)" is docs/x.md line 14.
    const byFile = new Map(snippets.map((s) => [s.file, s]));
    const report = r.stdout.replace(
      /^(\S+\.ts)\((\d+),(\d+)\)/gm,
      (whole, file: string, l: string, c: string) => {
        const s = byFile.get(file);
        return s ? `${s.source}:${s.line + Number(l) - 1}:${c}` : whole;
      },
    );
    assert.equal(r.status, 0, report);
  });

  it('runs the marble test of docs/testing-with-marbles.md', { timeout: 120_000 }, () => {
    const s = snippets.find((x) => x.source === 'docs/testing-with-marbles.md');
    assert.ok(s);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', join(dir, s.file)], {
      cwd: root,
      encoding: 'utf8',
      // Without the parent runner's context: a plain run that prints its own TAP.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, TSX_TSCONFIG_PATH: join(dir, 'tsconfig.json') },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /# pass 1\n/);
  });

  // The programs name mongodb://127.0.0.1:27017/: the copy that runs points at the test server.
  for (const source of ['README.md', 'docs/getting-started.md']) {
    it(`runs the first program of ${source} against the test server, and it exits by itself`, {
      timeout: 120_000,
    }, async () => {
      if (!release) {
        const server = await testServer();
        release = server.release;
        uri = server.uri;
      }
      const s = snippets.find((x) => x.source === source);
      assert.ok(s);
      const file = join(dir, `run_${s.file}`);
      writeFileSync(
        file,
        s.code.replaceAll('mongodb://127.0.0.1:27017/', uri.endsWith('/') ? uri : `${uri}/`),
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
        cwd: root,
        encoding: 'utf8',
        // The program closes its client; one that leaves something open would hang until this.
        timeout: 100_000,
        env: { ...process.env, MONGODB_URI: uri, TSX_TSCONFIG_PATH: join(dir, 'tsconfig.json') },
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(
        r.stdout,
        source === 'README.md' ? /^insert\nnew ObjectId\('[0-9a-f]{24}'\)\nfind\n/ : /inserted 2/,
      );
    });
  }
});
