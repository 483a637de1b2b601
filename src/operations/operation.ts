import type { Document } from 'bson';
import type { DocumentSequence } from '../connection/types.js';

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
}

/**
 * One command of the operations layer: a pure builder and a pure parser.
 * The execution path (src/execute.ts) selects a server, checks out a connection, attaches the
 * session/cluster time/read preference, sends `build()`, and hands the reply to `parse()`.
 */
export interface CommandOperation<TResult> {
  /** First key of the command (`find`, `insert`, ...): for events, retry rules and logs. */
  readonly commandName: string;
  readonly dbName: string;
  /** Reads go to a server chosen by read preference; writes to a writable server. */
  readonly kind: 'read' | 'write';
  /** Retry class under retryable-reads / retryable-writes (false: never retried). */
  readonly retryable: 'read' | 'write' | false;
  /** Read preference for reads (a ReadPreference); undefined means primary. */
  readonly readPreference?: unknown;
  /** Whether the command may take a session (lsid); false for e.g. unacknowledged writes. */
  readonly sessionSupport?: boolean;
  build(server: ServerInfo): BuiltCommand;
  /** Turns the reply into a result or throws a typed error (write errors, ...). `ok: 0` never reaches here. */
  parse(reply: Document, server: ServerInfo): TResult;
}
