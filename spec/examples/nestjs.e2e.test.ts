// examples/nestjs end to end: type-checks the app, starts it on a free port against the test server,
// makes real HTTP requests (list, get, create, errors, server-sent events) and stops it with SIGTERM.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp } from '../support/app-process.js';
import { testServer } from '../support/ferretdb.js';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'examples/nestjs');
const installed = existsSync(join(dir, 'node_modules/@nestjs/core'));
// CI installs the example (.ci/run); a local checkout that has not gets a skip that says how.
const skip =
  installed || process.env.CI ? false : 'examples/nestjs not installed (npm ci --prefix examples/nestjs)';

interface Item {
  _id: string;
  name: string;
  qty: number;
}

/** Reads server-sent events from a response body, one parsed `data:` payload at a time. */
async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .join('\n');
      if (data !== '') yield JSON.parse(data);
      end = buffered.indexOf('\n\n');
    }
  }
}

describe('examples/nestjs (end to end)', { skip }, () => {
  let app: RunningApp;
  let url: string;
  let release: () => Promise<void>;

  before(async () => {
    // The example's own compiler and settings (decorator metadata on), against the library's source.
    execFileSync(join(dir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.dev.json'], {
      cwd: dir,
      stdio: 'pipe',
    });
    const server = await testServer();
    release = server.release;
    app = await startApp(['--import', 'tsx', join(dir, 'src/main.ts')], dir, {
      ...process.env,
      PORT: '0',
      MONGODB_URI: server.uri,
      MONGORX_EXAMPLE_DB: `nestjs_e2e_${process.pid}`,
      // mongorx resolves to ../../src (paths), so the test needs no build of the library.
      TSX_TSCONFIG_PATH: join(dir, 'tsconfig.dev.json'),
    });
    url = app.url;
  });

  after(async () => {
    app?.kill();
    await release?.();
  });

  const post = (body: unknown) =>
    fetch(`${url}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  let created: Item[] = [];

  it('creates documents (POST /items) and returns them with their _id', async () => {
    for (const body of [
      { name: 'bolt', qty: 40 },
      { name: 'nut', qty: 7 },
    ]) {
      const res = await post(body);
      assert.equal(res.status, 201);
      const item = (await res.json()) as Item;
      assert.match(item._id, /^[0-9a-f]{24}$/);
      assert.deepEqual({ name: item.name, qty: item.qty }, body);
      created.push(item);
    }
  });

  it('rejects a bad body with 400 before anything reaches the server', async () => {
    const res = await post({ name: 42 });
    assert.equal(res.status, 400);
  });

  it('lists them (GET /items) in insertion order', async () => {
    const res = await fetch(`${url}/items`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), created);
  });

  it('gets one by id (GET /items/:id), 404 for a missing or malformed id', async () => {
    const first = created[0];
    assert.ok(first);
    const res = await fetch(`${url}/items/${first._id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), first);
    assert.equal((await fetch(`${url}/items/${'0'.repeat(24)}`)).status, 404);
    assert.equal((await fetch(`${url}/items/not-an-id`)).status, 404);
  });

  it('streams the documents, then new ones, as server-sent events (GET /items/stream)', async () => {
    const abort = new AbortController();
    const res = await fetch(`${url}/items/stream`, { signal: abort.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(res.body);
    const events = sseData(res.body);
    const seen: unknown[] = [];
    for (let i = 0; i < created.length; i++) seen.push((await events.next()).value);
    assert.deepEqual(seen, created);
    // Inserted after the stream is open: arrives on it.
    const late = (await (await post({ name: 'washer', qty: 100 })).json()) as Item;
    assert.deepEqual((await events.next()).value, late);
    created = [...created, late];
    abort.abort();
    await events.return(undefined).catch(() => {});
  });

  it('stops on SIGTERM, closing the MongoClient (onApplicationShutdown)', async () => {
    app.child.kill('SIGTERM');
    const { code, signal } = await app.exited;
    // Nest's shutdown hook closes the app, then re-raises the signal it got.
    assert.ok(code === 0 || signal === 'SIGTERM', `exit code ${code}, signal ${signal}\n${app.output()}`);
    assert.match(app.output(), /mongo client closed/);
  });
});
