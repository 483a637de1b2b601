import { MongoError, MongoNetworkError, MongoServerError, RETRYABLE_WRITE_ERROR } from '../errors.js';
import type { CommandOperation } from '../operations/operation.js';
import type { ServerDescription } from '../sdam/description/server-description.js';

/** Codes after which a read may be retried once (retryable-reads, "Retryable Error"). */
const RETRYABLE_READ_CODES = new Set([11600, 11602, 10107, 13435, 13436, 189, 91, 7, 6, 89, 9001, 262, 134]);
/** Codes a pre-4.4 server returns for a retryable write (retryable-writes, "Determining Retryable Errors"). */
const RETRYABLE_WRITE_CODES = new Set([11600, 11602, 10107, 13435, 13436, 189, 91, 7, 6, 89, 9001, 262]);
/** Servers from 4.4 (wire 9) label retryable write errors themselves. */
const SERVER_LABELS_FROM_WIRE = 9;
/** Sessions and txnNumber need MongoDB 3.6 (wire 6). */
const RETRYABLE_WRITES_FROM_WIRE = 6;

export function isRetryableReadError(error: unknown): boolean {
  if (error instanceof MongoNetworkError) return true;
  return (
    error instanceof MongoServerError && error.code !== undefined && RETRYABLE_READ_CODES.has(error.code)
  );
}

/**
 * Whether an error of a write sent with a txnNumber may be retried; adds the `RetryableWriteError`
 * label where the driver is the one to add it (network errors; error codes from pre-4.4 servers).
 */
export function labelRetryableWriteError(error: unknown, maxWireVersion: number): boolean {
  if (!(error instanceof MongoError)) return false;
  if (error instanceof MongoNetworkError) {
    error.addErrorLabel(RETRYABLE_WRITE_ERROR);
    return true;
  }
  if (maxWireVersion < SERVER_LABELS_FROM_WIRE && error instanceof MongoServerError) {
    if (error.code !== undefined && RETRYABLE_WRITE_CODES.has(error.code))
      error.addErrorLabel(RETRYABLE_WRITE_ERROR);
  }
  return error.hasErrorLabel(RETRYABLE_WRITE_ERROR);
}

/** retryable-writes "Supported Server Versions": a replica set member or mongos with sessions. */
export function supportsRetryableWrites(server: ServerDescription): boolean {
  if (server.type === 'LoadBalancer') return true;
  return (
    server.type !== 'Standalone' &&
    server.type !== 'Unknown' &&
    server.logicalSessionTimeoutMinutes !== null &&
    server.maxWireVersion >= RETRYABLE_WRITES_FROM_WIRE
  );
}

/**
 * retryable-writes: MMAPv1 answers a txnNumber with code 20 "Transaction numbers are only allowed
 * ..."; the driver replaces it with an error that says what to do.
 */
export function rewriteUnsupportedRetryableWrite(error: unknown): unknown {
  if (
    error instanceof MongoServerError &&
    error.code === 20 &&
    error.errmsg.startsWith('Transaction numbers')
  ) {
    return new MongoServerError({
      ...error.errorResponse,
      errmsg:
        'This MongoDB deployment does not support retryable writes. Please add retryWrites=false to your connection string.',
    });
  }
  return error;
}

/** The retry failed too: which error the user sees (retryable-writes, "NoWritesPerformed"). */
export function errorAfterRetry(original: unknown, retryError: unknown): unknown {
  if (retryError instanceof MongoError && retryError.hasErrorLabel('NoWritesPerformed')) return original;
  return retryError;
}

export type RetryKind = 'read' | 'write' | false;

/** What kind of retry an operation gets under the client's settings. */
export function retryKindOf(
  op: CommandOperation<unknown>,
  settings: { readonly retryReads: boolean; readonly retryWrites?: boolean },
): RetryKind {
  if (op.retryable === 'read') return settings.retryReads ? 'read' : false;
  if (op.retryable === 'write') return settings.retryWrites !== false ? 'write' : false;
  return false;
}
