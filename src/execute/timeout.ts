// client-side-operations-timeout (CSOT): the pure rules of one operation's deadline. The scope
// carries the deadline; these functions say what it means for a command and for an error.
import {
  MongoError,
  MongoNetworkTimeoutError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoWaitQueueTimeoutError,
} from '../errors.js';

/** CSOT "MaxTimeMSExpired": matched by code only, never by name or message ("Error Transformations"). */
export const MAX_TIME_MS_EXPIRED = 50;

/** `timeoutMS` must be a non-negative integer (CSOT "timeoutMS": drivers MUST error on a negative value). */
export function isValidTimeoutMS(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * CSOT "Command Execution": the `maxTimeMS` a command carries, the remaining time minus the
 * server's minimum RTT. When that leaves nothing, the command must not be sent at all (it would
 * most likely end in a socket timeout and churn connections): a timeout error is thrown instead.
 */
export function maxTimeMSFor(deadline: number, now: number, minRoundTripTime: number): number {
  const remaining = deadline - now;
  if (remaining <= minRoundTripTime) {
    throw new MongoOperationTimeoutError(
      `Operation timed out before sending: ${Math.max(0, remaining)} ms left, server minimum RTT ${minRoundTripTime} ms`,
    );
  }
  return Math.max(1, Math.floor(remaining - minRoundTripTime));
}

/** Tailable awaitData getMore under CSOT: `min(maxAwaitTimeMS, remaining - minRTT)`. */
export function awaitMaxTimeMSFor(
  maxAwaitTimeMS: number,
  deadline: number | undefined,
  now: number,
  minRoundTripTime: number,
): number {
  if (deadline === undefined) return maxAwaitTimeMS;
  return Math.min(maxAwaitTimeMS, maxTimeMSFor(deadline, now, minRoundTripTime));
}

/** A server error (top level, a write error, a write concern error) whose code is MaxTimeMSExpired. */
function isMaxTimeMSExpired(error: MongoServerError): boolean {
  if (error.code === MAX_TIME_MS_EXPIRED) return true;
  const reply = error.errorResponse;
  const wce = reply.writeConcernError as { code?: unknown } | undefined;
  if (wce?.code === MAX_TIME_MS_EXPIRED) return true;
  const writeErrors = (error as { writeErrors?: readonly { code?: unknown }[] }).writeErrors;
  return Array.isArray(writeErrors) && writeErrors.some((e) => e.code === MAX_TIME_MS_EXPIRED);
}

/**
 * CSOT "Errors" and "Error Transformations" for an operation that runs with `timeoutMS`: a socket
 * timeout and a server's MaxTimeMSExpired always become MongoOperationTimeoutError; the errors of
 * server selection and check-out do when the deadline was what stopped them. The original error is
 * the new one's `cause`. Anything else is returned as it is.
 */
export function asOperationTimeout(error: unknown, deadline: number | undefined, now: number): unknown {
  if (error instanceof MongoOperationTimeoutError || !(error instanceof MongoError)) return error;
  if (error instanceof MongoNetworkTimeoutError) {
    return new MongoOperationTimeoutError('Operation timed out reading the reply', { cause: error });
  }
  if (error instanceof MongoServerError && isMaxTimeMSExpired(error)) {
    return new MongoOperationTimeoutError('The server reported MaxTimeMSExpired', { cause: error });
  }
  const expired = deadline !== undefined && now >= deadline;
  if (
    expired &&
    (error instanceof MongoServerSelectionError || error instanceof MongoWaitQueueTimeoutError)
  ) {
    return new MongoOperationTimeoutError('Operation timed out', { cause: error });
  }
  return error;
}
