import type { ResolvedOptions } from './resolved-options.js';

/**
 * A warning about the connection string or client options: a value that was ignored (the
 * connection-string spec's rule for invalid URI values), an unknown or deprecated key. Emitted
 * through `process.emitWarning`, so `process.on('warning', ...)` sees it with this name and code.
 */
export class MongoRxWarning extends Error {
  /** `MONGORX_OPTION` for options; `MONGORX_UNSUBSCRIBED` for an operation never subscribed; `MONGORX_LOG` for logging misconfiguration. */
  readonly code: string;
  constructor(message: string, code = 'MONGORX_OPTION') {
    super(message);
    this.code = code;
  }
  /** Always `MongoRxWarning` (what `process.on('warning')` listeners see). */
  override get name(): string {
    return 'MongoRxWarning';
  }
}

/** Where warnings go besides the process (a logger's warn, when the client has one). */
export type WarningLogger = (message: string) => void;

/** Makes every warning of parsing visible: one process warning each, and the logger when given. */
export function emitOptionWarnings(options: Pick<ResolvedOptions, 'warnings'>, logger?: WarningLogger): void {
  for (const message of options.warnings) {
    process.emitWarning(new MongoRxWarning(message));
    logger?.(message);
  }
}
