import type { Document } from 'bson';
import { MongoError, MongoServerError } from '../errors.js';
import type { ClientBatchReply } from './client-bulk-write-batch.js';
import type { ClientOp } from './client-bulk-write-models.js';

/** bulk-write.md "Result" individual results (no acknowledgement: the whole result carries it). */
export interface ClientInsertOneResult {
  readonly insertedId: unknown;
}
/** The result of one update or replace of `client.bulkWrite` (with `verboseResults`). */
export interface ClientUpdateResult {
  /** Documents the update and replace filters matched. */
  readonly matchedCount: number;
  /** Documents the updates and replacements changed. */
  readonly modifiedCount: number;
  /**
   * Present only when an upsert took place, so an upserted null `_id` is told from no upsert by
   * `'upsertedId' in result` (no extra field: the unified tests match these documents exactly).
   */
  readonly upsertedId?: unknown;
}
/** The result of one delete of `client.bulkWrite` (with `verboseResults`). */
export interface ClientDeleteResult {
  /** Documents deleted. */
  readonly deletedCount: number;
}

/**
 * The outcome of MongoClient.bulkWrite (the official driver's ClientBulkWriteResult). With an
 * unacknowledged write concern `acknowledged` is false and every count is 0. The verbose maps (by
 * model index) are set only when `verboseResults` was true, so their presence says which it was.
 */
export interface ClientBulkWriteResult {
  /** False for an unacknowledged (`w: 0`) bulk write. */
  readonly acknowledged: boolean;
  /** Documents inserted. */
  readonly insertedCount: number;
  /** Documents inserted by upserts. */
  readonly upsertedCount: number;
  readonly matchedCount: number;
  readonly modifiedCount: number;
  readonly deletedCount: number;
  /** With `verboseResults: true`: each insert's result, by model index. */
  readonly insertResults?: ReadonlyMap<number, ClientInsertOneResult>;
  /** With `verboseResults: true`: each update's and replace's result, by model index. */
  readonly updateResults?: ReadonlyMap<number, ClientUpdateResult>;
  /** With `verboseResults: true`: each delete's result, by model index. */
  readonly deleteResults?: ReadonlyMap<number, ClientDeleteResult>;
}

/** A write concern error of one batch (crud spec WriteConcernError: code, message, details). */
export interface ClientWriteConcernError {
  readonly code: number;
  readonly codeName?: string;
  readonly message: string;
  readonly details?: Document;
  readonly errorLabels?: readonly string[];
}

/** One failed write of a client bulk write, at its model index. */
export interface ClientWriteError {
  readonly index: number;
  readonly code: number;
  readonly message: string;
  readonly errInfo?: Document;
}

/**
 * MongoClient.bulkWrite had write errors, write concern errors, or stopped on a top-level error
 * after some results were known (bulk-write.md "Exception"). `cause` (also `error`) is that
 * top-level error, whose code, message and labels this error takes; `partialResult` is set only
 * when at least one write is known to have succeeded.
 */
export class ClientBulkWriteError extends MongoServerError {
  /** The failed writes, keyed by their model's index. */
  readonly writeErrors: ReadonlyMap<number, ClientWriteError>;
  /** The write concern errors of the batches. */
  readonly writeConcernErrors: readonly ClientWriteConcernError[];
  /** What was written before the error (undefined when nothing was acknowledged). */
  readonly partialResult: ClientBulkWriteResult | undefined;

  constructor(fields: {
    writeErrors: ReadonlyMap<number, ClientWriteError>;
    writeConcernErrors: readonly ClientWriteConcernError[];
    partialResult?: ClientBulkWriteResult;
    error?: unknown;
  }) {
    const { error } = fields;
    const firstWrite = fields.writeErrors.values().next().value;
    const first = firstWrite ?? fields.writeConcernErrors[0];
    super(
      error instanceof MongoServerError
        ? { ...error.errorResponse, errorLabels: [...error.errorLabels] }
        : error instanceof MongoError
          ? { errmsg: error.message, errorLabels: [...error.errorLabels] }
          : {
              errmsg: `client bulk write failed: ${first?.message ?? 'write errors'}`,
              code: first?.code,
            },
    );
    if (error !== undefined) this.cause = error;
    this.writeErrors = fields.writeErrors;
    this.writeConcernErrors = fields.writeConcernErrors;
    this.partialResult = fields.partialResult;
  }

  /** The top-level error that stopped the bulk write (bulk-write.md `error`), if any. */
  get error(): unknown {
    return this.cause;
  }
}

/**
 * Merges batch replies and their results cursors into one result, by model index (results do not
 * say what kind of write they answer: the model does).
 */
export class ClientResultBuilder {
  private insertedCount = 0;
  private upsertedCount = 0;
  private matchedCount = 0;
  private modifiedCount = 0;
  private deletedCount = 0;
  private readonly insertResults = new Map<number, ClientInsertOneResult>();
  private readonly updateResults = new Map<number, ClientUpdateResult>();
  private readonly deleteResults = new Map<number, ClientDeleteResult>();
  readonly writeErrors = new Map<number, ClientWriteError>();
  readonly writeConcernErrors: ClientWriteConcernError[] = [];
  /** bulk-write.md: a partial result is reported only when a write is known to have succeeded. */
  private anySucceeded = false;

  constructor(
    private readonly ops: readonly ClientOp[],
    private readonly acknowledged: boolean,
    private readonly ordered: boolean,
    private readonly verbose: boolean,
  ) {}

  /** The summary counts and write concern error of a batch's reply. */
  addReply(reply: ClientBatchReply): void {
    this.insertedCount += reply.nInserted;
    this.upsertedCount += reply.nUpserted;
    this.matchedCount += reply.nMatched;
    this.modifiedCount += reply.nModified;
    this.deletedCount += reply.nDeleted;
    const wce = reply.writeConcernError;
    if (wce) {
      this.writeConcernErrors.push({
        code: Number(wce.code),
        message: String(wce.errmsg ?? ''),
        ...(typeof wce.codeName === 'string' ? { codeName: wce.codeName } : {}),
        ...(wce.errInfo === undefined ? {} : { details: wce.errInfo as Document }),
        ...(Array.isArray(wce.errorLabels) ? { errorLabels: wce.errorLabels as string[] } : {}),
      });
    }
    // Unordered: some write succeeded when fewer failed than were sent; ordered: when none failed
    // (an ordered batch's error at idx > 0 is seen in its cursor, addResult).
    if (reply.nErrors < reply.batch.count && (!this.ordered || reply.nErrors === 0)) this.anySucceeded = true;
  }

  /** One document of a results cursor (`{ ok, idx, n, nModified, upserted, code, errmsg, errInfo }`). */
  addResult(doc: Document, start: number): void {
    const index = start + Number(doc.idx);
    if (Number(doc.ok) !== 1) {
      if (this.ordered && Number(doc.idx) > 0) this.anySucceeded = true;
      this.writeErrors.set(index, {
        index,
        code: Number(doc.code),
        message: String(doc.errmsg ?? ''),
        ...(doc.errInfo === undefined ? {} : { errInfo: doc.errInfo as Document }),
      });
      return;
    }
    if (!this.verbose) return;
    const op = this.ops[index];
    if (!op) return;
    const n = Number(doc.n ?? 0);
    if (op.kind === 'insert') this.insertResults.set(index, { insertedId: op.insertedId });
    else if (op.kind === 'delete') this.deleteResults.set(index, { deletedCount: n });
    else {
      const upserted = doc.upserted as Document | undefined;
      this.updateResults.set(index, {
        matchedCount: n,
        modifiedCount: Number(doc.nModified ?? 0),
        ...(upserted === undefined ? {} : { upsertedId: upserted._id }),
      });
    }
  }

  /** Ordered bulk writes stop after the batch whose cursor held a write error. */
  get stopped(): boolean {
    return this.ordered && this.writeErrors.size > 0;
  }

  result(): ClientBulkWriteResult {
    const summary = {
      acknowledged: this.acknowledged,
      insertedCount: this.insertedCount,
      upsertedCount: this.upsertedCount,
      matchedCount: this.matchedCount,
      modifiedCount: this.modifiedCount,
      deletedCount: this.deletedCount,
    };
    if (!this.verbose) return summary;
    return {
      ...summary,
      insertResults: this.insertResults,
      updateResults: this.updateResults,
      deleteResults: this.deleteResults,
    };
  }

  /** A top-level error: wrapped with what is known when anything is, else as it is (bulk-write.md). */
  stoppedBy(error: unknown): unknown {
    if (!this.anySucceeded && this.writeErrors.size === 0 && this.writeConcernErrors.length === 0)
      return error;
    return this.error(error);
  }

  /** The result, or a ClientBulkWriteError carrying it when any write or write concern failed. */
  finish(): ClientBulkWriteResult {
    if (this.writeErrors.size > 0 || this.writeConcernErrors.length > 0) throw this.error(undefined);
    return this.result();
  }

  private error(error: unknown): ClientBulkWriteError {
    return new ClientBulkWriteError({
      writeErrors: this.writeErrors,
      writeConcernErrors: this.writeConcernErrors,
      partialResult: this.anySucceeded ? this.result() : undefined,
      error,
    });
  }
}
