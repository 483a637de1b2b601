import { MongoParseError } from '../errors.js';

export const AUTH_MECHANISMS = [
  'SCRAM-SHA-1',
  'SCRAM-SHA-256',
  'MONGODB-X509',
  'GSSAPI',
  'PLAIN',
  'MONGODB-AWS',
  'MONGODB-OIDC',
] as const;
export type AuthMechanism = (typeof AUTH_MECHANISMS)[number];

export const OIDC_ENVIRONMENTS = ['test', 'azure', 'gcp', 'k8s'] as const;

/** Mechanism properties (auth spec, per mechanism). Callbacks only come from MongoClientOptions. */
export interface AuthMechanismProperties {
  SERVICE_NAME?: string;
  CANONICALIZE_HOST_NAME?: 'none' | 'forward' | 'forwardAndReverse' | 'true' | 'false' | boolean;
  SERVICE_REALM?: string;
  SERVICE_HOST?: string;
  /** MONGODB-AWS: a function returning AWS credentials (client options only). */
  AWS_CREDENTIAL_PROVIDER?: () => unknown;
  ENVIRONMENT?: (typeof OIDC_ENVIRONMENTS)[number];
  TOKEN_RESOURCE?: string;
  OIDC_CALLBACK?: (...args: never[]) => unknown;
  OIDC_HUMAN_CALLBACK?: (...args: never[]) => unknown;
  ALLOWED_HOSTS?: string[];
  [key: string]: unknown;
}

/** Properties whose values are secrets: shown as "<redacted>" like the password. */
const SECRET_PROPERTIES = new Set(['AWS_SESSION_TOKEN']);
const REDACTED = '<redacted>';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * Resolved credentials. The password lives in a private field: it is readable through the
 * `password` getter but never appears in JSON.stringify, util.inspect, toString or errors.
 */
export class MongoCredentials {
  readonly username: string | undefined;
  readonly source: string;
  /** undefined: the default mechanism, negotiated with `saslSupportedMechs` at handshake. */
  readonly mechanism: AuthMechanism | undefined;
  readonly mechanismProperties: Readonly<AuthMechanismProperties>;
  readonly #password: string | undefined;

  constructor(init: {
    username?: string;
    password?: string;
    source: string;
    mechanism?: AuthMechanism;
    mechanismProperties?: AuthMechanismProperties;
  }) {
    this.username = init.username;
    this.#password = init.password;
    this.source = init.source;
    this.mechanism = init.mechanism;
    this.mechanismProperties = Object.freeze({ ...init.mechanismProperties });
    Object.freeze(this);
  }

  get password(): string | undefined {
    return this.#password;
  }

  /** A copy with other fields (e.g. the mechanism chosen by negotiation). */
  with(changes: {
    mechanism?: AuthMechanism;
    mechanismProperties?: AuthMechanismProperties;
  }): MongoCredentials {
    return new MongoCredentials({
      username: this.username,
      password: this.#password,
      source: this.source,
      mechanism: changes.mechanism ?? this.mechanism,
      mechanismProperties: changes.mechanismProperties ?? { ...this.mechanismProperties },
    });
  }

  toJSON(): Record<string, unknown> {
    const properties: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.mechanismProperties)) {
      properties[k] = SECRET_PROPERTIES.has(k) ? REDACTED : typeof v === 'function' ? '[Function]' : v;
    }
    return {
      username: this.username,
      password: this.#password === undefined ? undefined : REDACTED,
      source: this.source,
      mechanism: this.mechanism,
      mechanismProperties: properties,
    };
  }

  toString(): string {
    return `MongoCredentials(${this.username ?? ''}@${this.source}, ${this.mechanism ?? 'DEFAULT'})`;
  }

  [inspectSymbol](): string {
    return `MongoCredentials ${JSON.stringify(this.toJSON())}`;
  }
}

export interface CredentialInput {
  /** From the URI userinfo (or `auth` client option); present means authentication was asked for. */
  readonly userinfo?: { readonly username?: string; readonly password?: string };
  readonly dbName?: string;
  readonly authSource?: string;
  readonly authMechanism?: string;
  readonly authMechanismProperties?: Record<string, unknown>;
}

const GSSAPI_PROPERTIES = new Set([
  'SERVICE_NAME',
  'CANONICALIZE_HOST_NAME',
  'SERVICE_REALM',
  'SERVICE_HOST',
]);
const OIDC_PROPERTIES = new Set([
  'ENVIRONMENT',
  'TOKEN_RESOURCE',
  'OIDC_CALLBACK',
  'OIDC_HUMAN_CALLBACK',
  'ALLOWED_HOSTS',
]);
const CANONICALIZE_VALUES: readonly unknown[] = [
  'none',
  'forward',
  'forwardAndReverse',
  'true',
  'false',
  true,
  false,
];

/**
 * Builds credentials per the auth spec ("Connection String Options", "Supported Authentication
 * Methods"): no credential without a username or mechanism; default sources; per-mechanism rules.
 * Throws MongoParseError (without the password) when the combination is invalid.
 */
export function resolveCredentials(input: CredentialInput): MongoCredentials | undefined {
  const { userinfo, authSource, authMechanism, dbName } = input;
  if (authSource === '') throw new MongoParseError('authSource must not be empty');
  const username = userinfo?.username;
  const password = userinfo?.password;
  if (userinfo !== undefined && (username === undefined || username === '')) {
    throw new MongoParseError('Connection string userinfo must contain a non-empty username');
  }
  if (authMechanism === undefined && username === undefined) return undefined;

  const mechanism = authMechanism === undefined ? undefined : checkMechanism(authMechanism);
  const props = { ...input.authMechanismProperties } as AuthMechanismProperties;
  const propNames = Object.keys(props);
  const fail = (message: string) =>
    new MongoParseError(`${mechanism ?? 'Default authentication'}: ${message}`);
  const externalSource = (): string => {
    if (authSource !== undefined && authSource !== '$external') throw fail('authSource must be "$external"');
    return '$external';
  };
  const noProperties = () => {
    if (propNames.length > 0) throw fail('authMechanismProperties are not supported');
  };

  switch (mechanism) {
    case undefined:
    case 'SCRAM-SHA-1':
    case 'SCRAM-SHA-256':
      if (username === undefined) throw fail('a username is required');
      noProperties();
      return new MongoCredentials({ username, password, source: authSource ?? dbName ?? 'admin', mechanism });
    case 'PLAIN':
      if (username === undefined) throw fail('a username is required');
      if (password === undefined) throw fail('a password is required');
      noProperties();
      return new MongoCredentials({
        username,
        password,
        source: authSource ?? dbName ?? '$external',
        mechanism,
      });
    case 'MONGODB-X509':
      if (password !== undefined) throw fail('a password must not be given');
      noProperties();
      return new MongoCredentials({ username, source: externalSource(), mechanism });
    case 'GSSAPI': {
      if (username === undefined) throw fail('a username is required');
      for (const name of propNames)
        if (!GSSAPI_PROPERTIES.has(name)) throw fail(`unsupported property ${name}`);
      if (
        props.CANONICALIZE_HOST_NAME !== undefined &&
        !CANONICALIZE_VALUES.includes(props.CANONICALIZE_HOST_NAME)
      ) {
        throw fail('CANONICALIZE_HOST_NAME must be none, forward or forwardAndReverse');
      }
      const mechanismProperties = { SERVICE_NAME: 'mongodb', ...props };
      return new MongoCredentials({
        username,
        password,
        source: externalSource(),
        mechanism,
        mechanismProperties,
      });
    }
    case 'MONGODB-AWS':
      // Auth spec (current): AWS credentials come only from the environment / credential provider,
      // never from the connection string.
      if (username !== undefined || password !== undefined)
        throw fail('username and password must not be given');
      for (const name of propNames)
        if (name !== 'AWS_CREDENTIAL_PROVIDER') throw fail(`unsupported property ${name}`);
      return new MongoCredentials({ source: externalSource(), mechanism, mechanismProperties: props });
    case 'MONGODB-OIDC':
      checkOidc(username, password, props, fail);
      return new MongoCredentials({
        username,
        source: externalSource(),
        mechanism,
        mechanismProperties: props,
      });
  }
}

function checkMechanism(name: string): AuthMechanism {
  const found = AUTH_MECHANISMS.find((m) => m === name);
  if (!found) throw new MongoParseError(`Unsupported authMechanism ${JSON.stringify(name)}`);
  return found;
}

/** Auth spec "MONGODB-OIDC": an ENVIRONMENT or a callback (not both); per-environment rules. */
function checkOidc(
  username: string | undefined,
  password: string | undefined,
  props: AuthMechanismProperties,
  fail: (message: string) => MongoParseError,
): void {
  if (password !== undefined) throw fail('a password must not be given');
  for (const name of Object.keys(props))
    if (!OIDC_PROPERTIES.has(name)) throw fail(`unsupported property ${name}`);
  const env = props.ENVIRONMENT;
  const callbacks = [props.OIDC_CALLBACK, props.OIDC_HUMAN_CALLBACK].filter((c) => c !== undefined);
  if (callbacks.some((c) => typeof c !== 'function')) throw fail('OIDC callbacks must be functions');
  if (callbacks.length > 1) throw fail('OIDC_CALLBACK and OIDC_HUMAN_CALLBACK cannot both be given');
  if (env === undefined) {
    if (callbacks.length === 0) throw fail('ENVIRONMENT or a callback is required');
    return;
  }
  if (callbacks.length > 0) throw fail('ENVIRONMENT cannot be combined with a callback');
  if (!(OIDC_ENVIRONMENTS as readonly unknown[]).includes(env))
    throw fail(`unsupported ENVIRONMENT ${JSON.stringify(env)}`);
  const needsResource = env === 'azure' || env === 'gcp';
  if (needsResource && props.TOKEN_RESOURCE === undefined)
    throw fail(`TOKEN_RESOURCE is required for ENVIRONMENT ${env}`);
  if (!needsResource && props.TOKEN_RESOURCE !== undefined)
    throw fail(`TOKEN_RESOURCE is not supported for ENVIRONMENT ${env}`);
  if (env !== 'azure' && username !== undefined)
    throw fail(`a username must not be given for ENVIRONMENT ${env}`);
}
