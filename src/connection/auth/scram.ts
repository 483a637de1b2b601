import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import saslprep from '@mongodb-js/saslprep';
import { MongoAuthError } from '../../errors.js';
import type { SaslClient } from './sasl.js';

export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-256';

/** RFC 5802 / auth spec: drivers MUST refuse fewer iterations (downgrade protection). */
export const MIN_ITERATIONS = 4096;
const NONCE_BYTES = 24;
/** Length of the base64 text of a client nonce. */
export const CLIENT_NONCE_LENGTH = Math.ceil(NONCE_BYTES / 3) * 4;

const HASH = { 'SCRAM-SHA-1': 'sha1', 'SCRAM-SHA-256': 'sha256' } as const;
const KEY_LENGTH = { 'SCRAM-SHA-1': 20, 'SCRAM-SHA-256': 32 } as const;

export function isScramMechanism(mechanism: string): mechanism is ScramMechanism {
  return mechanism === 'SCRAM-SHA-1' || mechanism === 'SCRAM-SHA-256';
}

export function newClientNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64');
}

/** RFC 5802 saslname: ',' and '=' are escaped; MongoDB forbids SASLprep of user names. */
export function escapeUsername(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/**
 * The password as SCRAM hashes it: SCRAM-SHA-1 uses MongoDB's digest
 * HEX(MD5(user:mongo:password)); SCRAM-SHA-256 uses the SASLprepped password (auth spec).
 */
export function scramPassword(mechanism: ScramMechanism, username: string, password: string): string {
  if (mechanism === 'SCRAM-SHA-1') {
    return createHash('md5').update(`${username}:mongo:${password}`, 'utf8').digest('hex');
  }
  return saslprep(password);
}

/** Splits `k=v,k=v` (values may contain '='). */
export function parseScramAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) attributes.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return attributes;
}

interface ScramKeys {
  readonly clientKey: Buffer;
  readonly serverKey: Buffer;
}

/**
 * Computed keys per (mechanism, password, salt, iterations): the auth spec requires the cache so
 * each new connection does not pay for PBKDF2 again. Keyed by a digest so passwords are not kept
 * as map keys; bounded, least recently used first out.
 */
const KEY_CACHE_LIMIT = 32;
const keyCache = new Map<string, ScramKeys>();

function cacheKey(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): string {
  return createHash('sha256')
    .update(`${mechanism}\0${iterations}\0${salt.toString('base64')}\0`)
    .update(password, 'utf8')
    .digest('base64');
}

function hmac(mechanism: ScramMechanism, key: Buffer, data: string): Buffer {
  return createHmac(HASH[mechanism], key).update(data, 'utf8').digest();
}

async function scramKeys(
  mechanism: ScramMechanism,
  password: string,
  salt: Buffer,
  iterations: number,
): Promise<ScramKeys> {
  const id = cacheKey(mechanism, password, salt, iterations);
  const cached = keyCache.get(id);
  if (cached) {
    keyCache.delete(id);
    keyCache.set(id, cached);
    return cached;
  }
  const salted = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(password, salt, iterations, KEY_LENGTH[mechanism], HASH[mechanism], (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
  const keys = {
    clientKey: hmac(mechanism, salted, 'Client Key'),
    serverKey: hmac(mechanism, salted, 'Server Key'),
  };
  keyCache.set(id, keys);
  if (keyCache.size > KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value as string);
  return keys;
}

/** Number of cached key pairs (tests). */
export function scramKeyCacheSize(): number {
  return keyCache.size;
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

type ScramState = 'started' | 'proofSent' | 'verified';

/**
 * The client side of a SCRAM conversation (RFC 5802, auth spec "SCRAM-SHA-1"/"SCRAM-SHA-256").
 * It proves the password and requires the server to prove it too (`v=`); a server that ends the
 * conversation without a valid signature is refused.
 */
export class ScramClient implements SaslClient {
  readonly mechanism: ScramMechanism;
  readonly nonce: string;
  readonly #username: string;
  readonly #password: string;
  readonly #clientFirstBare: string;
  #state: ScramState = 'started';
  #expectedServerSignature: Buffer | undefined;

  constructor(mechanism: ScramMechanism, username: string, password: string, nonce = newClientNonce()) {
    this.mechanism = mechanism;
    this.nonce = nonce;
    this.#username = username;
    this.#password = scramPassword(mechanism, username, password);
    this.#clientFirstBare = `n=${escapeUsername(username)},r=${nonce}`;
  }

  start(): Uint8Array {
    // gs2 header "n,,": no channel binding, which drivers MUST NOT advertise.
    return Buffer.from(`n,,${this.#clientFirstBare}`, 'utf8');
  }

  async step(challenge: Uint8Array): Promise<Uint8Array> {
    switch (this.#state) {
      case 'started':
        return this.#clientFinal(Buffer.from(challenge).toString('utf8'));
      case 'proofSent':
        this.#verify(challenge);
        return new Uint8Array(0);
      case 'verified':
        // Servers that ignore skipEmptyExchange want one more empty round trip.
        return new Uint8Array(0);
    }
  }

  finish(payload: Uint8Array): void {
    if (this.#state === 'proofSent') this.#verify(payload);
    if (this.#state !== 'verified') {
      throw new MongoAuthError(
        'server ended the SCRAM conversation without proving that it knows the password',
      );
    }
  }

  async #clientFinal(serverFirst: string): Promise<Uint8Array> {
    const attributes = parseScramAttributes(serverFirst);
    const error = attributes.get('e');
    if (error !== undefined) throw new MongoAuthError(`server refused SCRAM: ${error}`);
    const serverNonce = attributes.get('r');
    const salt = attributes.get('s');
    const iterations = Number(attributes.get('i'));
    if (serverNonce === undefined || salt === undefined || !attributes.has('i')) {
      throw new MongoAuthError('invalid SCRAM server-first message');
    }
    if (!serverNonce.startsWith(this.nonce) || serverNonce.length <= this.nonce.length) {
      throw new MongoAuthError('SCRAM server nonce does not extend the client nonce');
    }
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS) {
      throw new MongoAuthError(
        `SCRAM iteration count ${attributes.get('i')} is below the minimum ${MIN_ITERATIONS}`,
      );
    }
    const withoutProof = `c=biws,r=${serverNonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const keys = await scramKeys(this.mechanism, this.#password, Buffer.from(salt, 'base64'), iterations);
    const storedKey = createHash(HASH[this.mechanism]).update(keys.clientKey).digest();
    const proof = xor(keys.clientKey, hmac(this.mechanism, storedKey, authMessage));
    this.#expectedServerSignature = hmac(this.mechanism, keys.serverKey, authMessage);
    this.#state = 'proofSent';
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  #verify(serverFinal: Uint8Array): void {
    const attributes = parseScramAttributes(Buffer.from(serverFinal).toString('utf8'));
    const error = attributes.get('e');
    if (error !== undefined) throw new MongoAuthError(`server refused SCRAM: ${error}`);
    const signature = Buffer.from(attributes.get('v') ?? '', 'base64');
    const expected = this.#expectedServerSignature;
    if (!expected || signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new MongoAuthError(
        'SCRAM server signature is invalid: the server could not prove it knows the password',
      );
    }
    this.#state = 'verified';
  }

  /** Never show the password (or its SCRAM-SHA-1 digest) when logged. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ScramClient { mechanism: '${this.mechanism}', username: '${this.#username}' }`;
  }
}
