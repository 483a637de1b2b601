import type { DeserializeOptions, Document, SerializeOptions } from 'bson';
import type { DocumentSequence } from '../connection/types.js';
import type { ReadPreference } from '../read-preference.js';

/**
 * What an operation needs to know about the server it will run on, to build its command
 * (limits for batching, wire version for feature gates).
 */
export interface ServerInfo {
  readonly address: string;
  readonly maxWireVersion: number;
  readonly maxBsonObjectSize: number;
  readonly maxMessageSizeBytes: number;
  readonly maxWriteBatchSize: number;
  /** 'Standalone' | 'Mongos' | 'RSPrimary' | ... as the SDAM description names it. */
  readonly serverType: string;
}

/** The command an operation sends, with optional kind-1 document sequences (OP_MSG). */
export interface BuiltCommand {
  readonly command: Document;
  readonly sequences?: readonly DocumentSequence[];
  /** Unacknowledged write (w:0): send with moreToCome and do not wait for a reply. */
  readonly moreToCome?: boolean;
  /** BSON encoding of the user's documents (ignoreUndefined, serializeFunctions). */
  readonly serializeOptions?: SerializeOptions;
  /** How the reply is decoded before `parse` (e.g. cursor batches kept as bytes). */
  readonly replyBson?: DeserializeOptions;
  /** The reply's reader hands its bytes back (connection `releasableReply`; REUSABLE_REPLIES). */
  readonly releasableReply?: boolean;
}

/**
 * @internal A find option: whoever reads the cursor copies what it keeps of each document before
 * it takes the next one, so the bytes of a batch can be reused once the batch is emitted (GridFS
 * downloads, whose chunk data is copied as it is checked). A user's find never sets it: its
 * documents may view their batch's bytes (Binary data, raw documents) for as long as they live.
 */
export const REUSABLE_REPLIES: unique symbol = Symbol('mongorx.reusableReplies');

/**
 * Which of the concerns inherited from client -> db -> collection an operation takes; the public
 * API layers only these over the operation's own options, so nothing needs stripping later.
 */
export interface ConcernNeeds {
  readonly readPreference?: boolean;
  readonly readConcern?: boolean;
  readonly writeConcern?: boolean;
}

/** Reads: selected by read preference, with the read concern. */
export const READ_CONCERNS: ConcernNeeds = { readPreference: true, readConcern: true };
/** Writes and DDL: the write concern only. */
export const WRITE_CONCERNS: ConcernNeeds = { writeConcern: true };
/** Commands sent as given (runCommand, killCursors, ...). */
export const NO_CONCERNS: ConcernNeeds = {};

/**
 * One command of the operations layer: data about what it needs, a pure builder and a pure parser.
 * The execution path (src/execute/) selects a server by `kind`/`readPreference`, checks out a
 * connection, lets the scope's session decorate the command, sends `build()`, hands the reply to
 * `parse()`, and retries by `retryable`.
 */
export interface CommandOperation<TResult> {
  /** First key of the command (`find`, `insert`, ...): for events, retry rules and logs. */
  readonly commandName: string;
  readonly dbName: string;
  /** Reads go to a server chosen by read preference; writes to a writable server. */
  readonly kind: 'read' | 'write';
  /** Retry class under retryable-reads / retryable-writes (false: never retried). */
  readonly retryable: 'read' | 'write' | false;
  /**
   * client-backpressure: the setting (retryReads, retryWrites, both) under which the command is
   * retried on a retryable overload error; default `retryable`, else `kind`. false: never.
   */
  readonly overloadRetry?: 'read' | 'write' | 'both' | false;
  /** Read preference for reads; undefined means primary. */
  readonly readPreference?: ReadPreference;
  /**
   * Set on commands sent as given (runCommand): whether `readPreference` was given for this command.
   * A transaction checks such a command's read preference (or its own) whatever the command is.
   */
  readonly readPreferenceExplicit?: boolean;
  /**
   * Whether the command may carry a session (lsid). False for unacknowledged writes (sessions spec:
   * an implicit session is never used for them) and for commands that must not have one.
   */
  readonly sessionSupport?: boolean;
  /** The command takes a read concern (causal consistency adds `afterClusterTime`, snapshot sessions `atClusterTime`). */
  readonly readConcernSupport?: boolean;
  /**
   * A write command that takes a read concern of `afterClusterTime` alone in a causally consistent
   * session (read-write-concern spec, "afterClusterTime": insert, update, delete, findAndModify,
   * bulkWrite, create, createIndexes, drop, dropDatabase, dropIndexes).
   */
  readonly causalWrite?: boolean;
  build(server: ServerInfo): BuiltCommand;
  /** Turns the reply into a result or throws a typed error (write errors, ...). `ok: 0` never reaches here. */
  parse(reply: Document, server: ServerInfo): TResult;
}
