import { READ_PREFERENCE_MODES, type ReadPreferenceMode, type TagSet } from '../read-preference.js';
import type { W } from '../write-concern.js';
import type { AuthMechanism, AuthMechanismProperties } from './credentials.js';
import { normalizeSrvAllowedHostsSuffix } from './srv-host-suffix.js';
import { bool, int, nameList, type OptionReader, oneOf, properties, str, tagSets, w } from './values.js';

export const COMPRESSORS = ['snappy', 'zlib', 'zstd'] as const;
export type CompressorName = (typeof COMPRESSORS)[number];
/**
 * The compressors the driver offers: every one the spec knows (snappy and zstd through their
 * optional packages, loaded when negotiated); unknown names are dropped with a warning.
 */
export const SUPPORTED_COMPRESSORS = COMPRESSORS;

export type ServerMonitoringMode = 'auto' | 'poll' | 'stream';

/** Every option of the uri-options spec, in camelCase, with its value type. */
export interface UriOptions {
  appName: string;
  authMechanism: AuthMechanism;
  authMechanismProperties: AuthMechanismProperties;
  authSource: string;
  compressors: CompressorName[] | string;
  connectTimeoutMS: number;
  directConnection: boolean;
  enableOverloadRetargeting: boolean;
  heartbeatFrequencyMS: number;
  journal: boolean;
  loadBalanced: boolean;
  localThresholdMS: number;
  maxAdaptiveRetries: number;
  maxConnecting: number;
  maxIdleTimeMS: number;
  maxPoolSize: number;
  maxStalenessSeconds: number;
  minPoolSize: number;
  proxyHost: string;
  proxyPort: number;
  proxyUsername: string;
  proxyPassword: string;
  readConcernLevel: string;
  readPreference: ReadPreferenceMode;
  readPreferenceTags: TagSet[];
  replicaSet: string;
  retryReads: boolean;
  retryWrites: boolean;
  serverMonitoringMode: ServerMonitoringMode;
  serverSelectionTimeoutMS: number;
  serverSelectionTryOnce: boolean;
  socketTimeoutMS: number;
  srvAllowedHostsSuffix: string;
  srvMaxHosts: number;
  srvServiceName: string;
  /** Alias of `tls`; every tls/ssl occurrence must agree. */
  ssl: boolean;
  timeoutMS: number;
  tls: boolean;
  tlsAllowInvalidCertificates: boolean;
  tlsAllowInvalidHostnames: boolean;
  tlsCAFile: string;
  tlsCRLFile: string;
  tlsCertificateKeyFile: string;
  tlsCertificateKeyFilePassword: string;
  tlsDisableCertificateRevocationCheck: boolean;
  tlsDisableOCSPEndpointCheck: boolean;
  tlsInsecure: boolean;
  w: W;
  waitQueueTimeoutMS: number;
  wtimeoutMS: number;
  zlibCompressionLevel: number;
}

export type UriOptionName = keyof UriOptions;

type Readers = { readonly [K in UriOptionName]: OptionReader<unknown> };

/** RFC 6335 service name: letters, digits and inner hyphens, at most 15 characters. */
const serviceName: OptionReader<string> = {
  fromString: (text) => (/^(?=.{1,15}$)[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.test(text) ? text : undefined),
  fromValue: (value) => (typeof value === 'string' ? serviceName.fromString(value, () => {}) : undefined),
};

/** srvAllowedHostsSuffix: normalized; a value that cannot be a suffix is an error (official driver). */
const hostSuffix: OptionReader<string> = {
  expected: 'a domain name suffix',
  fromString: (text) => normalizeSrvAllowedHostsSuffix(text),
  fromValue: (value) => (typeof value === 'string' ? normalizeSrvAllowedHostsSuffix(value) : undefined),
};

export const OPTION_READERS: Readers = {
  appName: str,
  authMechanism: str,
  authMechanismProperties: properties,
  authSource: str,
  compressors: nameList(SUPPORTED_COMPRESSORS),
  connectTimeoutMS: int(0),
  directConnection: bool,
  enableOverloadRetargeting: bool,
  heartbeatFrequencyMS: int(500),
  journal: bool,
  loadBalanced: bool,
  localThresholdMS: int(0),
  maxAdaptiveRetries: int(0),
  maxConnecting: int(1),
  maxIdleTimeMS: int(0),
  maxPoolSize: int(0),
  maxStalenessSeconds: int(-1),
  minPoolSize: int(0),
  proxyHost: str,
  proxyPort: int(0, 65535),
  proxyUsername: str,
  proxyPassword: str,
  readConcernLevel: str,
  readPreference: oneOf(READ_PREFERENCE_MODES),
  readPreferenceTags: tagSets,
  replicaSet: str,
  retryReads: bool,
  retryWrites: bool,
  serverMonitoringMode: oneOf(['auto', 'poll', 'stream']),
  serverSelectionTimeoutMS: int(0),
  serverSelectionTryOnce: bool,
  socketTimeoutMS: int(0),
  srvAllowedHostsSuffix: hostSuffix,
  srvMaxHosts: int(0),
  srvServiceName: serviceName,
  ssl: bool,
  timeoutMS: int(0),
  tls: bool,
  tlsAllowInvalidCertificates: bool,
  tlsAllowInvalidHostnames: bool,
  tlsCAFile: str,
  tlsCRLFile: str,
  tlsCertificateKeyFile: str,
  tlsCertificateKeyFilePassword: str,
  tlsDisableCertificateRevocationCheck: bool,
  tlsDisableOCSPEndpointCheck: bool,
  tlsInsecure: bool,
  w,
  waitQueueTimeoutMS: int(0),
  wtimeoutMS: int(0, Number.MAX_SAFE_INTEGER),
  zlibCompressionLevel: int(-1, 9),
};

/** Options whose values are secrets: never echoed in warnings or errors. */
export const SENSITIVE_OPTIONS: ReadonlySet<UriOptionName> = new Set([
  'authMechanismProperties',
  'proxyPassword',
  'tlsCertificateKeyFilePassword',
]);

/** String-like options where an empty value is kept (integers and booleans ignore it, per spec). */
export const EMPTY_ALLOWED: ReadonlySet<UriOptionName> = new Set([
  'appName',
  'authMechanism',
  'authMechanismProperties',
  'authSource',
  'compressors',
  'proxyHost',
  'proxyUsername',
  'proxyPassword',
  'readConcernLevel',
  'readPreferenceTags',
  'replicaSet',
  'tlsCAFile',
  'tlsCRLFile',
  'tlsCertificateKeyFile',
  'tlsCertificateKeyFilePassword',
]);

/** Lowercased key -> canonical name (keys are case-insensitive, connection-string spec "Keys"). */
export const OPTION_NAMES: ReadonlyMap<string, UriOptionName> = new Map(
  (Object.keys(OPTION_READERS) as UriOptionName[]).map((name) => [name.toLowerCase(), name]),
);

/** Deprecated keys (lowercased) and the option that replaced them. */
export const DEPRECATED_OPTIONS: ReadonlyMap<string, UriOptionName> = new Map([['wtimeout', 'wtimeoutMS']]);
