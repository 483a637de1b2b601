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
  /** Sent in the handshake and shown in the server's logs, profiler and currentOp. */
  appName: string;
  /**
   * SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, MONGODB-X509, MONGODB-AWS, MONGODB-OIDC, ... (default: negotiated
   * SCRAM).
   */
  authMechanism: AuthMechanism;
  /**
   * Mechanism settings (`SERVICE_NAME`, `AWS_SESSION_TOKEN`, `ENVIRONMENT`, ...); `key:value,key:value`
   * in the URI.
   */
  authMechanismProperties: AuthMechanismProperties;
  /** The database that holds the user's credentials (default: the URI's database, else `admin`). */
  authSource: string;
  /**
   * Wire compressors to offer, in preference order: `snappy`, `zlib`, `zstd` (snappy and zstd need their
   * optional packages).
   */
  compressors: CompressorName[] | string;
  /** Bound on opening a connection: socket, TLS, handshake and authentication (default 10000; 0: none). */
  connectTimeoutMS: number;
  /** Talk to the one host given, whatever its role, without discovering the rest of the deployment. */
  directConnection: boolean;
  /** Retry an overloaded server's error on another server where one is suitable (client-backpressure). */
  enableOverloadRetargeting: boolean;
  /** Time between two checks of each server by its monitor (default 10000). */
  heartbeatFrequencyMS: number;
  /** Write concern `j`: writes are acknowledged once journaled. */
  journal: boolean;
  /** The one host is a load balancer in front of mongos (load-balancers spec). */
  loadBalanced: boolean;
  /** Servers within this many ms of the fastest suitable one share the reads (default 15). */
  localThresholdMS: number;
  /** How many times an overloaded server's retryable error is retried (client-backpressure). */
  maxAdaptiveRetries: number;
  /** Connections a pool establishes at once (default 2). */
  maxConnecting: number;
  /** A pooled connection idle this long is closed (default 0: never). */
  maxIdleTimeMS: number;
  /** Connections per server pool, in use or idle (default 100; 0: no limit). */
  maxPoolSize: number;
  /** Secondaries lagging more than this are not selected for reads (at least 90; -1: no limit). */
  maxStalenessSeconds: number;
  /** Connections each pool keeps open, even idle (default 0). */
  minPoolSize: number;
  /** A SOCKS5 proxy every connection goes through. */
  proxyHost: string;
  /** The SOCKS5 proxy's port (default 1080). */
  proxyPort: number;
  /** SOCKS5 user name (with proxyPassword). */
  proxyUsername: string;
  /** SOCKS5 password (never shown in errors or logs). */
  proxyPassword: string;
  /** The read concern of reads: `local`, `majority`, `linearizable`, `available` or `snapshot`. */
  readConcernLevel: string;
  /**
   * Which members serve reads: primary (default), primaryPreferred, secondary, secondaryPreferred,
   * nearest.
   */
  readPreference: ReadPreferenceMode;
  /** Tag sets a secondary must match, tried in order (repeat the key in the URI for each set). */
  readPreferenceTags: TagSet[];
  /** The replica set's name: members of another set are ignored. */
  replicaSet: string;
  /** Retry a read once after a retryable error (default true). */
  retryReads: boolean;
  /** Retry a write once after a retryable error (default true; needs a replica set or sharded cluster). */
  retryWrites: boolean;
  /** `stream` (awaitable hello), `poll`, or `auto` (stream except on FaaS platforms). */
  serverMonitoringMode: ServerMonitoringMode;
  /** How long an operation waits for a suitable server (default 30000). */
  serverSelectionTimeoutMS: number;
  /** For single-threaded drivers (server selection spec); parsed, no effect here. */
  serverSelectionTryOnce: boolean;
  /**
   * A command whose reply takes longer closes its connection with MongoNetworkTimeoutError (default 0:
   * none).
   */
  socketTimeoutMS: number;
  /**
   * mongodb+srv only: SRV targets must end with this suffix instead of sharing the SRV host's parent
   * domain (e.g. `.mydomain.net`). Widening the check lets a spoofed DNS answer reach more hosts: keep
   * it narrow.
   */
  srvAllowedHostsSuffix: string;
  /** mongodb+srv only: use at most this many of the SRV records, chosen at random (default 0: all). */
  srvMaxHosts: number;
  /** mongodb+srv only: the service queried, `_{srvServiceName}._tcp.{host}` (default `mongodb`). */
  srvServiceName: string;
  /** Alias of `tls`; every tls/ssl occurrence must agree. */
  ssl: boolean;
  /** Client-side operation timeout (CSOT): each operation, retries included, ends within this many ms. */
  timeoutMS: number;
  /** Connect with TLS (default: on for mongodb+srv, off otherwise). */
  tls: boolean;
  /** Accept any server certificate (insecure: for tests only). */
  tlsAllowInvalidCertificates: boolean;
  /** Accept a certificate issued for another host name (insecure). */
  tlsAllowInvalidHostnames: boolean;
  /** A PEM file of the certificate authorities to trust. */
  tlsCAFile: string;
  /** A PEM file of revoked certificates. */
  tlsCRLFile: string;
  /** A PEM file with the client's certificate and key (MONGODB-X509, mutual TLS). */
  tlsCertificateKeyFile: string;
  /** The password of tlsCertificateKeyFile's key. */
  tlsCertificateKeyFilePassword: string;
  /** Parsed and checked against the options it conflicts with; changes nothing (revocation is checked only against tlsCRLFile). */
  tlsDisableCertificateRevocationCheck: boolean;
  /** Parsed and checked against the options it conflicts with; Node's TLS makes no OCSP request to turn off. */
  tlsDisableOCSPEndpointCheck: boolean;
  /** Both tlsAllowInvalidCertificates and tlsAllowInvalidHostnames (insecure). */
  tlsInsecure: boolean;
  /**
   * Write concern `w`: how many members acknowledge each write (`0`, `1`, ..., `majority`, a tag set
   * name).
   */
  w: W;
  /** How long a check-out waits for a pooled connection (default 0: no limit of its own; timeoutMS applies). */
  waitQueueTimeoutMS: number;
  /** Write concern `wtimeout`: the server stops waiting for acknowledgements after this long. */
  wtimeoutMS: number;
  /** zlib's level, -1 (default, 6) to 9 (best compression); only for the zlib compressor. */
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
