// examples/angular end to end: builds the SSR app (ng build), starts its server on a free port
// against the test server, fetches a rendered page over HTTP and finds the documents in the HTML
// (and in the state handed to the browser), then stops it with SIGTERM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import { type RunningApp, startApp } from '../support/app-process.js';
import { testServer } from '../support/ferretdb.js';

const root = join(import.meta.dirname, '../..');
const app = join(root, 'examples/angular');
const installed = existsSync(join(app, 'node_modules/@angular/build'));
// CI installs the example (.ci/run); a local checkout that has not gets a skip that says how.
const skip =
  installed || process.env.CI ? false : 'examples/angular not installed (npm ci --prefix examples/angular)';

describe('examples/angular (server-side rendering, end to end)', { skip }, () => {
  let server: RunningApp;
  let url: string;
  let release: () => Promise<void>;
  const dbName = `angular_e2e_${process.pid}`;
  const names = ['anchor', 'bolt <b>&', 'chain'];

  before(async () => {
    // The Angular CLI's production build (browser and server bundles; mongorx from ../../src).
    const build = spawnSync(join(app, 'node_modules/.bin/ng'), ['build'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', NG_FORCE_TTY: 'false' },
    });
    assert.equal(build.status, 0, `ng build failed:\n${build.stdout}\n${build.stderr}`);
    const db = await testServer();
    release = db.release;
    const client = new MongoClient(db.uri);
    const items = client.db(dbName).collection<{ name: string; qty: number }>('items');
    await lastValueFrom(items.insertMany(names.map((name, i) => ({ name, qty: i + 1 }))));
    await lastValueFrom(client.close(), { defaultValue: undefined });
    server = await startApp([join(app, 'dist/angular-example/server/server.mjs')], app, {
      ...process.env,
      PORT: '0',
      MONGODB_URI: db.uri,
      MONGORX_EXAMPLE_DB: dbName,
    });
    url = server.url;
  });

  after(async () => {
    server?.kill();
    await release?.();
  });

  it('renders the documents on the server, through the async pipe', async () => {
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /ng-server-context="ssr"/);
    const rendered = [...html.matchAll(/<li class="item"[^>]*>([^<]*)<\/li>/g)].map((m) => m[1]);
    // Sorted by name; the name with markup in it is escaped, not interpreted.
    assert.deepEqual(rendered, ['anchor × 1', 'bolt &lt;b&gt;&amp; × 2', 'chain × 3']);
    // The browser gets the same list in the transferred state, and does not query again.
    const state = /<script id="ng-state" type="application\/json">([^<]*)<\/script>/.exec(html);
    assert.ok(state?.[1], 'transfer state in the page');
    const items = (JSON.parse(state[1]) as { items: { name: string }[] }).items;
    assert.deepEqual(
      items.map((i) => i.name),
      names,
    );
  });

  it('serves the browser bundle', async () => {
    const html = await (await fetch(`${url}/`)).text();
    const script = /<script src="(main-[^"]+\.js)"/.exec(html);
    assert.ok(script?.[1], 'main bundle referenced');
    const js = await fetch(`${url}/${script[1]}`);
    assert.equal(js.status, 200);
    // No driver in the browser: the data service on mongorx is server-only.
    assert.doesNotMatch(await js.text(), /MongoClient|killCursors/);
  });

  it('stops on SIGTERM, closing the MongoClient', async () => {
    server.child.kill('SIGTERM');
    const { code, signal } = await server.exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.output());
    assert.match(server.output(), /mongo client closed/);
  });
});
