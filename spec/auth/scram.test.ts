// SCRAM against a real FerretDB with its new authentication. FerretDB v1.24 offers SCRAM-SHA-1
// and SCRAM-SHA-256 (both listed in saslSupportedMechs), answers speculativeAuthenticate in the
// hello, and ignores skipEmptyExchange (it answers v= with done:false, so one empty saslContinue
// follows). It does not offer PLAIN or MONGODB-X509; those are unit-tested in plain-x509.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { Document } from 'bson';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import { createAuthProvider } from '../../src/connection/auth/index.js';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { connect } from '../../src/connection/connect.js';
import type { SocketConnection } from '../../src/connection/socket-connection.js';
import { MongoAuthError, MongoServerError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import type { MongoEvent } from '../../src/events/types.js';
import { type RunningFerretDB, startFerretDB } from '../support/ferretdb.js';

const ADMIN = { username: 'root', password: 'root-Pa55' };

describe('SCRAM against FerretDB (new auth)', () => {
  let server: RunningFerretDB;
  const events: MongoEvent[] = [];

  const open = (credentials?: { username?: string; password?: string; mechanism?: string }, bus?: EventBus) =>
    firstValueFrom(
      connect(
        {
          target: { host: server.host, port: server.port },
          socket: { connectTimeoutMS: 5000 },
          metadata: buildClientMetadata(),
          auth: credentials ? createAuthProvider({ source: 'admin', ...credentials }) : undefined,
          bus,
        },
        { id: 1, generation: 0 },
      ),
    );

  /** Connects, proves the connection is authenticated, and returns the names of the commands sent. */
  const login = async (credentials: { username: string; password: string; mechanism?: string }) => {
    const bus = new EventBus();
    const names: string[] = [];
    bus.events$.subscribe((e) => {
      events.push(e);
      if (e.name === 'commandStarted') names.push(e.commandName);
    });
    const conn = await open(credentials, bus);
    try {
      const reply = await firstValueFrom(conn.command('admin', { listDatabases: 1, nameOnly: true }));
      assert.equal(reply.ok, 1);
      return { names: names.filter((n) => n.startsWith('sasl')), hello: conn.hello as Document };
    } finally {
      conn.close();
    }
  };

  before(async () => {
    server = await startFerretDB({ auth: ADMIN });
    const conn: SocketConnection = await open(ADMIN);
    const users: Document[] = [
      { createUser: 'sha1', pwd: 'sha1', roles: [], mechanisms: ['SCRAM-SHA-1'] },
      { createUser: 'sha256', pwd: 'sha256', roles: [], mechanisms: ['SCRAM-SHA-256'] },
      { createUser: 'both', pwd: 'both', roles: [], mechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-256'] },
      { createUser: 'IX', pwd: 'IX', roles: [], mechanisms: ['SCRAM-SHA-256'] },
      { createUser: '\u2168', pwd: '\u2163', roles: [], mechanisms: ['SCRAM-SHA-256'] },
    ];
    for (const u of users) await firstValueFrom(conn.command('admin', u));
    conn.close();
  });
  after(() => server?.stop());

  it('requires authentication (control)', async () => {
    const conn = await open();
    await assert.rejects(firstValueFrom(conn.command('admin', { listDatabases: 1 })), MongoServerError);
    conn.close();
  });

  it('lists both mechanisms for a user in saslSupportedMechs', async () => {
    const { hello } = await login({ username: 'both', password: 'both' });
    assert.deepEqual([...(hello.saslSupportedMechs as string[])].sort(), ['SCRAM-SHA-1', 'SCRAM-SHA-256']);
  });

  for (const mechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256']) {
    it(`${mechanism} explicitly, speculatively (no saslStart; the hello reply carries the first step)`, async () => {
      const { names, hello } = await login({ username: 'both', password: 'both', mechanism });
      assert.equal(typeof hello.speculativeAuthenticate, 'object');
      // FerretDB answers the client proof with done:false, hence two saslContinue.
      assert.deepEqual(names, ['saslContinue', 'saslContinue']);
    });
  }

  it('negotiation picks SCRAM-SHA-256 when listed (continues the speculative SHA-256 conversation)', async () => {
    const { names, hello } = await login({ username: 'both', password: 'both' });
    assert.ok((hello.saslSupportedMechs as string[]).includes('SCRAM-SHA-256'));
    assert.deepEqual(names, ['saslContinue', 'saslContinue']);
    assert.deepEqual((await login({ username: 'sha256', password: 'sha256' })).names, [
      'saslContinue',
      'saslContinue',
    ]);
  });

  it('negotiation falls back to SCRAM-SHA-1 for a SHA-1-only user (speculative SHA-256 declined)', async () => {
    const { names, hello } = await login({ username: 'sha1', password: 'sha1' });
    assert.deepEqual(hello.saslSupportedMechs, ['SCRAM-SHA-1']);
    assert.equal(hello.speculativeAuthenticate, undefined);
    assert.deepEqual(names, ['saslStart', 'saslContinue', 'saslContinue']);
  });

  it('the mechanism a user lacks fails', async () => {
    await assert.rejects(
      open({ username: 'sha1', password: 'sha1', mechanism: 'SCRAM-SHA-256' }),
      MongoAuthError,
    );
    await assert.rejects(
      open({ username: 'sha256', password: 'sha256', mechanism: 'SCRAM-SHA-1' }),
      MongoAuthError,
    );
  });

  for (const mechanism of [undefined, 'SCRAM-SHA-1', 'SCRAM-SHA-256']) {
    it(`a wrong password fails clearly (${mechanism ?? 'negotiated'})`, async () => {
      await assert.rejects(open({ username: 'both', password: 'Wr0ngPassw0rd', mechanism }), (e: unknown) => {
        assert.ok(e instanceof MongoAuthError, String(e));
        assert.match(
          e.message,
          new RegExp(`^Authentication failed for user "both" with ${mechanism ?? 'SCRAM-SHA-256'}: `),
        );
        assert.ok(!inspect(e, { depth: 10 }).includes('Wr0ngPassw0rd'));
        return true;
      });
    });
  }

  it('a user that does not exist fails like a wrong password (auth spec test plan step 3)', async () => {
    await assert.rejects(open({ username: 'nobody', password: 'x' }), MongoAuthError);
  });

  it('SASLprep of SCRAM-SHA-256 passwords (auth spec test plan step 4)', async () => {
    for (const [username, password] of [
      ['IX', 'IX'],
      ['IX', 'I\u00ADX'],
      ['\u2168', 'IV'],
      ['\u2168', 'I\u00ADV'],
    ] as const) {
      await login({ username, password });
      await login({ username, password, mechanism: 'SCRAM-SHA-256' });
    }
  });

  it('no password appears in any event; sasl bodies and replies are redacted', () => {
    assert.ok(events.length > 0);
    const text = inspect(events, { depth: 20 });
    for (const password of ['I\u00ADX', 'I\u00ADV', '\u2163']) assert.ok(!text.includes(password), password);
    for (const e of events) {
      if (e.name === 'commandStarted' && e.commandName.startsWith('sasl')) assert.deepEqual(e.command, {});
      if (e.name === 'commandSucceeded' && e.commandName.startsWith('sasl')) assert.deepEqual(e.reply, {});
    }
  });

  it('works end to end through MongoClient and a connection string', async () => {
    const password = encodeURIComponent(ADMIN.password);
    for (const query of ['', '?authMechanism=SCRAM-SHA-1', '?authMechanism=SCRAM-SHA-256&authSource=admin']) {
      const uri = `mongodb://${ADMIN.username}:${password}@${server.host}:${server.port}/${query}`;
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
      try {
        const reply = await firstValueFrom(client.db('admin').command({ listDatabases: 1, nameOnly: true }));
        assert.equal(reply.ok, 1, query);
      } finally {
        await lastValueFrom(client.close(), { defaultValue: undefined });
      }
    }
    const bad = new MongoClient(`mongodb://${ADMIN.username}:Wr0ngPassw0rd@${server.host}:${server.port}/`, {
      serverSelectionTimeoutMS: 3000,
    });
    try {
      await assert.rejects(firstValueFrom(bad.db('admin').command({ ping: 1 })), (e: unknown) => {
        assert.match(
          String((e as Error).message),
          /Authentication failed for user "root" with SCRAM-SHA-256/,
        );
        assert.ok(!inspect(e, { depth: 10 }).includes('Wr0ngPassw0rd'));
        return true;
      });
    } finally {
      await lastValueFrom(bad.close(), { defaultValue: undefined });
    }
  });
});
