import { MongoInvalidArgumentError, MongoMissingCredentialsError } from '../../errors.js';
import type { AuthCredentials } from './credentials.js';
import { PlainProvider } from './plain.js';
import type { AuthProvider } from './provider.js';
import { isScramMechanism } from './scram.js';
import { ScramProvider } from './scram-provider.js';
import { X509Provider } from './x509.js';

export type { AuthCredentials } from './credentials.js';
export type { AuthProvider } from './provider.js';

/**
 * The provider for a client's credentials. An undefined mechanism (or the Node driver's
 * "DEFAULT") negotiates SCRAM-SHA-256/SCRAM-SHA-1 in the handshake. Missing required parts are
 * rejected here, before any connection is opened (auth spec "Errors").
 */
export function createAuthProvider(credentials: AuthCredentials): AuthProvider {
  const { mechanism, username, password, source } = credentials;
  const negotiate = mechanism === undefined || mechanism === 'DEFAULT';
  if (mechanism === 'MONGODB-X509') {
    if (password !== undefined) {
      throw new MongoInvalidArgumentError(
        'MONGODB-X509 takes no password: the client certificate is the credential',
      );
    }
    return new X509Provider(username || undefined);
  }
  if (!negotiate && !isScramMechanism(mechanism) && mechanism !== 'PLAIN') {
    throw new MongoInvalidArgumentError(`authentication mechanism ${mechanism} is not supported by mongorx`);
  }
  const name = negotiate ? 'SCRAM' : mechanism;
  if (!username) throw new MongoMissingCredentialsError(`${name} authentication requires a username`);
  if (password === undefined) {
    throw new MongoMissingCredentialsError(
      `${name} authentication of user "${username}" requires a password`,
    );
  }
  if (mechanism === 'PLAIN') return new PlainProvider(source, username, password);
  return new ScramProvider(negotiate ? undefined : mechanism, source, username, password);
}
