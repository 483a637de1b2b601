import type { ConnectionOptions } from 'node:tls';
import type { BsonOptions } from '../bson-options.js';
import type { MongoLoggerClientOptions } from '../log-options.js';
import type { ReadConcern, ReadConcernLike } from '../read-concern.js';
import type { HedgeOptions, ReadPreference, ReadPreferenceMode } from '../read-preference.js';
import type { WriteConcernOptions } from '../write-concern.js';
import type { UriOptions } from './option-table.js';

/** Stable API (versioned-api spec). */
export interface ServerApi {
  readonly version: '1';
  readonly strict?: boolean;
  readonly deprecationErrors?: boolean;
}

/** Extra client metadata appended by libraries that wrap the driver (handshake spec). */
export interface DriverInfo {
  readonly name?: string;
  readonly version?: string;
  readonly platform?: string;
}

/**
 * Options for `new MongoClient(uri, options)`. Every connection-string option can be given here
 * under the same (case-insensitive) name; a value given here overrides the one in the URI.
 */
/**
 * Node TLS objects the official driver takes beside the tls* URI options: given here they are
 * passed to `tls.connect` as they are (and win over what the files give).
 */
export type NodeTlsOptions = Pick<
  ConnectionOptions,
  | 'ca'
  | 'cert'
  | 'key'
  | 'passphrase'
  | 'pfx'
  | 'crl'
  | 'secureContext'
  | 'ciphers'
  | 'ecdhCurve'
  | 'minDHSize'
  | 'secureProtocol'
  | 'checkServerIdentity'
  | 'rejectUnauthorized'
  | 'servername'
>;

/** The keys of NodeTlsOptions, as the options parser recognizes them. */
export const NODE_TLS_KEYS: readonly (keyof NodeTlsOptions)[] = [
  'ca',
  'cert',
  'key',
  'passphrase',
  'pfx',
  'crl',
  'secureContext',
  'ciphers',
  'ecdhCurve',
  'minDHSize',
  'secureProtocol',
  'checkServerIdentity',
  'rejectUnauthorized',
  'servername',
];

/** Options of `new MongoClient(uri, options)`: the URI options, TLS and driver settings; they override the URI. */
export interface MongoClientOptions
  extends Partial<Omit<UriOptions, 'readPreference'>>,
    NodeTlsOptions,
    BsonOptions,
    MongoLoggerClientOptions {
  /** Overrides the URI userinfo. */
  auth?: { readonly username?: string; readonly password?: string };
  /** A mode, or a whole ReadPreference (which then replaces readPreferenceTags/maxStalenessSeconds). */
  readPreference?: ReadPreferenceMode | ReadPreference;
  hedge?: HedgeOptions;
  /** Overrides readConcernLevel. */
  readConcern?: ReadConcern | ReadConcernLike;
  /** Fields given here override w / wtimeoutMS / journal. */
  writeConcern?: WriteConcernOptions;
  serverApi?: ServerApi | '1';
  driverInfo?: DriverInfo;
  /** Emit command monitoring events (commandStarted/Succeeded/Failed). */
  monitorCommands?: boolean;
  /**
   * Development safety net: an operation Observable garbage-collected without ever being
   * subscribed (`await collection.insertOne(doc)`) emits one MongoRxWarning per operation name.
   * Default: on unless `NODE_ENV` is `production`.
   */
  warnUnsubscribed?: boolean;
  /** Makes `_id` for inserted documents that lack one (default: a new ObjectId); db and collection may override it. */
  pkFactory?: PkFactory;
  /** Inserted documents without `_id` are sent as they are, for the server to add it. */
  forceServerObjectId?: boolean;
  /** SDAM: the least time between two checks of a server (default 500; tests lower it). */
  minHeartbeatFrequencyMS?: number;
  /**
   * mongodb+srv only: decides whether a host an SRV lookup returned may be used. It gets the host in
   * lowercase A-label form without a trailing "." and its verdict replaces the default check (the
   * host shares the SRV host's parent domain). Not with `srvAllowedHostsSuffix`; not in the URI.
   * Widening the check lets a spoofed DNS answer send the driver to more hosts: keep it narrow.
   */
  srvHostValidator?: (host: string) => boolean;
}

/** Makes the `_id` of inserted documents that have none (the official `pkFactory`). */
export interface PkFactory {
  createPk(): unknown;
}
