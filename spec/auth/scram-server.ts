// The server side of SCRAM (RFC 5802), written independently of src/ so unit tests check the client
// against a second implementation. It also misbehaves on request.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Binary, type Document } from 'bson';
import type { FakeServer } from './fake-connection.js';

export interface ScramServerOptions {
  mechanism: 'SCRAM-SHA-1' | 'SCRAM-SHA-256';
  username: string;
  /** The password as stored (already SASLprepped for SHA-256). */
  password: string;
  iterations?: number;
  /** Answer the proof with a signature made from another password. */
  wrongSignature?: boolean;
  /** Say done right after saslStart, proving nothing. */
  doneWithoutProof?: boolean;
  /** Answer the client-final message with done:false, like FerretDB and old servers. */
  extraEmptyExchange?: boolean;
  /** Reply with a nonce that does not extend the client's. */
  foreignNonce?: boolean;
}

const text = (payload: unknown): string => Buffer.from((payload as Binary).value()).toString('utf8');
const attrs = (message: string): Map<string, string> =>
  new Map(message.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));

export function scramServer(options: ScramServerOptions): FakeServer & { proofsAccepted: number } {
  const hash = options.mechanism === 'SCRAM-SHA-1' ? 'sha1' : 'sha256';
  const secret =
    options.mechanism === 'SCRAM-SHA-1'
      ? createHash('md5').update(`${options.username}:mongo:${options.password}`).digest('hex')
      : options.password;
  const salt = randomBytes(16);
  const iterations = options.iterations ?? 4096;
  const hmac = (key: Buffer, data: string) => createHmac(hash, key).update(data).digest();
  let clientFirstBare = '';
  let serverFirst = '';
  let stage = 0;
  const server = (_db: string, command: Document): Document => {
    if (command.saslStart) {
      if (command.mechanism !== options.mechanism) return { ok: 0, errmsg: 'wrong mechanism', code: 334 };
      clientFirstBare = text(command.payload).slice(3);
      const nonce = attrs(clientFirstBare).get('r')!;
      if (options.doneWithoutProof) return { ok: 1, conversationId: 1, done: true, payload: new Binary() };
      const serverNonce = options.foreignNonce
        ? randomBytes(24).toString('base64')
        : nonce + randomBytes(18).toString('base64');
      serverFirst = `r=${serverNonce},s=${salt.toString('base64')},i=${iterations}`;
      stage = 1;
      return { ok: 1, conversationId: 1, done: false, payload: new Binary(Buffer.from(serverFirst)) };
    }
    if (!command.saslContinue || command.conversationId !== 1)
      return { ok: 0, errmsg: 'bad command', code: 17 };
    if (stage === 2) {
      stage = 3;
      return { ok: 1, conversationId: 1, done: true, payload: new Binary() };
    }
    const clientFinal = text(command.payload);
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='));
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const salted = pbkdf2Sync(
      options.wrongSignature ? 'not the password' : secret,
      salt,
      iterations,
      hash === 'sha1' ? 20 : 32,
      hash,
    );
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash(hash).update(clientKey).digest();
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(attrs(clientFinal).get('p')!, 'base64');
    const recovered = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
    if (!options.wrongSignature && !createHash(hash).update(recovered).digest().equals(storedKey)) {
      return { ok: 0, errmsg: 'Authentication failed.', code: 18, codeName: 'AuthenticationFailed' };
    }
    server.proofsAccepted++;
    const v = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
    stage = 2;
    return {
      ok: 1,
      conversationId: 1,
      done: !options.extraEmptyExchange,
      payload: new Binary(Buffer.from(`v=${v}`)),
    };
  };
  server.proofsAccepted = 0;
  return server;
}
