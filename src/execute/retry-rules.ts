import {
  MongoError,
  MongoNetworkError,
  MongoServerError,
  RETRYABLE_ERROR,
  RETRYABLE_WRITE_ERROR,
  SYSTEM_OVERLOADED_ERROR,
} from '../errors.js';
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

/** client-backpressure "Overload retry policy": the spec's constants. */
export const BACKPRESSURE = {
  /** MAX_RETRIES: the default of `maxAdaptiveRetries`. */
  maxRetries: 2,
  /** BASE_BACKOFF (ms), unless the error carries a positive `baseBackoffMS`. */
  baseBackoffMS: 100,
  /** MAX_BACKOFF (ms). */
  maxBackoffMS: 10_000,
} as const;

/** An error of an overloaded server (`SystemOverloadedError`): a retry of it waits a backoff first. */
export function isOverloadError(error: unknown): boolean {
  return error instanceof MongoError && error.hasErrorLabel(SYSTEM_OVERLOADED_ERROR);
}

/** A retryable overload error: both labels (one does not imply the other). */
export function isRetryableOverloadError(error: unknown): boolean {
  return isOverloadError(error) && (error as MongoError).hasErrorLabel(RETRYABLE_ERROR);
}

/**
 * client-backpressure: `backoff = jitter * min(MAX_BACKOFF, base * 2^attempt)`, `attempt` the
 * retry number (1 for the first retry), `jitter` in [0, 1), `base` the error's positive
 * `baseBackoffMS` when the server sent one, else BASE_BACKOFF.
 */
export function overloadBackoffMS(attempt: number, jitter: number, error: unknown): number {
  const given = (error as { errorResponse?: { baseBackoffMS?: unknown } } | undefined)?.errorResponse
    ?.baseBackoffMS;
  const base = typeof given === 'number' && given > 0 ? given : BACKPRESSURE.baseBackoffMS;
  return jitter * Math.min(BACKPRESSURE.maxBackoffMS, base * 2 ** attempt);
}

/** Which retry setting allows retrying a command on an overload error ('both': runCommand). */
export type OverloadRetry = 'read' | 'write' | 'both' | false;

/**
 * client-backpressure 2.4: a read is retried on overload when retryReads is on, a write when
 * retryWrites is, runCommand only when both are; every command, retryable or not (getMore,
 * updateMany, create, ...), unless its operation opts out.
 */
export function overloadRetryAllowed(
  op: CommandOperation<unknown>,
  settings: { readonly retryReads: boolean; readonly retryWrites?: boolean },
): boolean {
  const kind: OverloadRetry = op.overloadRetry ?? (op.retryable || op.kind);
  const reads = settings.retryReads;
  const writes = settings.retryWrites !== false;
  if (kind === 'read') return reads;
  if (kind === 'write') return writes;
  if (kind === 'both') return reads && writes;
  return false;
}

/**
 * The retries of one operation, under every retry policy at once (client-backpressure
 * "Interaction with Other Retry Policies"): once an overload error was seen, at most `maxRetries`
 * retries in all, CSOT or not; before that one retry (retryable reads/writes), or as many as
 * the deadline allows under CSOT.
 */
export interface RetryCount {
  retries: number;
  overloaded: boolean;
}

export function newRetryCount(): RetryCount {
  return { retries: 0, overloaded: false };
}

/** Counts a retry about to be made after `error`; false when the budget is spent (raise instead). */
export function takeRetry(count: RetryCount, error: unknown, csot: boolean, maxRetries: number): boolean {
  if (isOverloadError(error)) count.overloaded = true;
  const allowed = count.overloaded ? maxRetries : csot ? Number.POSITIVE_INFINITY : 1;
  if (count.retries >= allowed) return false;
  count.retries++;
  return true;
}
