import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ConnectionOptions } from 'node:tls';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { type AuthProvider, createAuthProvider } from '../../src/connection/auth/index.js';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { connect } from '../../src/connection/connect.js';
import { type TlsOptions, tlsConnectionOptions } from '../../src/connection/tls.js';
import { MongoAuthError, MongoInvalidArgumentError, MongoNetworkError } from '../../src/errors.js';
import { MongoClient } from '../../src/index.js';
import { parseConnectionString } from '../../src/uri/index.js';
import { testCerts } from '../support/certs.js';
import { freePort, type RunningFerretDB, startFerretDB } from '../support/ferretdb.js';

const certs = testCerts();

async function waitForPort(port: number): Promise<void> {
  // Bounded by attempts, not by a clock reading.
  for (let attempt = 0; ; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    if (attempt >= 300) throw new Error(`TLS port ${port} never opened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * FerretDB with a TLS listener; `requireClientCert` adds the CA that client certificates must chain
 * to, and turns on authentication (user "tls" / "tls-pw").
 */
async function startTlsFerretDB(
  requireClientCert: boolean,
): Promise<{ server: RunningFerretDB; tlsPort: number }> {
  const tlsPort = await freePort();
  const server = await startFerretDB({
    auth: requireClientCert ? { username: 'tls', password: 'tls-pw' } : undefined,
    extraArgs: () => [
      `--listen-tls=127.0.0.1:${tlsPort}`,
      `--listen-tls-cert-file=${certs.serverCertFile}`,
      `--listen-tls-key-file=${certs.serverKeyFile}`,
      ...(requireClientCert ? [`--listen-tls-ca-file=${certs.caFile}`] : []),
    ],
  });
  await waitForPort(tlsPort);
  return { server, tlsPort };
}

async function ping(
  host: string,
  port: number,
  tls: ConnectionOptions | undefined,
  auth?: AuthProvider,
): Promise<void> {
  const conn = await firstValueFrom(
    connect(
      {
        target: { host, port },
        socket: { connectTimeoutMS: 5000, tls },
        metadata: buildClientMetadata(),
        auth,
      },
      { id: 1, generation: 0 },
    ),
  );
  try {
    assert.equal((await firstValueFrom(conn.command('admin', { ping: 1 }))).ok, 1);
  } finally {
    conn.close();
  }
}

const opts = (o: Omit<TlsOptions, 'tls'>, host = '127.0.0.1') =>
  tlsConnectionOptions({ tls: true, ...o }, host);

describe('tlsConnectionOptions', () => {
  it('is undefined when TLS is off, whatever else is set', () => {
    assert.equal(tlsConnectionOptions({ tls: false, tlsCAFile: '/nonexistent' }, 'h'), undefined);
  });

  it('maps the relaxations', () => {
    assert.equal(opts({ tlsAllowInvalidCertificates: true })?.rejectUnauthorized, false);
    assert.equal(opts({ tlsAllowInvalidCertificates: true })?.checkServerIdentity, undefined);
    const hostnames = opts({ tlsAllowInvalidHostnames: true });
    assert.equal(hostnames?.rejectUnauthorized, undefined);
    assert.equal(hostnames?.checkServerIdentity?.('h', {} as never), undefined);
    const insecure = opts({ tlsInsecure: true });
    assert.equal(insecure?.rejectUnauthorized, false);
    assert.equal(typeof insecure?.checkServerIdentity, 'function');
    assert.deepEqual(opts({}), {});
  });

  it('reads the CA file and the combined certificate/key file', () => {
    const o = opts({ tlsCAFile: certs.caFile, tlsCertificateKeyFile: certs.clientPemFile });
    assert.match(String(o?.ca), /BEGIN CERTIFICATE/);
    assert.match(String(o?.cert), /BEGIN CERTIFICATE/);
    assert.match(String(o?.key), /PRIVATE KEY/);
  });

  it('rejects unreadable files and a wrong key password at construction, without the password', () => {
    assert.throws(
      () => opts({ tlsCAFile: '/nonexistent/ca.pem' }),
      (e: unknown) => {
        assert.ok(e instanceof MongoInvalidArgumentError);
        assert.match(e.message, /tlsCAFile "\/nonexistent\/ca.pem"/);
        return true;
      },
    );
    assert.throws(
      () =>
        opts({
          tlsCertificateKeyFile: certs.clientEncryptedPemFile,
          tlsCertificateKeyFilePassword: 'NotTheKeyPw',
        }),
      (e: unknown) => {
        assert.ok(e instanceof MongoInvalidArgumentError);
        assert.ok(!e.message.includes('NotTheKeyPw'));
        return true;
      },
    );
  });
});

describe('Node TLS objects and tlsCRLFile', () => {
  it('client options ca/cert/key reach tls.connect, winning over the files; the parser keeps them secret', () => {
    const ca = readFileSync(certs.caFile);
    const o = opts({ tlsCAFile: certs.untrustedCaFile, tlsObjects: { ca, servername: 'db.example' } });
    assert.equal(o?.ca, ca);
    assert.equal(o?.servername, 'db.example');
    const parsed = parseConnectionString('mongodb://h/?tls=true', { ca, key: 'SECRET KEY', minDHSize: 2048 });
    assert.equal(parsed.tlsObjects?.ca, ca);
    assert.deepEqual(parsed.warnings, [], 'no unknown-option warnings');
    assert.ok(!JSON.stringify(parsed).includes('SECRET KEY'), 'not serialized');
  });

  it('tlsCRLFile is read as the CRL; unreadable or invalid objects fail at construction', () => {
    assert.match(String(opts({ tlsCRLFile: certs.crlRevokingServerFile })?.crl), /BEGIN X509 CRL/);
    assert.throws(() => opts({ tlsCRLFile: certs.caFile }), /CRL/);
    assert.throws(() => opts({ tlsCRLFile: '/nonexistent/crl.pem' }), /tlsCRLFile/);
    assert.throws(
      () => opts({ tlsObjects: { cert: 'not a pem', key: 'nor this' } }),
      MongoInvalidArgumentError,
    );
    assert.equal(parseConnectionString('mongodb://h/?tls=true&tlsCRLFile=crl.pem').tlsCRLFile, 'crl.pem');
  });
});

/** Starts a TLS FerretDB for the enclosing describe block. */
function useTlsFerretDB(requireClientCert: boolean): { server: RunningFerretDB; tlsPort: number } {
  const running = {} as { server: RunningFerretDB; tlsPort: number };
  before(async () => {
    Object.assign(running, await startTlsFerretDB(requireClientCert));
  });
  after(() => running.server?.stop());
  return running;
}

describe('TLS against FerretDB', () => {
  const plain = useTlsFerretDB(false);

  it('a MongoClient given the CA as a Node object (no tlsCAFile) connects', async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${plain.tlsPort}/?tls=true&directConnection=true`, {
      ca: readFileSync(certs.caFile),
      serverSelectionTimeoutMS: 20_000,
    });
    try {
      const reply = await lastValueFrom(client.db('admin').command({ ping: 1 }));
      assert.equal(reply.ok, 1);
    } finally {
      await lastValueFrom(client.close(), { defaultValue: undefined });
    }
  });

  it('tlsCRLFile: a server whose certificate the CRL revokes is refused', async () => {
    await assert.rejects(
      ping(
        '127.0.0.1',
        plain.tlsPort,
        opts({ tlsCAFile: certs.caFile, tlsCRLFile: certs.crlRevokingServerFile }),
      ),
      (e: unknown) => {
        assert.ok(e instanceof MongoNetworkError);
        assert.match(String((e as Error).message) + String((e as Error).cause), /revoked/i);
        return true;
      },
    );
  });

  it('connects when the CA is trusted (IP and host name)', async () => {
    await ping('127.0.0.1', plain.tlsPort, opts({ tlsCAFile: certs.caFile }));
    await ping('localhost', plain.tlsPort, opts({ tlsCAFile: certs.caFile }, 'localhost'));
  });

  it('refuses a server signed by an untrusted CA unless tlsAllowInvalidCertificates', async () => {
    await assert.rejects(
      ping('127.0.0.1', plain.tlsPort, opts({ tlsCAFile: certs.untrustedCaFile })),
      (e: unknown) => e instanceof MongoNetworkError && /certificate/i.test(e.message),
    );
    await assert.rejects(ping('127.0.0.1', plain.tlsPort, opts({})), MongoNetworkError);
    await ping(
      '127.0.0.1',
      plain.tlsPort,
      opts({ tlsCAFile: certs.untrustedCaFile, tlsAllowInvalidCertificates: true }),
    );
  });

  it('refuses a certificate for another host name unless tlsAllowInvalidHostnames', async () => {
    const wrongName = (o: Omit<TlsOptions, 'tls'>) => ({ ...opts(o), servername: 'not-this-host.example' });
    await assert.rejects(
      ping('127.0.0.1', plain.tlsPort, wrongName({ tlsCAFile: certs.caFile })),
      (e: unknown) => e instanceof MongoNetworkError && /not-this-host|altnames|Hostname/i.test(e.message),
    );
    await ping(
      '127.0.0.1',
      plain.tlsPort,
      wrongName({ tlsCAFile: certs.caFile, tlsAllowInvalidHostnames: true }),
    );
  });

  it('tlsInsecure accepts an untrusted CA and a wrong host name', async () => {
    await ping('127.0.0.1', plain.tlsPort, {
      ...opts({ tlsCAFile: certs.untrustedCaFile, tlsInsecure: true }),
      servername: 'not-this-host.example',
    });
  });

  it('TLS to a plain TCP port fails with MongoNetworkError', async () => {
    await assert.rejects(
      ping('127.0.0.1', plain.server.port, opts({ tlsCAFile: certs.caFile })),
      MongoNetworkError,
    );
  });
});

describe('TLS with client certificates against FerretDB', () => {
  const mutual = useTlsFerretDB(true);

  it('presents the client certificate from a combined PEM', async () => {
    await ping(
      '127.0.0.1',
      mutual.tlsPort,
      opts({ tlsCAFile: certs.caFile, tlsCertificateKeyFile: certs.clientPemFile }),
    );
  });

  it('presents a client certificate whose key is encrypted', async () => {
    await ping(
      '127.0.0.1',
      mutual.tlsPort,
      opts({
        tlsCAFile: certs.caFile,
        tlsCertificateKeyFile: certs.clientEncryptedPemFile,
        tlsCertificateKeyFilePassword: certs.clientKeyPassword,
      }),
    );
  });

  it('is refused without a client certificate', async () => {
    await assert.rejects(
      ping('127.0.0.1', mutual.tlsPort, opts({ tlsCAFile: certs.caFile })),
      MongoNetworkError,
    );
  });

  it('authenticates with SCRAM over TLS', async () => {
    const auth = createAuthProvider({ username: 'tls', password: 'tls-pw', source: 'admin' });
    const tls = opts({ tlsCAFile: certs.caFile, tlsCertificateKeyFile: certs.clientPemFile });
    await ping('127.0.0.1', mutual.tlsPort, tls, auth);
  });

  it('MONGODB-X509: FerretDB v1.24 has no `authenticate` command, so it is refused as a MongoAuthError', async () => {
    const auth = createAuthProvider({ source: '$external', mechanism: 'MONGODB-X509' });
    const tls = opts({ tlsCAFile: certs.caFile, tlsCertificateKeyFile: certs.clientPemFile });
    await assert.rejects(ping('127.0.0.1', mutual.tlsPort, tls, auth), (e: unknown) => {
      assert.ok(e instanceof MongoAuthError);
      assert.match(
        e.message,
        /^Authentication failed for user from the client certificate with MONGODB-X509: /,
      );
      return true;
    });
  });
});
