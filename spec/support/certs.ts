// Throwaway PKI for TLS tests, made with the openssl CLI in a temp dir once per process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly caFile: string;
  /** A second CA that signed nothing we use: trusting only it must fail. */
  readonly untrustedCaFile: string;
  /** Server certificate for localhost / 127.0.0.1 / ::1, and its key. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** Client certificate and key in one PEM (tlsCertificateKeyFile). */
  readonly clientPemFile: string;
  /** The same client certificate with its key encrypted by `clientKeyPassword`. */
  readonly clientEncryptedPemFile: string;
  readonly clientKeyPassword: string;
  /** Client certificate subject in RFC 2253 form (the MONGODB-X509 user name). */
  readonly clientSubject: string;
  /** A CRL of the CA that revokes the server certificate (tlsCRLFile). */
  readonly crlRevokingServerFile: string;
}

let cached: TestCerts | undefined;

/** Runs openssl with space-separated arguments (none of ours contains a space). */
function openssl(dir: string, args: string): string {
  return execFileSync('openssl', args.split(' '), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

const NEW_KEY = '-newkey rsa:2048 -nodes -days 2';

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, `req -x509 ${NEW_KEY} -keyout ${name}.key -out ${name}.pem -subj /O=mongorx-tests/CN=${name}`);
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, `req ${NEW_KEY} -keyout ${name}.key -out ${name}.csr -subj ${subject}`);
  openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out ${name}.pem -days 2 -extfile ${name}.ext`,
  );
}

/** Generates the certificates on first use; later calls return the same files. */
export function testCerts(): TestCerts {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'mongorx-certs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  selfSignedCa(dir, 'ca');
  selfSignedCa(dir, 'untrusted-ca');
  signed(
    dir,
    'server',
    '/O=mongorx-tests/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n',
  );
  signed(dir, 'client', '/C=IS/O=mongorx-tests/OU=drivers/CN=client', 'extendedKeyUsage=clientAuth\n');
  const clientPemFile = join(dir, 'client-combined.pem');
  writeFileSync(
    clientPemFile,
    readFileSync(join(dir, 'client.pem'), 'utf8') + readFileSync(join(dir, 'client.key'), 'utf8'),
  );
  const clientKeyPassword = 'cl1ent-key-pw';
  const encryptedKey = openssl(dir, `pkey -in client.key -aes256 -passout pass:${clientKeyPassword}`);
  const clientEncryptedPemFile = join(dir, 'client-encrypted.pem');
  writeFileSync(clientEncryptedPemFile, readFileSync(join(dir, 'client.pem'), 'utf8') + encryptedKey);
  const clientSubject = openssl(dir, 'x509 -in client.pem -noout -subject -nameopt RFC2253')
    .replace(/^subject=/, '')
    .trim();
  // `openssl ca` wants a database and a CRL number; the CRL revokes the server certificate.
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca=tests\n[tests]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=2\n',
  );
  openssl(dir, 'ca -config ca.cnf -keyfile ca.key -cert ca.pem -revoke server.pem');
  openssl(dir, 'ca -config ca.cnf -keyfile ca.key -cert ca.pem -gencrl -out crl.pem');
  cached = {
    dir,
    crlRevokingServerFile: join(dir, 'crl.pem'),
    caFile: join(dir, 'ca.pem'),
    untrustedCaFile: join(dir, 'untrusted-ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    clientPemFile,
    clientEncryptedPemFile,
    clientKeyPassword,
    clientSubject,
  };
  return cached;
}
