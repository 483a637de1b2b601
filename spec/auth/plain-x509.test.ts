import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { Binary, Document } from 'bson';
import { lastValueFrom } from 'rxjs';
import { createAuthProvider } from '../../src/connection/auth/index.js';
import { MongoAuthError } from '../../src/errors.js';
import { FakeConnection } from './fake-connection.js';

const finish = (o: import('rxjs').Observable<void>) => lastValueFrom(o, { defaultValue: undefined });

describe('PLAIN', () => {
  const server = (password: string) => (db: string, command: Document) => {
    if (db !== '$external' || command.mechanism !== 'PLAIN') return { ok: 0, errmsg: 'bad', code: 2 };
    const [, user, pw] = Buffer.from((command.payload as Binary).value())
      .toString('utf8')
      .split('\0');
    if (user !== 'ldapuser' || pw !== password) return { ok: 0, errmsg: 'Authentication failed.', code: 18 };
    return { ok: 1, conversationId: 1, done: true, payload: new Uint8Array(0) };
  };

  const plain = (password: string) =>
    createAuthProvider({ username: 'ldapuser', password, source: '$external', mechanism: 'PLAIN' });

  it('sends \\0user\\0password to $external in one saslStart', async () => {
    const conn = new FakeConnection(server('pencil'));
    const auth = plain('pencil');
    assert.deepEqual(auth.helloFields(), {}, 'PLAIN is never speculative');
    await finish(auth.authenticate(conn, { ok: 1 }));
    assert.deepEqual(conn.names(), ['saslStart']);
    const payload = conn.sent[0]!.command.payload as Binary;
    assert.equal(
      Buffer.from(payload.value()).toString('base64'),
      Buffer.from('\0ldapuser\0pencil').toString('base64'),
    );
    assert.equal(conn.sent[0]!.command.autoAuthorize, 1);
  });

  it('a wrong password fails naming PLAIN and the user, not the password', async () => {
    const conn = new FakeConnection(server('pencil'));
    const auth = plain('crayon');
    await assert.rejects(finish(auth.authenticate(conn, { ok: 1 })), (e: unknown) => {
      assert.ok(e instanceof MongoAuthError);
      assert.match(e.message, /user "ldapuser" with PLAIN: Authentication failed\./);
      assert.ok(!e.message.includes('crayon'));
      assert.ok(!inspect(e, { depth: 10 }).includes('crayon'));
      return true;
    });
  });
});

describe('MONGODB-X509', () => {
  const subject = 'C=IS,ST=Reykjavik,L=Reykjavik,O=MongoDB,OU=Drivers,CN=client';
  const server = (db: string, command: Document) => {
    if (db !== '$external' || command.authenticate !== 1 || command.mechanism !== 'MONGODB-X509') {
      return { ok: 0, errmsg: 'bad', code: 2 };
    }
    if (command.user !== undefined && command.user !== subject)
      return { ok: 0, errmsg: 'No verified subject name', code: 11 };
    return { ok: 1, dbname: '$external', user: subject };
  };

  it('puts the whole authenticate command in the hello and stops when the server accepted it', async () => {
    const auth = createAuthProvider({ source: '$external', mechanism: 'MONGODB-X509' });
    const speculative = auth.helloFields().speculativeAuthenticate as Document;
    assert.deepEqual(speculative, { authenticate: 1, mechanism: 'MONGODB-X509', db: '$external' });
    const conn = new FakeConnection(server);
    await finish(
      auth.authenticate(conn, { ok: 1, speculativeAuthenticate: { dbname: '$external', user: subject } }),
    );
    assert.equal(conn.sent.length, 0);
  });

  it('sends authenticate on $external without a user when the hello did not authenticate', async () => {
    const auth = createAuthProvider({ source: '$external', mechanism: 'MONGODB-X509' });
    const conn = new FakeConnection(server);
    await finish(auth.authenticate(conn, { ok: 1 }));
    assert.deepEqual(conn.sent, [
      { db: '$external', command: { authenticate: 1, mechanism: 'MONGODB-X509' } },
    ]);
  });

  it('sends the user when given, and names it when refused', async () => {
    const ok = createAuthProvider({ username: subject, source: '$external', mechanism: 'MONGODB-X509' });
    assert.equal((ok.helloFields().speculativeAuthenticate as Document).user, subject);
    await finish(ok.authenticate(new FakeConnection(server), { ok: 1 }));
    const bad = createAuthProvider({ username: 'CN=other', source: '$external', mechanism: 'MONGODB-X509' });
    await assert.rejects(
      finish(bad.authenticate(new FakeConnection(server), { ok: 1 })),
      /Authentication failed for user "CN=other" with MONGODB-X509: No verified subject name/,
    );
  });

  it('without a user the error says the certificate is the user', async () => {
    const auth = createAuthProvider({ source: '$external', mechanism: 'MONGODB-X509' });
    const conn = new FakeConnection(() => ({ ok: 0, errmsg: 'no certificate', code: 18 }));
    await assert.rejects(
      finish(auth.authenticate(conn, { ok: 1 })),
      /user from the client certificate with MONGODB-X509/,
    );
  });
});
