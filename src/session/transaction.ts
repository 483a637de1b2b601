import type { Document } from 'bson';
import { MongoInvalidArgumentError, MongoTransactionError } from '../errors.js';
import { ReadConcern, type ReadConcernLike } from '../read-concern.js';
import { ReadPreference, type ReadPreferenceLike, readPreferenceOf } from '../read-preference.js';
import {
  isAcknowledged,
  WriteConcern,
  type WriteConcernOptions,
  writeConcernToDocument,
} from '../write-concern.js';

/** The transactions spec's states ("Transaction states"). */
export type TransactionState =
  | 'none'
  | 'starting'
  | 'in_progress'
  | 'committed'
  | 'committed_empty'
  | 'aborted';

/** Options of `session.startTransaction()` and of a session's `defaultTransactionOptions`. */
export interface TransactionOptions {
  readonly readConcern?: ReadConcernLike;
  readonly writeConcern?: WriteConcernOptions;
  readonly readPreference?: ReadPreferenceLike;
  /** The `maxTimeMS` of commitTransaction. */
  readonly maxCommitTimeMS?: number;
}

/** The options a transaction runs with, each resolved: transaction -> session default -> client. */
export interface ResolvedTransactionOptions {
  readonly readConcern: ReadConcern;
  readonly writeConcern: WriteConcern;
  readonly readPreference: ReadPreference;
  readonly maxCommitTimeMS: number | undefined;
}

/** What the client contributes to a transaction's options when neither the call nor the session sets them. */
export interface TransactionDefaults {
  readonly readConcern?: ReadConcernLike;
  readonly writeConcern?: WriteConcernOptions;
  readonly readPreference?: ReadPreferenceLike;
}

const or = <T>(...values: readonly (T | undefined)[]): T | undefined => values.find((v) => v !== undefined);

/**
 * Resolves options per "Transaction Options" (each option from the call, else the session's
 * defaultTransactionOptions, else the client) and refuses an unacknowledged write concern.
 */
export function resolveTransactionOptions(
  given: TransactionOptions | undefined,
  session: TransactionOptions | undefined,
  client: TransactionDefaults,
): ResolvedTransactionOptions {
  const writeConcern = WriteConcern.from(or(given?.writeConcern, session?.writeConcern, client.writeConcern));
  if (!isAcknowledged(writeConcern))
    throw new MongoTransactionError('Transactions do not support unacknowledged write concern');
  const maxCommitTimeMS = or(given?.maxCommitTimeMS, session?.maxCommitTimeMS);
  if (maxCommitTimeMS !== undefined && !(Number.isInteger(maxCommitTimeMS) && maxCommitTimeMS >= 0))
    throw new MongoInvalidArgumentError('maxCommitTimeMS must be a non-negative integer');
  const readPreference =
    readPreferenceOf(or(given?.readPreference, session?.readPreference, client.readPreference)) ??
    ReadPreference.primary;
  return {
    readConcern: ReadConcern.from(or(given?.readConcern, session?.readConcern, client.readConcern)),
    writeConcern,
    readPreference,
    maxCommitTimeMS,
  };
}

/** The transaction's write concern as sent on commit/abort; `retry`: w:majority, wtimeout 10000 unless given. */
export function commitWriteConcern(wc: WriteConcern, retry: boolean): Document | undefined {
  const doc = writeConcernToDocument(wc);
  if (retry) {
    doc.w = 'majority';
    if (doc.wtimeout === undefined) doc.wtimeout = 10_000;
  }
  return Object.keys(doc).length > 0 ? doc : undefined;
}

/** The spec's transitions; each returns the next state or throws the spec's error. */
export const transitions = {
  start(state: TransactionState): TransactionState {
    if (state === 'starting' || state === 'in_progress')
      throw new MongoTransactionError('Transaction already in progress');
    return 'starting';
  },
  /** What commitTransaction does: send the command, or (nothing was sent) only change state. */
  commit(state: TransactionState): { next: TransactionState; send: boolean; retry: boolean } {
    switch (state) {
      case 'none':
        throw new MongoTransactionError('No transaction started');
      case 'aborted':
        throw new MongoTransactionError('Cannot call commitTransaction after calling abortTransaction');
      case 'starting':
      case 'committed_empty':
        return { next: 'committed_empty', send: false, retry: false };
      case 'in_progress':
        return { next: 'committed', send: true, retry: false };
      case 'committed':
        // Committing again re-sends the commit as a retry (w: majority).
        return { next: 'committed', send: true, retry: true };
    }
  },
  abort(state: TransactionState): { next: TransactionState; send: boolean } {
    switch (state) {
      case 'none':
        throw new MongoTransactionError('No transaction started');
      case 'committed':
      case 'committed_empty':
        throw new MongoTransactionError('Cannot call abortTransaction after calling commitTransaction');
      case 'aborted':
        throw new MongoTransactionError('Cannot call abortTransaction twice');
      case 'starting':
        return { next: 'aborted', send: false };
      case 'in_progress':
        return { next: 'aborted', send: true };
    }
  },
} as const;

/** Whether operations of the session run inside the transaction. */
export function isActive(state: TransactionState): boolean {
  return state === 'starting' || state === 'in_progress';
}

/** Ended transactions: the next operation outside a transaction resets the state to none. */
export function isEnded(state: TransactionState): boolean {
  return state === 'committed' || state === 'committed_empty' || state === 'aborted';
}
