import type { Document } from 'bson';
import {
  CODE_NAMES,
  commandNameOf,
  inTransaction,
  isEndTransaction,
  isNotPrimaryErrorCode,
  RETRYABLE_ERROR_CODES,
  TRANSIENT_TRANSACTION_CODES,
  takesRetryableWriteLabel,
} from './command-kinds.js';

export interface ErrorContext {
  readonly commandName: string;
  readonly command: Document;
  /** The member's current topologyVersion (routers and members both have one). */
  readonly topologyVersion: Document;
}

/**
 * An `ok: 0` reply as mongod 4.4+ builds it: NotPrimary-category errors carry the member's
 * topologyVersion; a retryable error of a retryable write gets `RetryableWriteError`, unless
 * `labels` (failCommand's `errorLabels`) say exactly which labels to send.
 */
export function serverError(
  code: number,
  errmsg: string,
  context: ErrorContext,
  labels?: readonly string[],
): Document {
  const reply: Document = { ok: 0, errmsg, code, codeName: CODE_NAMES[code] ?? `Error${code}` };
  const errorLabels = labels ?? defaultLabels(code, context);
  if (errorLabels.length > 0) reply.errorLabels = [...errorLabels];
  if (isNotPrimaryErrorCode(code)) reply.topologyVersion = context.topologyVersion;
  return reply;
}

/**
 * mongod's labels (errors_labels.cpp): a statement of a transaction gets TransientTransactionError
 * for retryable and transient codes (and no RetryableWriteError); commit/abort get
 * RetryableWriteError for retryable codes and TransientTransactionError for the transient codes
 * (NoSuchTransaction included) without a write concern error; retryable writes get RetryableWriteError.
 */
function defaultLabels(code: number, context: ErrorContext, writeConcernError = false): string[] {
  const name = context.commandName || commandNameOf(context.command);
  if (inTransaction(context.command) && !isEndTransaction(name)) {
    return !writeConcernError && (RETRYABLE_ERROR_CODES.has(code) || TRANSIENT_TRANSACTION_CODES.has(code))
      ? ['TransientTransactionError']
      : [];
  }
  const labels =
    RETRYABLE_ERROR_CODES.has(code) && takesRetryableWriteLabel(name, context.command)
      ? ['RetryableWriteError']
      : [];
  if (isEndTransaction(name) && !writeConcernError && TRANSIENT_TRANSACTION_CODES.has(code))
    labels.push('TransientTransactionError');
  return labels;
}

/**
 * Adds a writeConcernError to a reply of an executed command; a retryable write whose write
 * concern error code is retryable is labelled `RetryableWriteError` (4.4+), unless `labels` say.
 */
export function withWriteConcernError(
  reply: Document,
  writeConcernError: Document,
  context: ErrorContext,
  labels?: readonly string[],
): Document {
  reply.writeConcernError = writeConcernError;
  const code = Number(writeConcernError.code);
  const errorLabels = labels ?? defaultLabels(code, context, true);
  if (errorLabels.length > 0) reply.errorLabels = [...errorLabels];
  return reply;
}
