import type { ReadConcern } from '../read-concern.js';
import type { ReadPreference } from '../read-preference.js';
import type { WriteConcern } from '../write-concern.js';
import type { DriverInfo, NodeTlsOptions, ServerApi } from './client-options.js';
import type { MongoCredentials } from './credentials.js';
import type { HostAddress } from './host-address.js';
import type { CompressorName, ServerMonitoringMode } from './option-table.js';

/** Spec defaults for everything that has one (CMAP, SDAM, server selection, retryable reads/writes). */
export const DEFAULTS = {
  maxPoolSize: 100,
  minPoolSize: 0,
  maxConnecting: 2,
  maxIdleTimeMS: 0,
  waitQueueTimeoutMS: 0,
  heartbeatFrequencyMS: 10_000,
  serverSelectionTimeoutMS: 30_000,
  localThresholdMS: 15,
  connectTimeoutMS: 10_000,
  socketTimeoutMS: 0,
  retryReads: true,
  retryWrites: true,
  serverMonitoringMode: 'auto',
  serverSelectionTryOnce: false,
  srvServiceName: 'mongodb',
  srvMaxHosts: 0,
  zlibCompressionLevel: -1,
  proxyPort: 1080,
} as const;

/** TLS settings; the key-file password is readable but hidden from serialization. */
export interface ResolvedTlsOptions {
  readonly tlsCAFile: string | undefined;
  readonly tlsCRLFile: string | undefined;
  /** Node TLS objects given as client options (ca, cert, key, secureContext, ...); secret. */
  readonly tlsObjects: NodeTlsOptions | undefined;
  readonly tlsCertificateKeyFile: string | undefined;
  readonly tlsCertificateKeyFilePassword: string | undefined;
  /** True when tlsAllowInvalidCertificates or tlsInsecure is true. */
  readonly tlsAllowInvalidCertificates: boolean;
  /** True when tlsAllowInvalidHostnames or tlsInsecure is true. */
  readonly tlsAllowInvalidHostnames: boolean;
  readonly tlsInsecure: boolean;
  readonly tlsDisableCertificateRevocationCheck: boolean;
  readonly tlsDisableOCSPEndpointCheck: boolean;
}

/** The validated, fully defaulted options a MongoClient runs with. Secrets never serialize. */
export interface ResolvedOptions extends ResolvedTlsOptions {
  /** Seeds. For `mongodb+srv://` this is empty until DNS resolution (see `applySrvRecords`). */
  readonly hosts: readonly HostAddress[];
  readonly srv: boolean;
  /** The SRV name to look up as `_${srvServiceName}._tcp.${srvHost}`. */
  readonly srvHost: string | undefined;
  readonly srvServiceName: string;
  /** 0: no limit. */
  readonly srvMaxHosts: number;
  /** Normalized (lowercase A-label, leading "."): SRV targets must end with it instead of the SRV host's domain. */
  readonly srvAllowedHostsSuffix: string | undefined;
  /** Decides alone whether an SRV target may be used (client option only). */
  readonly srvHostValidator: ((host: string) => boolean) | undefined;
  /** The database in the URI path, if any (the client's default database falls back to "test"). */
  readonly dbName: string | undefined;
  readonly credentials: MongoCredentials | undefined;
  readonly appName: string | undefined;
  readonly replicaSet: string | undefined;
  readonly directConnection: boolean;
  readonly loadBalanced: boolean;
  readonly readPreference: ReadPreference;
  readonly readConcern: ReadConcern;
  readonly writeConcern: WriteConcern;
  readonly maxPoolSize: number;
  readonly minPoolSize: number;
  readonly maxConnecting: number;
  readonly maxIdleTimeMS: number;
  readonly waitQueueTimeoutMS: number;
  readonly connectTimeoutMS: number;
  readonly socketTimeoutMS: number;
  readonly heartbeatFrequencyMS: number;
  /** Client option only (not in URIs); undefined: the spec's 500 ms. */
  readonly minHeartbeatFrequencyMS: number | undefined;
  readonly serverSelectionTimeoutMS: number;
  readonly serverSelectionTryOnce: boolean;
  readonly localThresholdMS: number;
  readonly serverMonitoringMode: ServerMonitoringMode;
  /** Client-side operation timeout (CSOT); undefined when not set, 0 means no timeout. */
  readonly timeoutMS: number | undefined;
  readonly retryReads: boolean;
  readonly retryWrites: boolean;
  /** Client backpressure: undefined uses the driver default. */
  readonly maxAdaptiveRetries: number | undefined;
  readonly enableOverloadRetargeting: boolean;
  readonly compressors: readonly CompressorName[];
  readonly zlibCompressionLevel: number;
  readonly tls: boolean;
  readonly proxyHost: string | undefined;
  readonly proxyPort: number | undefined;
  readonly proxyUsername: string | undefined;
  readonly proxyPassword: string | undefined;
  readonly serverApi: ServerApi | undefined;
  readonly driverInfo: DriverInfo | undefined;
  readonly monitorCommands: boolean;
  /** See MongoClientOptions.warnUnsubscribed. */
  readonly warnUnsubscribed: boolean;
  /** Problems that were ignored (unknown options, invalid values, ...); the client routes them to logging. */
  readonly warnings: readonly string[];
}

type SecretName = 'proxyPassword' | 'tlsCertificateKeyFilePassword' | 'tlsObjects';
const SECRETS: readonly SecretName[] = ['proxyPassword', 'tlsCertificateKeyFilePassword', 'tlsObjects'];
const REDACTED = '<redacted>';

/**
 * Freezes the options and hides the secrets: they become non-enumerable (skipped by
 * JSON.stringify, spread and util.inspect), and toJSON / inspect show "<redacted>" instead.
 */
export function sealOptions(options: ResolvedOptions): ResolvedOptions {
  const sealed: Record<string, unknown> = { ...options };
  for (const name of SECRETS) delete sealed[name];
  const publicView = (): Record<string, unknown> => {
    const view: Record<string, unknown> = { ...sealed };
    for (const name of SECRETS) if (options[name] !== undefined) view[name] = REDACTED;
    return view;
  };
  for (const name of SECRETS)
    Object.defineProperty(sealed, name, { value: options[name], enumerable: false });
  Object.defineProperty(sealed, 'toJSON', { value: publicView, enumerable: false });
  Object.defineProperty(sealed, Symbol.for('nodejs.util.inspect.custom'), {
    value: (_depth: number, inspectOptions: unknown, inspect: (v: unknown, o: unknown) => string) =>
      `ResolvedOptions ${inspect(publicView(), inspectOptions)}`,
    enumerable: false,
  });
  return Object.freeze(sealed) as unknown as ResolvedOptions;
}
