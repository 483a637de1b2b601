import { MongoNetworkError, MongoServerError } from '../errors.js';
import type { CommandOperation } from '../operations/operation.js';
import type { ExecutionContext } from './context.js';

/** Codes after which a read may be retried once (retryable-reads, "Retryable Error"). */
const RETRYABLE_READ_CODES = new Set([11600, 11602, 10107, 13435, 13436, 189, 91, 7, 6, 89, 9001, 262, 134]);

export function isRetryableReadError(error: unknown): boolean {
  if (error instanceof MongoNetworkError) return true;
  return (
    error instanceof MongoServerError && error.code !== undefined && RETRYABLE_READ_CODES.has(error.code)
  );
}

/** Whether a failed attempt of `op` may be retried once, on a new server selection. */
export function mayRetry(ctx: ExecutionContext, op: CommandOperation<unknown>, error: unknown): boolean {
  if (op.retryable === 'read') return ctx.retryReads && isRetryableReadError(error);
  // Retryable writes need a session and a txnNumber (next issue); until then a write is sent once.
  return false;
}
