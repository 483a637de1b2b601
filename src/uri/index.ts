export type { DriverInfo, MongoClientOptions, ServerApi } from './client-options.js';
export {
  AUTH_MECHANISMS,
  type AuthMechanism,
  type AuthMechanismProperties,
  MongoCredentials,
  resolveCredentials,
} from './credentials.js';
export {
  DEFAULT_PORT,
  type HostAddress,
  hostAddressFromString,
  isSocketAddress,
  SocketHostAddress,
  TcpHostAddress,
} from './host-address.js';
export {
  COMPRESSORS,
  type CompressorName,
  type ServerMonitoringMode,
  SUPPORTED_COMPRESSORS,
  type UriOptions,
} from './option-table.js';
export { applySrvRecords, parseConnectionString } from './parse.js';
export { redactUri } from './redact.js';
export { DEFAULTS, type ResolvedOptions, type ResolvedTlsOptions } from './resolved-options.js';
export { emitOptionWarnings, MongoRxWarning, type WarningLogger } from './warnings.js';
