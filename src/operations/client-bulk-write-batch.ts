import { calculateObjectSize, type Document, type SerializeOptions } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { ClientOp } from './client-bulk-write-models.js';
import { type CursorReply, parseCursorReply } from './cursor-commands.js';
import type { CommandOperation, ServerInfo } from './operation.js';
import { copyDefined, isUnacknowledged, withRawData } from './options.js';

/** bulk-write.md "Total Message Size": room left for the OP_MSG header and command-agnostic fields. */
export const MESSAGE_OVERHEAD_BYTES = 1000;

/** The limits batching reads from the selected server's hello. */
export type BatchLimits = Pick<ServerInfo, 'maxMessageSizeBytes' | 'maxWriteBatchSize'>;

/** Used to decide the first batch's retryability before any server is known (what every server reports). */
export const DEFAULT_LIMITS: BatchLimits = { maxMessageSizeBytes: 48_000_000, maxWriteBatchSize: 100_000 };

/** Command-level fields of `bulkWrite`, resolved (writeConcern as the wire document). */
export interface ClientBulkWriteFields {
  readonly ordered: boolean;
  readonly verboseResults: boolean;
  readonly writeConcern?: Document;
  readonly bypassDocumentValidation?: boolean;
  readonly comment?: unknown;
  readonly let?: Document;
  /** Sent only to 8.2+ servers (see RawDataOptions). */
  readonly rawData?: boolean;
  readonly serializeOptions?: SerializeOptions;
}

/** One `bulkWrite` command's share of the models: `ops[start, start + count)`. */
export interface ClientBatch {
  readonly start: number;
  readonly count: number;
  readonly ops: Document[];
  /** Only the namespaces this batch's ops name, each once (bulk-write.md "Command Batching"). */
  readonly nsInfo: Document[];
  /** An updateMany/deleteMany is in it: not retryable. */
  readonly multi: boolean;
}

/** `{ bulkWrite: 1, errorsOnly, ordered, ... }` without its document sequences. */
export function bulkWriteCommand(fields: ClientBulkWriteFields): Document {
  const command: Document = { bulkWrite: 1, errorsOnly: !fields.verboseResults, ordered: fields.ordered };
  copyDefined(command, fields, ['bypassDocumentValidation', 'comment', 'let', 'writeConcern']);
  return command;
}

/** The `ops` entry: its kind naming the index of its namespace in `nsInfo`, first. */
function opDocument(op: ClientOp, nsIndex: number): Document {
  return { [op.kind]: nsIndex, ...op.body };
}

/**
 * BSON size of each op's `ops` entry (the nsInfo index is an int32 whatever its value, so the size
 * does not depend on the batch it lands in).
 */
export function opSizes(ops: readonly ClientOp[], serializeOptions?: SerializeOptions): number[] {
  return ops.map((op) => calculateObjectSize(opDocument(op, 0), serializeOptions));
}

/**
 * The batch starting at `start` (bulk-write.md "Command Batching"): at most maxWriteBatchSize ops,
 * and the command document plus both sequences within maxMessageSizeBytes - 1000. At most `cap` ops
 * when given (a batch planned for a retryability decision is never exceeded). Throws when not even
 * one op fits.
 */
export function planBatch(
  ops: readonly ClientOp[],
  sizes: readonly number[],
  start: number,
  limits: BatchLimits,
  commandBytes: number,
  cap = Number.POSITIVE_INFINITY,
): ClientBatch {
  const budget = limits.maxMessageSizeBytes - (MESSAGE_OVERHEAD_BYTES + commandBytes);
  const max = Math.min(limits.maxWriteBatchSize, cap);
  const nsIndex = new Map<string, number>();
  const batchOps: Document[] = [];
  const nsInfo: Document[] = [];
  let bytes = 0;
  let multi = false;
  for (let i = start; i < ops.length && batchOps.length < max; i++) {
    const op = ops[i];
    let added = sizes[i];
    const known = nsIndex.get(op.namespace);
    const nsDoc = known === undefined ? { ns: op.namespace } : undefined;
    if (nsDoc) added += calculateObjectSize(nsDoc);
    if (bytes + added > budget) break;
    bytes += added;
    let index = known;
    if (nsDoc) {
      index = nsInfo.length;
      nsIndex.set(op.namespace, index);
      nsInfo.push(nsDoc);
    }
    batchOps.push(opDocument(op, index as number));
    multi ||= op.multi;
  }
  if (batchOps.length === 0) {
    throw new MongoInvalidArgumentError(
      `model ${start} does not fit in a bulkWrite command (maxMessageSizeBytes ${limits.maxMessageSizeBytes})`,
    );
  }
  return { start, count: batchOps.length, ops: batchOps, nsInfo, multi };
}

/** The summary of one `bulkWrite` reply, with its results cursor (empty for w:0). */
export interface ClientBatchReply {
  readonly batch: ClientBatch;
  /** The limits of the server that answered (the next batch decides its retryability with them). */
  readonly limits?: BatchLimits;
  readonly nErrors: number;
  readonly nInserted: number;
  readonly nUpserted: number;
  readonly nMatched: number;
  readonly nModified: number;
  readonly nDeleted: number;
  readonly writeConcernError?: Document;
  readonly cursor?: CursorReply<Document>;
}

const count = (reply: Document, key: string): number => Number(reply[key] ?? 0);

/** Reads a `bulkWrite` reply (bulk-write.md "Handling the bulkWrite Server Response"). */
export function parseBulkWriteReply(
  reply: Document,
  batch: ClientBatch,
  acknowledged: boolean,
): ClientBatchReply {
  if (!acknowledged) {
    return { batch, nErrors: 0, nInserted: 0, nUpserted: 0, nMatched: 0, nModified: 0, nDeleted: 0 };
  }
  return {
    batch,
    nErrors: count(reply, 'nErrors'),
    nInserted: count(reply, 'nInserted'),
    nUpserted: count(reply, 'nUpserted'),
    nMatched: count(reply, 'nMatched'),
    nModified: count(reply, 'nModified'),
    nDeleted: count(reply, 'nDeleted'),
    writeConcernError: reply.writeConcernError as Document | undefined,
    cursor: parseCursorReply<Document>(reply),
  };
}

/**
 * One `bulkWrite` batch on admin. Its retryability is decided before a server is chosen, from the
 * batch `assumed` limits give (the previous batch's server's, or DEFAULT_LIMITS); the batch actually
 * sent is planned with the selected server's limits, never longer than that one, so a batch called
 * retryable holds no multi-write. Planned once: a retry sends the same ops under the same txnNumber.
 */
export function clientBulkWriteOperation(
  ops: readonly ClientOp[],
  sizes: readonly number[],
  start: number,
  fields: ClientBulkWriteFields,
  assumed: BatchLimits,
): CommandOperation<ClientBatchReply> {
  const command = bulkWriteCommand(fields);
  const commandBytes = calculateObjectSize(command);
  const planned = planBatch(ops, sizes, start, assumed, commandBytes);
  const acknowledged = !isUnacknowledged(fields.writeConcern);
  let sent: ClientBatch | undefined;
  return {
    commandName: 'bulkWrite',
    dbName: 'admin',
    kind: 'write',
    retryable: planned.multi ? false : 'write',
    sessionSupport: acknowledged,
    causalWrite: true,
    build: (server) => {
      sent ??= planBatch(ops, sizes, start, server, commandBytes, planned.count);
      return {
        command: withRawData({ ...command }, fields.rawData, server),
        sequences: [
          { identifier: 'ops', documents: sent.ops },
          { identifier: 'nsInfo', documents: sent.nsInfo },
        ],
        moreToCome: !acknowledged,
        serializeOptions: fields.serializeOptions,
      };
    },
    parse: (reply, server) => ({
      ...parseBulkWriteReply(reply, sent ?? planned, acknowledged),
      limits: {
        maxMessageSizeBytes: server.maxMessageSizeBytes,
        maxWriteBatchSize: server.maxWriteBatchSize,
      },
    }),
  };
}
