import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { createAuthProvider } from '../../src/connection/auth/index.js';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { connect } from '../../src/connection/connect.js';
import type { SocketTarget } from '../../src/connection/transport.js';
import { MongoNetworkError } from '../../src/errors.js';
import { type RunningFerretDB, startFerretDB } from '../support/ferretdb.js';

describe('Unix domain socket', () => {
  let server: RunningFerretDB;
  before(async () => {
    server = await startFerretDB({ unixSocket: true, auth: { username: 'unix', password: 'sock-pw' } });
    // Bounded by attempts, not by a clock reading.
    for (let attempt = 0; attempt < 200 && !existsSync(server.unixSocketPath!); attempt++)
      await new Promise((r) => setTimeout(r, 50));
  });
  after(() => server?.stop());

  const open = (target: SocketTarget) =>
    firstValueFrom(
      connect(
        {
          target,
          socket: { connectTimeoutMS: 5000 },
          metadata: buildClientMetadata(),
          auth: createAuthProvider({ username: 'unix', password: 'sock-pw', source: 'admin' }),
        },
        { id: 1, generation: 0 },
      ),
    );

  it('connects, authenticates and runs commands over the socket path', async () => {
    const conn = await open({ socketPath: server.unixSocketPath! });
    assert.equal(conn.address, server.unixSocketPath);
    const reply = await firstValueFrom(conn.command('admin', { listDatabases: 1, nameOnly: true }));
    assert.equal(reply.ok, 1);
    conn.close();
  });

  it('a missing socket file is a MongoNetworkError', async () => {
    await assert.rejects(open({ socketPath: `${server.dir}/missing.sock` }), MongoNetworkError);
  });
});
