import type { Document } from 'bson';
import { MongoBulkWriteError, MongoNetworkError, MongoServerError, parseServerResponse } from '../errors.js';
import { catchError, concat, concatMap, defer, EMPTY, map, type Observable, of, throwError } from '../rx.js';
import {
  BulkResultBuilder,
  type BulkWriteOptions,
  type BulkWriteResult,
  type Execute,
  groupStatements,
  insertStatements,
  toStatements,
  writeBatchOperation,
} from './bulk-write.js';
import type { InsertManyOptions, InsertManyResult } from './insert.js';
import { isUnacknowledged } from './options.js';
import type { InferIdType } from './schema.js';
import { type WriteCommandType, writeFields } from './write-command.js';

// Orchestration of multi-command writes: each batch is one pass through the injected execution
// path, so the execution scope (session, txnNumber per batch, deadline) covers every batch.

/**
 * Collection-level bulk write: validates on subscribe, then sends each group batch by batch (each
 * batch one pass through the execution path), stopping early when ordered and a write failed.
 */
export function bulkWrite(
  execute: Execute,
  db: string,
  collection: string,
  models: readonly unknown[],
  options: BulkWriteOptions = {},
): Observable<BulkWriteResult> {
  return runStatements(execute, db, collection, () => toStatements(models, options), options);
}

/** The statements (made on subscribe) sent group by group, batch by batch. */
function runStatements(
  execute: Execute,
  db: string,
  collection: string,
  statements: () => { type: WriteCommandType; statement: Document }[],
  options: BulkWriteOptions,
): Observable<BulkWriteResult> {
  return defer(() => {
    const ordered = options.ordered ?? true;
    const fields = writeFields(options, ordered);
    const groups = groupStatements(statements(), ordered, fields.serializeOptions);
    const results = new BulkResultBuilder(!isUnacknowledged(fields.writeConcern), ordered);
    const step = (g: number, offset: number): Observable<never> => {
      if (g >= groups.length) return EMPTY;
      const group = groups[g];
      return execute(writeBatchOperation(db, collection, group, offset, fields)).pipe(
        concatMap((outcome) => {
          parseServerResponse(group.type, () => results.merge(group, offset, outcome));
          if (results.stopped) return EMPTY;
          const next = offset + outcome.count;
          return next < group.statements.length ? step(g, next) : step(g + 1, 0);
        }),
      );
    };
    // A batch's command error ends the bulk write in a MongoBulkWriteError with what was done before
    // it; a network error keeps its class (as the official driver: a timeout stays a timeout) and
    // carries the same partial result as `partialResult`.
    const partial = (error: unknown): Observable<never> => {
      if (error instanceof MongoNetworkError) error.partialResult = results.result();
      return throwError(() =>
        error instanceof MongoServerError && !(error instanceof MongoBulkWriteError)
          ? results.stoppedBy(error)
          : error,
      );
    };
    return concat(
      step(0, 0).pipe(catchError(partial)),
      defer(() => of(results.finish())),
    );
  });
}

/** insertMany: a bulk write of inserts (batched by the server's limits); write errors give MongoBulkWriteError. */
export function insertMany<TSchema = Document>(
  execute: Execute,
  db: string,
  collection: string,
  documents: readonly unknown[],
  options: InsertManyOptions = {},
): Observable<InsertManyResult<TSchema>> {
  return runStatements(execute, db, collection, () => insertStatements(documents, options), options).pipe(
    map((r) => ({
      acknowledged: r.acknowledged,
      insertedCount: r.insertedCount,
      insertedIds: r.insertedIds as Record<number, InferIdType<TSchema>>,
    })),
  );
}
