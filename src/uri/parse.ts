import { BSON_OPTION_NAMES } from '../bson-options.js';
import { MongoError, MongoParseError } from '../errors.js';
import { ReadConcern } from '../read-concern.js';
import { ReadPreference } from '../read-preference.js';
import { WriteConcern, type WriteConcernOptions } from '../write-concern.js';
import {
  type MongoClientOptions,
  NODE_TLS_KEYS,
  type NodeTlsOptions,
  type ServerApi,
} from './client-options.js';
import { resolveCredentials } from './credentials.js';
import { decode } from './decode.js';
import { type HostAddress, isSocketAddress } from './host-address.js';
import {
  type CompressorName,
  DEPRECATED_OPTIONS,
  EMPTY_ALLOWED,
  OPTION_NAMES,
  OPTION_READERS,
  SENSITIVE_OPTIONS,
  type UriOptionName,
  type UriOptions,
} from './option-table.js';
import { DEFAULTS, type ResolvedOptions, sealOptions } from './resolved-options.js';
import { type ConnectionStringParts, splitConnectionString } from './split.js';
import { describeValue } from './values.js';

/** Option values after reading, keyed by canonical name. Readers guarantee each value's type. */
class OptionValues {
  readonly #values = new Map<UriOptionName, unknown>();

  get<K extends UriOptionName>(name: K): UriOptions[K] | undefined {
    return this.#values.get(name) as UriOptions[K] | undefined;
  }
  has(name: UriOptionName): boolean {
    return this.#values.has(name);
  }
  set(name: UriOptionName, value: unknown): void {
    this.#values.set(name, value);
  }
  delete(name: UriOptionName): void {
    this.#values.delete(name);
  }
  entries(): IterableIterator<[UriOptionName, unknown]> {
    return this.#values.entries();
  }
}

const PROXY_OPTIONS: readonly UriOptionName[] = ['proxyHost', 'proxyPort', 'proxyUsername', 'proxyPassword'];
/** uri-options spec "Conflicting TLS options": any two of these together are an error. */
const EXCLUSIVE_TLS_OPTIONS: readonly (readonly [UriOptionName, UriOptionName])[] = [
  ['tlsInsecure', 'tlsAllowInvalidCertificates'],
  ['tlsInsecure', 'tlsAllowInvalidHostnames'],
  ['tlsInsecure', 'tlsDisableOCSPEndpointCheck'],
  ['tlsInsecure', 'tlsDisableCertificateRevocationCheck'],
  ['tlsAllowInvalidCertificates', 'tlsDisableOCSPEndpointCheck'],
  ['tlsAllowInvalidCertificates', 'tlsDisableCertificateRevocationCheck'],
  ['tlsDisableOCSPEndpointCheck', 'tlsDisableCertificateRevocationCheck'],
];
/** Keys of MongoClientOptions that are not URI options, with the forms their values may take. */
const CLIENT_ONLY_KEYS: ReadonlyMap<
  string,
  readonly ('object' | 'string' | 'boolean' | 'number' | 'function')[]
> = new Map([
  ['auth', ['object']],
  ['hedge', ['object']],
  ['readconcern', ['object', 'string']],
  ['writeconcern', ['object']],
  ['serverapi', ['object', 'string']],
  ['driverinfo', ['object']],
  ['monitorcommands', ['boolean']],
  ['warnunsubscribed', ['boolean']],
  ['pkfactory', ['object']],
  ['forceserverobjectid', ['boolean']],
  ['minheartbeatfrequencyms', ['number']],
  ['srvhostvalidator', ['function']],
  // Logging (checked in full by the logger's configuration, events/logging/config.ts).
  ['mongodblogpath', ['string', 'object']],
  ['mongodblogcomponentseverities', ['object']],
  ['mongodblogmaxdocumentlength', ['number']],
]);

/**
 * Parses and validates a connection string plus client options into fully defaulted options
 * (connection-string, uri-options and auth specs). Pure: no DNS; `mongodb+srv` is flagged and
 * resolved later with `applySrvRecords`. Invalid option values are ignored with a warning (the
 * spec's rule for connection strings); invalid values in `clientOptions` and invalid combinations
 * throw MongoParseError. Errors and warnings never contain passwords.
 */
export function parseConnectionString(uri: string, clientOptions: MongoClientOptions = {}): ResolvedOptions {
  return resolve(splitConnectionString(uri), clientOptions, new OptionValues(), []);
}

/**
 * Re-resolves an SRV connection string once DNS answered (initial-dns-seedlist-discovery spec):
 * the TXT record's options (only authSource, replicaSet and loadBalanced are allowed) rank below
 * the URI's and the client's; `hosts` become the seeds. Selecting srvMaxHosts of them is the caller's job.
 */
export function applySrvRecords(
  uri: string,
  clientOptions: MongoClientOptions,
  records: { readonly hosts: readonly HostAddress[]; readonly txt?: string },
): ResolvedOptions {
  const parts = splitConnectionString(uri);
  if (!parts.srv) throw new MongoParseError('applySrvRecords needs a mongodb+srv:// connection string');
  if (records.hosts.length === 0) throw new MongoParseError('SRV lookup returned no hosts');
  const warnings: string[] = [];
  const txtPairs = records.txt ? records.txt.split('&').filter((p) => p.length > 0) : [];
  const txt = readUriOptions(
    txtPairs.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new MongoParseError('Invalid TXT record: expected key=value pairs');
      return [pair.slice(0, eq), pair.slice(eq + 1)] as const;
    }),
    warnings,
  );
  for (const [name] of txt.entries()) {
    if (name !== 'authSource' && name !== 'replicaSet' && name !== 'loadBalanced') {
      throw new MongoParseError(
        `TXT record option '${name}' is not allowed (only authSource, replicaSet, loadBalanced)`,
      );
    }
  }
  return resolve(parts, clientOptions, txt, warnings, records.hosts);
}

function resolve(
  parts: ConnectionStringParts,
  clientOptions: MongoClientOptions,
  lowest: OptionValues,
  warnings: string[],
  srvHosts?: readonly HostAddress[],
): ResolvedOptions {
  const values = readUriOptions(parts.options, warnings, lowest);
  const uriPresent = new Set<UriOptionName>(Array.from(values.entries(), ([name]) => name));
  const client = readClientOptions(clientOptions, values, warnings);
  checkTlsConflicts(new Set([...uriPresent, ...client.present]));
  checkProxy(values);
  return buildResolved(parts, values, clientOptions, warnings, srvHosts);
}

/** Reads URI `key=value` pairs: case-insensitive keys, percent-decoded values, warnings for the rest. */
function readUriOptions(
  pairs: readonly (readonly [string, string])[],
  warnings: string[],
  into: OptionValues = new OptionValues(),
): OptionValues {
  const seen = new Set<string>();
  const tlsValues: boolean[] = [];
  const deprecated = new Map<UriOptionName, [string, unknown]>();
  for (const [rawKey, rawValue] of pairs) {
    const key = rawKey.toLowerCase();
    const replacement = DEPRECATED_OPTIONS.get(key);
    const name = replacement ?? OPTION_NAMES.get(key);
    if (key === 'srvhostvalidator') {
      throw new MongoParseError('URI cannot contain `srvHostValidator`, it can only be passed to the client');
    }
    if (name === undefined) {
      warnings.push(`Unsupported option '${rawKey}'`);
      continue;
    }
    const value = readUriValue(name, decode(rawValue, `value of option '${name}'`), warnings);
    if (value === undefined) continue;
    if (replacement !== undefined) {
      deprecated.set(name, [rawKey, value]);
      continue;
    }
    if (name === 'tls' || name === 'ssl') tlsValues.push(value as boolean);
    if (seen.has(name)) {
      if (PROXY_OPTIONS.includes(name)) throw new MongoParseError(`Option '${name}' must not be repeated`);
      if (OPTION_READERS[name].list) {
        into.set(name, [...((into.get(name) as unknown[]) ?? []), ...(value as unknown[])]);
        continue;
      }
      if (name !== 'tls' && name !== 'ssl')
        warnings.push(`Option '${name}' is repeated; the last value is used`);
    }
    seen.add(name);
    into.set(name, value);
  }
  for (const [name, [rawKey, value]] of deprecated) {
    if (seen.has(name)) {
      warnings.push(`Deprecated key '${rawKey}' present and ignored as found replacement '${name}'`);
    } else {
      warnings.push(`Deprecated key '${rawKey}' has been replaced with '${name}'`);
      into.set(name, value);
    }
  }
  // uri-options spec "Conflicting TLS options" rule 8: every tls/ssl occurrence must agree.
  if (tlsValues.some((v) => v !== tlsValues[0])) {
    throw new MongoParseError('All occurrences of the tls and ssl options must have the same value');
  }
  if (into.has('ssl')) {
    into.set('tls', into.get('ssl'));
    into.delete('ssl');
  }
  return into;
}

function readUriValue(name: UriOptionName, text: string, warnings: string[]): unknown {
  const shown = SENSITIVE_OPTIONS.has(name) ? '' : `: ${JSON.stringify(text)}`;
  if (text === '' && !EMPTY_ALLOWED.has(name)) {
    warnings.push(`Empty value for option '${name}' is ignored`);
    return undefined;
  }
  // read-write-concern spec, connection-string tests: a negative w is an invalid write concern
  // (an error, not an ignored value; uri-options keeps a bad wtimeoutMS a warning).
  if (name === 'w' && /^-\d+$/.test(text)) {
    throw new MongoParseError(`Invalid write concern: w must not be negative, got ${text}`);
  }
  const reader = OPTION_READERS[name];
  const value = reader.fromString(text, (m) => warnings.push(m));
  if (value === undefined) {
    const expected = reader.expected ? ` (expected ${reader.expected})` : '';
    warnings.push(`Unsupported value for option '${name}'${shown}${expected}; it is ignored`);
  }
  return value;
}

/** Client options override URI options of the same (case-insensitive) name; bad values throw. */
function readClientOptions(
  options: MongoClientOptions,
  into: OptionValues,
  warnings: string[],
): { present: Set<UriOptionName> } {
  const present = new Set<UriOptionName>();
  const tlsValues: unknown[] = [];
  for (const [rawKey, value] of Object.entries(options)) {
    if (value === undefined) continue;
    // Node TLS objects go to tls.connect as given (node checks them; PEMs are checked at construction).
    if ((NODE_TLS_KEYS as readonly string[]).includes(rawKey)) continue;
    // BSON options are checked by the client (pickBsonOptions) and layered under db/collection/operation.
    if ((BSON_OPTION_NAMES as readonly string[]).includes(rawKey)) continue;
    const key = rawKey.toLowerCase();
    const forms = CLIENT_ONLY_KEYS.get(key);
    if (forms) {
      // Checked here so that building from a wrong kind of value (null, a number) cannot crash.
      const form = value === null ? 'null' : typeof value;
      if (!(forms as readonly string[]).includes(form))
        throw new MongoParseError(`Option '${rawKey}' must be ${forms.map((f) => `a ${f}`).join(' or ')}`);
      continue;
    }
    if (key === 'readpreference' && value instanceof ReadPreference) continue;
    const name = OPTION_NAMES.get(key);
    if (name === undefined) {
      warnings.push(`Unsupported client option '${rawKey}'`);
      continue;
    }
    const reader = OPTION_READERS[name];
    const parsed = reader.fromValue(value, (m) => warnings.push(m));
    if (parsed === undefined) {
      const shown = SENSITIVE_OPTIONS.has(name) ? '' : `: ${describeValue(value)}`;
      const expected = reader.expected ? ` (expected ${reader.expected})` : '';
      throw new MongoParseError(`Invalid value for option '${name}'${shown}${expected}`);
    }
    if (name === 'tls' || name === 'ssl') tlsValues.push(parsed);
    present.add(name === 'ssl' ? 'tls' : name);
    into.set(name === 'ssl' ? 'tls' : name, parsed);
  }
  if (tlsValues.some((v) => v !== tlsValues[0]))
    throw new MongoParseError('The tls and ssl options must have the same value');
  return { present };
}

function checkTlsConflicts(present: ReadonlySet<UriOptionName>): void {
  for (const [a, b] of EXCLUSIVE_TLS_OPTIONS) {
    if (present.has(a) && present.has(b))
      throw new MongoParseError(`The options '${a}' and '${b}' cannot be combined`);
  }
}

/** SOCKS5 spec "MongoClient Configuration". */
function checkProxy(values: OptionValues): void {
  if (!values.has('proxyHost')) {
    for (const name of PROXY_OPTIONS)
      if (values.has(name)) throw new MongoParseError(`Option '${name}' requires proxyHost`);
  }
  if (values.has('proxyUsername') !== values.has('proxyPassword')) {
    throw new MongoParseError('Options proxyUsername and proxyPassword must be given together');
  }
}

/** Converts a validation error of a value type into a MongoParseError with the same message. */
function parseGuard<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof MongoParseError || !(e instanceof MongoError)) throw e;
    throw new MongoParseError(e.message, { cause: e });
  }
}

function buildResolved(
  parts: ConnectionStringParts,
  values: OptionValues,
  client: MongoClientOptions,
  warnings: string[],
  srvHosts: readonly HostAddress[] | undefined,
): ResolvedOptions {
  const get = <K extends UriOptionName>(name: K) => values.get(name);
  const directConnection = get('directConnection') ?? false;
  const loadBalanced = get('loadBalanced') ?? false;
  const replicaSet = get('replicaSet');
  const srvMaxHosts = get('srvMaxHosts') ?? DEFAULTS.srvMaxHosts;
  const hosts = parts.srv ? (srvHosts ?? []) : parts.hosts;
  const srvHost = parts.srv ? checkSrvHost(parts) : undefined;

  const srvAllowedHostsSuffix = get('srvAllowedHostsSuffix');
  const srvHostValidator = client.srvHostValidator;
  if (
    !parts.srv &&
    (values.has('srvServiceName') ||
      values.has('srvMaxHosts') ||
      srvAllowedHostsSuffix !== undefined ||
      srvHostValidator !== undefined)
  ) {
    throw new MongoParseError(
      'srvServiceName, srvMaxHosts, srvAllowedHostsSuffix and srvHostValidator are only allowed with mongodb+srv://',
    );
  }
  if (srvAllowedHostsSuffix !== undefined && srvHostValidator !== undefined) {
    throw new MongoParseError('Cannot use srvAllowedHostsSuffix together with srvHostValidator');
  }
  if (directConnection && (parts.srv || hosts.length > 1)) {
    throw new MongoParseError('directConnection=true is not allowed with multiple hosts or mongodb+srv://');
  }
  if (loadBalanced) {
    // load-balancers spec "URI Validation".
    if (hosts.length > 1) throw new MongoParseError('loadBalanced=true is not allowed with multiple hosts');
    if (directConnection)
      throw new MongoParseError('loadBalanced=true cannot be combined with directConnection=true');
    if (replicaSet !== undefined)
      throw new MongoParseError('loadBalanced=true cannot be combined with replicaSet');
  }
  if (srvMaxHosts > 0 && (replicaSet !== undefined || loadBalanced)) {
    throw new MongoParseError('srvMaxHosts cannot be combined with replicaSet or loadBalanced=true');
  }
  const maxPoolSize = get('maxPoolSize') ?? DEFAULTS.maxPoolSize;
  const minPoolSize = get('minPoolSize') ?? DEFAULTS.minPoolSize;
  if (maxPoolSize > 0 && minPoolSize > maxPoolSize)
    throw new MongoParseError('minPoolSize must not exceed maxPoolSize');

  const tlsInsecure = get('tlsInsecure') ?? false;
  const tlsCAFile = get('tlsCAFile');
  const tlsCertificateKeyFile = get('tlsCertificateKeyFile');
  // TLS is on when asked for, for mongodb+srv, or implicitly when a CA or client certificate file is given.
  const tls = get('tls') ?? (parts.srv || tlsCAFile !== undefined || tlsCertificateKeyFile !== undefined);

  const userinfo = client.auth
    ? { username: client.auth.username, password: client.auth.password }
    : parts.userinfo;
  const credentials = resolveCredentials({
    userinfo,
    dbName: parts.dbName,
    authSource: get('authSource'),
    authMechanism: get('authMechanism'),
    authMechanismProperties: get('authMechanismProperties'),
  });

  return sealOptions({
    hosts,
    srv: parts.srv,
    srvHost,
    srvServiceName: get('srvServiceName') ?? DEFAULTS.srvServiceName,
    srvMaxHosts,
    srvAllowedHostsSuffix,
    srvHostValidator,
    dbName: parts.dbName,
    credentials,
    appName: get('appName'),
    replicaSet,
    directConnection,
    loadBalanced,
    readPreference: parseGuard(() => buildReadPreference(values, client)),
    readConcern: parseGuard(() => ReadConcern.from(client.readConcern ?? get('readConcernLevel'))),
    writeConcern: parseGuard(() => buildWriteConcern(values, client)),
    maxPoolSize,
    minPoolSize,
    maxConnecting: get('maxConnecting') ?? DEFAULTS.maxConnecting,
    maxIdleTimeMS: get('maxIdleTimeMS') ?? DEFAULTS.maxIdleTimeMS,
    waitQueueTimeoutMS: get('waitQueueTimeoutMS') ?? DEFAULTS.waitQueueTimeoutMS,
    connectTimeoutMS: get('connectTimeoutMS') ?? DEFAULTS.connectTimeoutMS,
    socketTimeoutMS: get('socketTimeoutMS') ?? DEFAULTS.socketTimeoutMS,
    heartbeatFrequencyMS: get('heartbeatFrequencyMS') ?? DEFAULTS.heartbeatFrequencyMS,
    minHeartbeatFrequencyMS: checkPositive(client.minHeartbeatFrequencyMS, 'minHeartbeatFrequencyMS'),
    serverSelectionTimeoutMS: get('serverSelectionTimeoutMS') ?? DEFAULTS.serverSelectionTimeoutMS,
    serverSelectionTryOnce: get('serverSelectionTryOnce') ?? DEFAULTS.serverSelectionTryOnce,
    localThresholdMS: get('localThresholdMS') ?? DEFAULTS.localThresholdMS,
    serverMonitoringMode: get('serverMonitoringMode') ?? DEFAULTS.serverMonitoringMode,
    timeoutMS: get('timeoutMS'),
    retryReads: get('retryReads') ?? DEFAULTS.retryReads,
    retryWrites: get('retryWrites') ?? DEFAULTS.retryWrites,
    maxAdaptiveRetries: get('maxAdaptiveRetries'),
    enableOverloadRetargeting: get('enableOverloadRetargeting') ?? false,
    compressors: (get('compressors') ?? []) as readonly CompressorName[],
    zlibCompressionLevel: get('zlibCompressionLevel') ?? DEFAULTS.zlibCompressionLevel,
    tls,
    tlsCAFile,
    tlsCRLFile: get('tlsCRLFile'),
    tlsObjects: nodeTlsObjects(client),
    tlsCertificateKeyFile,
    tlsCertificateKeyFilePassword: get('tlsCertificateKeyFilePassword'),
    tlsInsecure,
    tlsAllowInvalidCertificates: tlsInsecure || (get('tlsAllowInvalidCertificates') ?? false),
    tlsAllowInvalidHostnames: tlsInsecure || (get('tlsAllowInvalidHostnames') ?? false),
    tlsDisableCertificateRevocationCheck: get('tlsDisableCertificateRevocationCheck') ?? false,
    tlsDisableOCSPEndpointCheck: get('tlsDisableOCSPEndpointCheck') ?? false,
    proxyHost: get('proxyHost'),
    proxyPort: values.has('proxyHost') ? (get('proxyPort') ?? DEFAULTS.proxyPort) : undefined,
    proxyUsername: get('proxyUsername'),
    proxyPassword: get('proxyPassword'),
    serverApi: checkServerApi(client.serverApi),
    driverInfo: checkDriverInfo(client.driverInfo),
    monitorCommands: checkBoolean(client.monitorCommands, 'monitorCommands') ?? false,
    warnUnsubscribed:
      checkBoolean(client.warnUnsubscribed, 'warnUnsubscribed') ?? process.env.NODE_ENV !== 'production',
    warnings: Object.freeze([...warnings]),
  });
}

/** initial-dns-seedlist-discovery spec: exactly one host name, no port, no socket or IP literal. */
function checkSrvHost(parts: ConnectionStringParts): string {
  const [first] = parts.hosts;
  if (parts.hosts.length !== 1 || first === undefined)
    throw new MongoParseError('mongodb+srv:// requires exactly one host');
  if (isSocketAddress(first) || first.isIPv6)
    throw new MongoParseError('mongodb+srv:// requires a host name');
  if (parts.rawHosts[0]?.includes(':')) throw new MongoParseError('mongodb+srv:// must not specify a port');
  return first.host;
}

function buildReadPreference(values: OptionValues, client: MongoClientOptions): ReadPreference {
  if (client.readPreference instanceof ReadPreference) return client.readPreference;
  const mode = values.get('readPreference') ?? 'primary';
  return new ReadPreference(mode, {
    tags: values.get('readPreferenceTags'),
    maxStalenessSeconds: values.get('maxStalenessSeconds'),
    hedge: client.hedge,
  });
}

function buildWriteConcern(values: OptionValues, client: MongoClientOptions): WriteConcern {
  const fromOptions: WriteConcernOptions = {
    w: values.get('w'),
    wtimeoutMS: values.get('wtimeoutMS'),
    journal: values.get('journal'),
  };
  const wc = client.writeConcern ?? {};
  return new WriteConcern({
    w: wc.w ?? fromOptions.w,
    wtimeoutMS: wc.wtimeoutMS ?? fromOptions.wtimeoutMS,
    journal: wc.journal ?? fromOptions.journal,
  });
}

function checkServerApi(value: MongoClientOptions['serverApi']): ServerApi | undefined {
  if (value === undefined) return undefined;
  const api = typeof value === 'string' ? { version: value } : value;
  if (api.version !== '1')
    throw new MongoParseError(`Unsupported serverApi version ${JSON.stringify(api.version)}`);
  checkBoolean(api.strict, 'serverApi.strict');
  checkBoolean(api.deprecationErrors, 'serverApi.deprecationErrors');
  return Object.freeze({ ...api });
}

function checkDriverInfo(value: MongoClientOptions['driverInfo']): MongoClientOptions['driverInfo'] {
  if (value === undefined) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined && typeof v !== 'string')
      throw new MongoParseError(`driverInfo.${k} must be a string`);
  }
  return Object.freeze({ ...value });
}

/** The Node TLS objects among the client options, or undefined when none is given. */
function nodeTlsObjects(client: MongoClientOptions): NodeTlsOptions | undefined {
  const out: Record<string, unknown> = {};
  for (const key of NODE_TLS_KEYS) if (client[key] !== undefined) out[key] = client[key];
  return Object.keys(out).length > 0 ? Object.freeze(out as NodeTlsOptions) : undefined;
}

function checkPositive(value: unknown, name: string): number | undefined {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value <= 0))
    throw new MongoParseError(`Option '${name}' must be a positive integer`);
  return value;
}

function checkBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw new MongoParseError(`Option '${name}' must be a boolean`);
  return value;
}
