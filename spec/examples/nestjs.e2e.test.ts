// examples/nestjs end to end: type-checks the app, starts it on a free port against the test server,
// makes real HTTP requests (list, get, create, errors, server-sent events) and stops it with SIGTERM.
// Then again behind the replica-set proxy (which plays change streams): there the SSE endpoint
// follows a live query, and an insert arrives through the change stream, not by polling.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningApp, startApp } from '../support/app-process.js';
import { testServer } from '../support/ferretdb.js';
import { type ReplicaSetProxy, startReplicaSetProxy } from '../support/rs-proxy/index.js';

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

/** Starts the example (tsx, the library's source) against `uri`, on a free port. */
function startExample(uri: string, db: string): Promise<RunningApp> {
  return startApp(['--import', 'tsx', join(dir, 'src/main.ts')], dir, {
    ...process.env,
    PORT: '0',
    MONGODB_URI: uri,
    MONGORX_EXAMPLE_DB: db,
    // mongorx resolves to ../../src (paths), so the test needs no build of the library.
    TSX_TSCONFIG_PATH: join(dir, 'tsconfig.dev.json'),
  });
}

const postTo = (url: string, body: unknown) =>
  fetch(`${url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

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
    app = await startExample(server.uri, `nestjs_e2e_${process.pid}`);
    url = app.url;
  });

  after(async () => {
    app?.kill();
    await release?.();
  });

  const post = (body: unknown) => postTo(url, body);

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

  it('streams the documents, then new ones, as server-sent events (GET /items/stream; a standalone server: polled)', async () => {
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

describe('examples/nestjs behind a replica set: the SSE endpoint follows a live query', { skip }, () => {
  let app: RunningApp;
  let proxy: ReplicaSetProxy;
  let release: () => Promise<void>;
  const db = `nestjs_e2e_live_${process.pid}`;

  before(async () => {
    const server = await testServer();
    release = server.release;
    proxy = await startReplicaSetProxy({ upstream: server.uri, members: 1 });
    app = await startExample(proxy.uri, db);
  });

  after(async () => {
    app?.kill();
    await proxy?.close();
    await release?.();
  });

  /** The finds of the items collection and the change streams opened on it, as the proxy saw them. */
  const seen = () => {
    const ours = proxy.commands.filter((r) => r.command.$db === db);
    return {
      finds: ours.filter((r) => r.commandName === 'find' && r.command.find === 'items').length,
      changeStreams: ours.filter(
        (r) => r.commandName === 'aggregate' && r.command.pipeline?.[0]?.$changeStream !== undefined,
      ).length,
    };
  };

  it('streams the documents, then an insert made after the stream opened, through the change stream', async () => {
    const first = (await (await postTo(app.url, { name: 'gear', qty: 3 })).json()) as Item;
    const abort = new AbortController();
    const res = await fetch(`${app.url}/items/stream`, { signal: abort.signal });
    assert.equal(res.status, 200);
    assert.ok(res.body);
    const events = sseData(res.body);
    assert.deepEqual((await events.next()).value, first);
    // The live query has read once and opened its change stream.
    await proxy.nextCommand(
      (r) => r.commandName === 'getMore' && r.command.$db === db && r.command.collection === 'items',
    );
    assert.deepEqual(seen(), { finds: 1, changeStreams: 1 });
    const late = (await (await postTo(app.url, { name: 'spring', qty: 12 })).json()) as Item;
    assert.deepEqual((await events.next()).value, late);
    // One re-read for the one change: no polling.
    assert.deepEqual(seen(), { finds: 2, changeStreams: 1 });
    abort.abort();
    await events.return(undefined).catch(() => {});
  });
});
