// How a MongoDB 7.0 server classifies commands (not FerretDB translations: these are the rules a
// real replica-set member applies, which the proxy plays in front of a standalone).
import type { Document } from 'bson';

export const HELLO_COMMANDS: ReadonlySet<string> = new Set(['hello', 'isMaster', 'ismaster']);

/** Commands a secondary refuses with NotWritablePrimary (mongod's `secondaryAllowed: kNever`). */
const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
  'create',
  'drop',
  'dropDatabase',
  'createIndexes',
  'dropIndexes',
  'renameCollection',
  'collMod',
  'convertToCapped',
  'cloneCollectionAsCapped',
  'commitTransaction',
  'abortTransaction',
  'replSetStepDown',
  'createUser',
  'dropUser',
  'updateUser',
  'createRole',
  'dropRole',
]);

/** Reads a secondary serves only with secondaryOk (`kOptIn`); everything else is `kAlways`. */
const OPT_IN_READS: ReadonlySet<string> = new Set([
  'find',
  'aggregate',
  'count',
  'distinct',
  'listCollections',
  'listIndexes',
  'listDatabases',
  'dbStats',
  'collStats',
  'explain',
  'mapReduce',
  'dataSize',
]);

/** Writes that are retryable with a txnNumber (retryable writes spec, "Supported Write Operations"). */
const RETRYABLE_WRITE_COMMANDS: ReadonlySet<string> = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
]);

/** Error codes a retryable write may be retried on (retryable writes spec). */
export const RETRYABLE_ERROR_CODES: ReadonlySet<number> = new Set([
  6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436,
]);

/** "NotPrimaryError" codes: mongod 4.4+ adds its topologyVersion to these errors (shutdown errors get none). */
const NOT_PRIMARY_ERROR_CODES: ReadonlySet<number> = new Set([10107, 13435, 13436, 11602, 189]);

export const CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'InternalError',
  2: 'BadValue',
  6: 'HostUnreachable',
  7: 'HostNotFound',
  9: 'FailedToParse',
  11: 'UserNotFound',
  18: 'AuthenticationFailed',
  20: 'IllegalOperation',
  24: 'LockTimeout',
  43: 'CursorNotFound',
  50: 'MaxTimeMSExpired',
  59: 'CommandNotFound',
  64: 'WriteConcernFailed',
  89: 'NetworkTimeout',
  91: 'ShutdownInProgress',
  100: 'UnsatisfiableWriteConcern',
  112: 'WriteConflict',
  115: 'CommandNotSupported',
  133: 'FailedToSatisfyReadPreference',
  134: 'ReadConcernMajorityNotAvailableYet',
  175: 'QueryPlanKilled',
  189: 'PrimarySteppedDown',
  225: 'TransactionTooOld',
  239: 'SnapshotTooOld',
  246: 'SnapshotUnavailable',
  251: 'NoSuchTransaction',
  256: 'TransactionCommitted',
  267: 'PreparedTransactionInProgress',
  262: 'ExceededTimeLimit',
  263: 'OperationNotSupportedInTransaction',
  280: 'ChangeStreamFatalError',
  352: 'UnsupportedOpQueryCommand',
  9001: 'SocketException',
  10107: 'NotWritablePrimary',
  11000: 'DuplicateKey',
  11600: 'InterruptedAtShutdown',
  11601: 'Interrupted',
  11602: 'InterruptedDueToReplStateChange',
  13435: 'NotPrimaryNoSecondaryOk',
  13436: 'NotPrimaryOrSecondary',
  50915: 'BackupCursorOpenConflictWithCheckpoint',
};

export function commandNameOf(command: Document): string {
  return Object.keys(command)[0] ?? '';
}

/** `aggregate` with `$out`/`$merge` writes; other aggregates read. */
function aggregateWrites(command: Document): boolean {
  const pipeline: unknown = command.pipeline;
  if (!Array.isArray(pipeline)) return false;
  const last: unknown = pipeline[pipeline.length - 1];
  return typeof last === 'object' && last !== null && ('$out' in last || '$merge' in last);
}

export function isWriteCommand(name: string, command: Document): boolean {
  return WRITE_COMMANDS.has(name) || (name === 'aggregate' && aggregateWrites(command));
}

export function isOptInRead(name: string): boolean {
  return OPT_IN_READS.has(name);
}

/** In a multi-statement transaction (`autocommit: false`). */
export function inTransaction(command: Document): boolean {
  return command.autocommit === false;
}

/** commitTransaction / abortTransaction: they end a transaction, whose state the proxy keeps. */
export function isEndTransaction(name: string): boolean {
  return name === 'commitTransaction' || name === 'abortTransaction';
}

/**
 * Codes mongod labels TransientTransactionError on a statement of a transaction (besides the
 * retryable codes): WriteConflict, LockTimeout, SnapshotTooOld, SnapshotUnavailable,
 * PreparedTransactionInProgress, NoSuchTransaction (errors_labels.cpp, isTransientTransactionError).
 */
export const TRANSIENT_TRANSACTION_CODES: ReadonlySet<number> = new Set([112, 24, 239, 246, 267, 251]);

/** A retryable write statement: a write command with a txnNumber, outside a transaction. */
export function isRetryableWrite(name: string, command: Document): boolean {
  return RETRYABLE_WRITE_COMMANDS.has(name) && command.txnNumber !== undefined && !inTransaction(command);
}

/** What mongod 4.4+ labels RetryableWriteError: retryable writes, and commit/abort of a transaction. */
export function takesRetryableWriteLabel(name: string, command: Document): boolean {
  return isRetryableWrite(name, command) || name === 'commitTransaction' || name === 'abortTransaction';
}

export function isNotPrimaryErrorCode(code: number): boolean {
  return NOT_PRIMARY_ERROR_CODES.has(code);
}

/**
 * secondaryOk for an OP_MSG: a `$readPreference` other than primary (OP_MSG spec, "Global Command
 * Arguments"); for OP_QUERY, the SecondaryOk flag bit.
 */
export function secondaryOk(command: Document, opQueryFlags: number | undefined): boolean {
  if (opQueryFlags !== undefined) return (opQueryFlags & 4) !== 0;
  const pref: unknown = command.$readPreference;
  if (typeof pref !== 'object' || pref === null) return false;
  return (pref as Document).mode !== 'primary';
}
