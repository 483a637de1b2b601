import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { runUntilExit } from '../support/child-process.js';
import { testServer } from '../support/ferretdb.js';

let server: Awaited<ReturnType<typeof testServer>>;
before(async () => {
  server = await testServer();
});
after(() => server.release());

it('1,000 concurrent inserts and reads through maxPoolSize=10, then the process exits by itself', async () => {
  // The child never calls process.exit: if a socket or timer were left, it would not exit.
  const { code, last } = await runUntilExit(join(import.meta.dirname, 'load-script.ts'), [server.uri]);
  assert.equal(code, 0);
  const stats = JSON.parse(last || '{}');
  console.log(`load: ${JSON.stringify(stats)}`);
  assert.equal(stats.inserted, 1000);
  assert.equal(stats.found, 1000);
  assert.ok(stats.peakOpen <= 10, `peak open connections ${stats.peakOpen} > 10`);
  assert.equal(stats.checkedOut, stats.checkedIn, 'every checked-out connection was checked in');
  assert.equal(stats.openAfterClose, 0);
});
