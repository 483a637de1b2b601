import { readFileSync } from 'node:fs';
import { type ConnectionOptions, createSecureContext } from 'node:tls';
import { MongoInvalidArgumentError } from '../errors.js';
import type { NodeTlsOptions } from '../uri/client-options.js';

/** The TLS options of the URI options spec ("tls*"), as the URI layer resolves them. */
export interface TlsOptions {
  readonly tls: boolean;
  readonly tlsCAFile?: string;
  /** PEM with the client certificate and its private key (one file, both blocks). */
  readonly tlsCertificateKeyFile?: string;
  readonly tlsCertificateKeyFilePassword?: string;
  readonly tlsAllowInvalidCertificates?: boolean;
  readonly tlsAllowInvalidHostnames?: boolean;
  /** Both of the above (uri-options: tlsInsecure relaxes every check it can). */
  readonly tlsInsecure?: boolean;
  /** A PEM certificate revocation list (the official driver's option). */
  readonly tlsCRLFile?: string;
  /** Node TLS objects from the client options; they win over what the files give. */
  readonly tlsObjects?: NodeTlsOptions;
}

function readPem(option: string, path: string, host: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new MongoInvalidArgumentError(`cannot read ${option} "${path}" for ${host}: ${reason}`, {
      cause: e,
    });
  }
}

/** Fails now, naming the problem, rather than on every connection attempt (bad PEM, wrong key password). */
function checkPems(options: ConnectionOptions, host: string): void {
  try {
    createSecureContext(options);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new MongoInvalidArgumentError(`invalid TLS certificate, key or CA file for ${host}: ${reason}`, {
      cause: e,
    });
  }
}

/**
 * Node `tls.connect` options for one host, or undefined when TLS is off. Files are read here,
 * synchronously, once when the client is built. Host name checks stay node's own (SNI and
 * identity use the host unless it is an IP address; the transport sets servername).
 */
export function tlsConnectionOptions(options: TlsOptions, host: string): ConnectionOptions | undefined {
  if (!options.tls) return undefined;
  const result: ConnectionOptions = {};
  if (options.tlsCAFile !== undefined) result.ca = readPem('tlsCAFile', options.tlsCAFile, host);
  if (options.tlsCertificateKeyFile !== undefined) {
    // Node picks the CERTIFICATE blocks for `cert` and the PRIVATE KEY block for `key`.
    const pem = readPem('tlsCertificateKeyFile', options.tlsCertificateKeyFile, host);
    result.cert = pem;
    result.key = pem;
  }
  if (options.tlsCertificateKeyFilePassword !== undefined)
    result.passphrase = options.tlsCertificateKeyFilePassword;
  if (options.tlsCRLFile !== undefined) result.crl = readPem('tlsCRLFile', options.tlsCRLFile, host);
  Object.assign(result, options.tlsObjects);
  if (result.ca || result.cert || result.key || result.pfx || result.crl) checkPems(result, host);
  if (options.tlsInsecure || options.tlsAllowInvalidCertificates) result.rejectUnauthorized = false;
  if (options.tlsInsecure || options.tlsAllowInvalidHostnames) result.checkServerIdentity = () => undefined;
  return result;
}
