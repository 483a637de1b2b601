import type { Document } from 'bson';
import { writeBsonOptions } from '../bson-options.js';
import { MongoInvalidArgumentError, parseServerResponse } from '../errors.js';
import {
  catchError,
  concat,
  concatMap,
  defer,
  EMPTY,
  ignoreElements,
  type Observable,
  of,
  throwError,
} from '../rx.js';
import type { Execute } from './bulk-write.js';
import {
  type BatchLimits,
  type ClientBatchReply,
  type ClientBulkWriteFields,
  clientBulkWriteOperation,
  DEFAULT_LIMITS,
  opSizes,
} from './client-bulk-write-batch.js';
import { type ClientBulkWriteOptions, toClientOps } from './client-bulk-write-models.js';
import { type ClientBulkWriteResult, ClientResultBuilder } from './client-bulk-write-results.js';
import {
  type CursorReply,
  getMoreOperation,
  isZeroCursorId,
  killCursorsOperation,
} from './cursor-commands.js';
import { isUnacknowledged, writeConcernDocument } from './options.js';

/**
 * How the client bulk write reaches the execution path: `execute` runs one command in the
 * operation's scope (one session and deadline for every batch and getMore), and `newBatch` unpins
 * the scope's server so each batch selects one again while its getMores go where its cursor is.
 */
export interface ClientBulkWriteExecution {
  readonly execute: Execute;
  readonly newBatch: () => void;
}

/** The resolved command fields, with bulk-write.md's client-side checks for unacknowledged writes. */
export function clientBulkWriteFields(options: ClientBulkWriteOptions): ClientBulkWriteFields {
  const ordered = options.ordered ?? true;
  const verboseResults = options.verboseResults ?? false;
  const writeConcern = writeConcernDocument(options.writeConcern);
  if (isUnacknowledged(writeConcern)) {
    if (verboseResults)
      throw new MongoInvalidArgumentError('Cannot request unacknowledged write concern and verbose results');
    if (ordered)
      throw new MongoInvalidArgumentError('Cannot request unacknowledged write concern and ordered writes');
  }
  return {
    ordered,
    verboseResults,
    writeConcern,
    bypassDocumentValidation: options.bypassDocumentValidation,
    comment: options.comment,
    let: options.let,
    rawData: options.rawData,
    serializeOptions: writeBsonOptions(options),
  };
}

/**
 * MongoClient.bulkWrite (crud spec bulk-write.md): validates on subscribe, then sends the models
 * batch by batch (each batch one pass through the execution path: retried under its txnNumber when
 * it holds no multi-write), reads each batch's results cursor to the end with getMore, and stops
 * after an ordered batch's write error or at any top-level error.
 */
export function clientBulkWrite(
  execution: ClientBulkWriteExecution,
  models: unknown,
  options: ClientBulkWriteOptions = {},
): Observable<ClientBulkWriteResult> {
  return defer(() => {
    const fields = clientBulkWriteFields(options);
    const ops = toClientOps(models, options);
    const sizes = opSizes(ops, fields.serializeOptions);
    const acknowledged = !isUnacknowledged(fields.writeConcern);
    const results = new ClientResultBuilder(ops, acknowledged, fields.ordered, fields.verboseResults);
    const { execute } = execution;
    let limits: BatchLimits = DEFAULT_LIMITS;
    const step = (start: number): Observable<never> => {
      if (start >= ops.length) return EMPTY;
      execution.newBatch();
      const op = clientBulkWriteOperation(ops, sizes, start, fields, limits);
      return execute(op).pipe(
        concatMap((reply) => {
          limits = reply.limits ?? limits;
          results.addReply(reply);
          const next = start + reply.batch.count;
          const rest = defer(() => (results.stopped ? EMPTY : step(next)));
          return reply.cursor ? concat(drain(execute, reply, results), rest) : rest;
        }),
      );
    };
    return concat(
      step(0).pipe(catchError((error: unknown) => throwError(() => results.stoppedBy(error)))),
      defer(() => of(results.finish())),
    );
  });
}

/**
 * Reads a batch's results cursor to the end (getMore on the server and session of the batch);
 * when a getMore fails the cursor is killed before the error goes on (bulk-write.md "Top-Level
 * Errors"); a failing killCursors does not hide the error that stopped the write.
 */
function drain(execute: Execute, reply: ClientBatchReply, results: ClientResultBuilder): Observable<never> {
  const start = reply.batch.start;
  const take = (cursor: CursorReply): Observable<never> => {
    parseServerResponse('bulkWrite', () => {
      for (const doc of cursor.batch) results.addResult(doc, start);
    });
    if (isZeroCursorId(cursor.id)) return EMPTY;
    return execute(getMoreOperation<Document>(cursor.ns, cursor.id)).pipe(
      catchError((error: unknown) =>
        concat(
          execute(killCursorsOperation(cursor.ns, cursor.id)).pipe(
            ignoreElements(),
            catchError(() => EMPTY),
          ),
          throwError(() => error),
        ),
      ),
      concatMap(take),
    );
  };
  return defer(() => take(reply.cursor as CursorReply));
}
