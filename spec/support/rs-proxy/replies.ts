import type { Document } from 'bson';
import {
  CODE_NAMES,
  isNotPrimaryErrorCode,
  RETRYABLE_ERROR_CODES,
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

function defaultLabels(code: number, context: ErrorContext): string[] {
  return RETRYABLE_ERROR_CODES.has(code) && takesRetryableWriteLabel(context.commandName, context.command)
    ? ['RetryableWriteError']
    : [];
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
  const errorLabels = labels ?? defaultLabels(code, context);
  if (errorLabels.length > 0) reply.errorLabels = [...errorLabels];
  return reply;
}
