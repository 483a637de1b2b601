import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { testServer } from '../support/ferretdb.js';

let server: Awaited<ReturnType<typeof testServer>>;
before(async () => {
  server = await testServer();
});
after(() => server.release());

it('1,000 concurrent inserts and reads through maxPoolSize=10, then the process exits by itself', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'load-script.ts'), server.uri],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    // The child never calls process.exit: if a socket or timer were left, it would not exit.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the load process did not exit by itself; output: ${out}`));
    }, 60_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0);
  const stats = JSON.parse(out.trim().split('\n').pop() ?? '{}');
  console.log(`load: ${JSON.stringify(stats)}`);
  assert.equal(stats.inserted, 1000);
  assert.equal(stats.found, 1000);
  assert.ok(stats.peakOpen <= 10, `peak open connections ${stats.peakOpen} > 10`);
  assert.equal(stats.checkedOut, stats.checkedIn, 'every checked-out connection was checked in');
  assert.equal(stats.openAfterClose, 0);
});
