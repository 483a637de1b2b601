import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { test } from 'node:test';
import { startFerretDB } from './ferretdb.js';

test('FerretDB harness starts on a free loopback port and stops cleanly', async () => {
  const server = await startFerretDB();
  assert.match(server.uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
  await server.stop();
  const refused = await new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port: server.port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
  assert.equal(refused, true);
});
