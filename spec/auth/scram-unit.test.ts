import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Binary, type Document } from 'bson';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { createAuthProvider } from '../../src/connection/auth/index.js';
import { escapeUsername, ScramClient, scramKeyCacheSize } from '../../src/connection/auth/scram.js';
import { negotiatedMechanism } from '../../src/connection/auth/scram-provider.js';
import { MongoAuthError, MongoInvalidArgumentError, MongoMissingCredentialsError } from '../../src/errors.js';
import { FakeConnection } from './fake-connection.js';
import { type ScramServerOptions, scramServer } from './scram-server.js';

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('SCRAM client against the auth spec conversations', () => {
  it('SCRAM-SHA-1 (user "user", password "pencil", MongoDB digest)', async () => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', 'fyko+d2lbbFgONRv9qkxdawL');
    assert.equal(utf8(client.start()), 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const final = await client.step(
      bytes('r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000'),
    );
    assert.equal(
      utf8(final),
      'c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,p=MC2T8BvbmWRckDw8oWl5IVghwCY=',
    );
    client.finish(bytes('v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0='));
  });

  it('SCRAM-SHA-256 (RFC 7677 vector)', async () => {
    const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    assert.equal(utf8(client.start()), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const final = await client.step(
      bytes('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
    );
    assert.equal(
      utf8(final),
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    // The server-final may come with done:false; verifying in step then accepting the empty finish.
    assert.equal((await client.step(bytes('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).length, 0);
    client.finish(new Uint8Array(0));
  });

  it('refuses a wrong server signature', async () => {
    const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    await client.step(
      bytes('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
    );
    assert.throws(
      () => client.finish(bytes('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')),
      MongoAuthError,
    );
    assert.throws(() => client.finish(bytes('')), MongoAuthError);
  });

  it('refuses fewer than 4096 iterations and a nonce that does not extend the client nonce', async () => {
    const low = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'abc');
    await assert.rejects(
      Promise.resolve(low.step(bytes('r=abcdef,s=c2FsdA==,i=4095'))),
      /iteration count 4095/,
    );
    const foreign = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'abc');
    await assert.rejects(Promise.resolve(foreign.step(bytes('r=xyzdef,s=c2FsdA==,i=4096'))), /nonce/);
    const same = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'abc');
    await assert.rejects(Promise.resolve(same.step(bytes('r=abc,s=c2FsdA==,i=4096'))), /nonce/);
    const refused = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'abc');
    await assert.rejects(Promise.resolve(refused.step(bytes('e=other-error'))), /other-error/);
  });

  it('escapes "," and "=" in user names and never SASLpreps them', () => {
    assert.equal(escapeUsername('a=b,c'), 'a=3Db=2Cc');
    const client = new ScramClient('SCRAM-SHA-256', '\u2168,x', 'p', 'n');
    assert.equal(utf8(client.start()), 'n,,n=\u2168=2Cx,r=n');
  });

  it('a fresh nonce is 24 random bytes in base64', () => {
    const a = new ScramClient('SCRAM-SHA-1', 'u', 'p');
    const b = new ScramClient('SCRAM-SHA-1', 'u', 'p');
    assert.equal(Buffer.from(a.nonce, 'base64').length, 24);
    assert.notEqual(a.nonce, b.nonce);
  });
});

describe('SCRAM provider against a fake server', () => {
  const hello = (extra: Document = {}): Document => ({ ok: 1, maxWireVersion: 21, ...extra });
  const run = (options: ScramServerOptions, password = options.password, helloReply = hello()) => {
    const conn = new FakeConnection(scramServer(options));
    const auth = createAuthProvider({
      username: options.username,
      password,
      source: 'admin',
      mechanism: options.mechanism,
    });
    return { conn, done: lastValueFrom(auth.authenticate(conn, helloReply), { defaultValue: undefined }) };
  };

  for (const mechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const) {
    it(`${mechanism}: short conversation with skipEmptyExchange`, async () => {
      const { conn, done } = run({ mechanism, username: 'bob', password: 'pw' });
      await done;
      assert.deepEqual(conn.names(), ['saslStart', 'saslContinue']);
      const start = conn.sent[0]!.command;
      assert.equal(conn.sent[0]!.db, 'admin');
      assert.deepEqual(start.options, { skipEmptyExchange: true });
      assert.equal(start.autoAuthorize, 1);
      assert.equal(start.db, undefined);
    });

    it(`${mechanism}: finishes with an empty saslContinue when the server says done:false after v=`, async () => {
      const { conn, done } = run({ mechanism, username: 'bob', password: 'pw', extraEmptyExchange: true });
      await done;
      assert.deepEqual(conn.names(), ['saslStart', 'saslContinue', 'saslContinue']);
      assert.equal((conn.sent[2]!.command.payload as Binary).length(), 0);
    });
  }

  it('refuses a server whose final signature is wrong, naming mechanism and user only', async () => {
    const { done } = run({
      mechanism: 'SCRAM-SHA-256',
      username: 'bob',
      password: 'hunter2',
      wrongSignature: true,
    });
    await assert.rejects(done, (e: unknown) => {
      assert.ok(e instanceof MongoAuthError);
      assert.match(
        e.message,
        /^Authentication failed for user "bob" with SCRAM-SHA-256: SCRAM server signature/,
      );
      assert.ok(!e.message.includes('hunter2'));
      return true;
    });
  });

  it('refuses a server that says done before proving anything', async () => {
    const { done } = run({
      mechanism: 'SCRAM-SHA-1',
      username: 'bob',
      password: 'pw',
      doneWithoutProof: true,
    });
    await assert.rejects(done, /without proving/);
  });

  it('refuses a foreign server nonce and a low iteration count', async () => {
    await assert.rejects(
      run({ mechanism: 'SCRAM-SHA-256', username: 'b', password: 'p', foreignNonce: true }).done,
      /nonce/,
    );
    await assert.rejects(
      run({ mechanism: 'SCRAM-SHA-256', username: 'b', password: 'p', iterations: 1000 }).done,
      /1000/,
    );
  });

  it('a wrong password fails with the server error as cause', async () => {
    const { done } = run({ mechanism: 'SCRAM-SHA-1', username: 'bob', password: 'right' }, 'wrong');
    await assert.rejects(done, (e: unknown) => {
      assert.ok(e instanceof MongoAuthError);
      assert.equal(
        e.message,
        'Authentication failed for user "bob" with SCRAM-SHA-1: Authentication failed.',
      );
      assert.equal((e.cause as { code?: number }).code, 18);
      return true;
    });
  });

  it('caches the derived keys per password, salt and iterations', async () => {
    const server = scramServer({ mechanism: 'SCRAM-SHA-256', username: 'c', password: 'cached' });
    const auth = createAuthProvider({
      username: 'c',
      password: 'cached',
      source: 'admin',
      mechanism: 'SCRAM-SHA-256',
    });
    await lastValueFrom(auth.authenticate(new FakeConnection(server), hello()), { defaultValue: undefined });
    const size = scramKeyCacheSize();
    await lastValueFrom(auth.authenticate(new FakeConnection(server), hello()), { defaultValue: undefined });
    assert.equal(scramKeyCacheSize(), size);
  });

  it('continues the speculative conversation from the hello reply', async () => {
    const server = scramServer({ mechanism: 'SCRAM-SHA-256', username: 'spec', password: 'pw' });
    const auth = createAuthProvider({ username: 'spec', password: 'pw', source: 'db1' });
    const fields = auth.helloFields();
    assert.equal(fields.saslSupportedMechs, 'db1.spec');
    const speculative = fields.speculativeAuthenticate as Document;
    assert.equal(speculative.saslStart, 1);
    assert.equal(speculative.db, 'db1');
    assert.equal(speculative.mechanism, 'SCRAM-SHA-256');
    assert.deepEqual(speculative.options, { skipEmptyExchange: true });
    // Another connection's handshake in between must not disturb this one.
    auth.helloFields();
    const reply = server('db1', speculative);
    const conn = new FakeConnection(server);
    const helloReply = hello({ saslSupportedMechs: ['SCRAM-SHA-256'], speculativeAuthenticate: reply });
    await lastValueFrom(auth.authenticate(conn, helloReply), { defaultValue: undefined });
    assert.deepEqual(conn.names(), ['saslContinue']);
    assert.equal(conn.sent[0]!.db, 'db1');
    assert.equal(server.proofsAccepted, 1);
  });

  it('negotiates SCRAM-SHA-1 when the hello does not list SCRAM-SHA-256', async () => {
    const server = scramServer({ mechanism: 'SCRAM-SHA-1', username: 'old', password: 'pw' });
    const auth = createAuthProvider({ username: 'old', password: 'pw', source: 'admin' });
    auth.helloFields();
    const conn = new FakeConnection(server);
    await lastValueFrom(auth.authenticate(conn, hello({ saslSupportedMechs: ['SCRAM-SHA-1'] })), {
      defaultValue: undefined,
    });
    assert.equal(conn.sent[0]!.command.mechanism, 'SCRAM-SHA-1');
  });

  it('negotiation rule (auth spec "Default Authentication Methods")', () => {
    assert.equal(
      negotiatedMechanism({ saslSupportedMechs: ['SCRAM-SHA-1', 'SCRAM-SHA-256'] }),
      'SCRAM-SHA-256',
    );
    assert.equal(negotiatedMechanism({ saslSupportedMechs: ['SCRAM-SHA-256'] }), 'SCRAM-SHA-256');
    assert.equal(negotiatedMechanism({ saslSupportedMechs: ['PLAIN'] }), 'SCRAM-SHA-1');
    assert.equal(negotiatedMechanism({}), 'SCRAM-SHA-1');
  });

  it('an explicit mechanism sends no saslSupportedMechs', () => {
    const auth = createAuthProvider({
      username: 'u',
      password: 'p',
      source: 'admin',
      mechanism: 'SCRAM-SHA-1',
    });
    const fields = auth.helloFields();
    assert.equal(fields.saslSupportedMechs, undefined);
    assert.equal((fields.speculativeAuthenticate as Document).mechanism, 'SCRAM-SHA-1');
  });

  it('unsubscribing stops the conversation', async () => {
    const auth = createAuthProvider({
      username: 'u',
      password: 'p',
      source: 'admin',
      mechanism: 'SCRAM-SHA-256',
    });
    const conn = new FakeConnection(() => ({ ok: 1, conversationId: 1, done: false, payload: new Binary() }));
    const sub = auth.authenticate(conn, hello()).subscribe({ error: () => {} });
    sub.unsubscribe();
    assert.ok(conn.sent.length <= 1);
  });
});

describe('createAuthProvider', () => {
  it('never shows the password', () => {
    for (const mechanism of [undefined, 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN']) {
      const auth = createAuthProvider({ username: 'u', password: 's3cr3t-pw', source: 'admin', mechanism });
      assert.ok(!inspect(auth, { showHidden: true, depth: 10 }).includes('s3cr3t-pw'), String(mechanism));
      assert.ok(!JSON.stringify(auth).includes('s3cr3t-pw'));
    }
  });

  it('rejects missing credentials and unsupported mechanisms before connecting', () => {
    assert.throws(() => createAuthProvider({ password: 'p', source: 'admin' }), MongoMissingCredentialsError);
    assert.throws(
      () => createAuthProvider({ username: 'u', source: 'admin', mechanism: 'SCRAM-SHA-256' }),
      MongoMissingCredentialsError,
    );
    assert.throws(
      () => createAuthProvider({ username: 'u', source: '$external', mechanism: 'PLAIN' }),
      MongoMissingCredentialsError,
    );
    assert.throws(
      () => createAuthProvider({ username: 'u', password: 'p', source: 'admin', mechanism: 'GSSAPI' }),
      MongoInvalidArgumentError,
    );
    assert.throws(
      () =>
        createAuthProvider({ username: 'u', password: 'p', source: '$external', mechanism: 'MONGODB-X509' }),
      MongoInvalidArgumentError,
    );
  });

  it('provider errors keep the Observable contract (firstValueFrom rejects, no throw at call)', async () => {
    const auth = createAuthProvider({
      username: 'u',
      password: 'p',
      source: 'admin',
      mechanism: 'SCRAM-SHA-1',
    });
    const conn = new FakeConnection(() => ({ ok: 0, errmsg: 'nope', code: 18 }));
    const obs = auth.authenticate(conn, { ok: 1 });
    assert.equal(conn.sent.length, 0, 'cold until subscribed');
    await assert.rejects(firstValueFrom(obs), /user "u" with SCRAM-SHA-1: nope/);
  });
});
