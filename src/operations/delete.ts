import type { Document } from 'bson';
import type { CommandOperation } from './operation.js';
import { assertDocument, assertHintSupported, copyDefined } from './options.js';
import { singleWriteOperation, type WriteCommandOptions, writeFields } from './write-command.js';

/** crud spec "DeleteOptions". */
export interface DeleteStatementOptions {
  readonly collation?: Document;
  readonly hint?: string | Document;
}
/** Options of `deleteOne`/`deleteMany`. */
export interface DeleteOptions
  extends DeleteStatementOptions,
    Omit<WriteCommandOptions, 'bypassDocumentValidation'> {}

/** What `deleteOne`/`deleteMany` emit. */
export interface DeleteResult {
  readonly acknowledged: boolean;
  readonly deletedCount: number;
}

/** Unacknowledged delete with hint needs server 4.4+ (wire 9). */
export const DELETE_HINT_MIN_WIRE = 9;

/** One `deletes` statement: `{q, limit: 1 | 0, collation?, hint?}` (limit 0 deletes all matches). */
export function deleteStatement(filter: unknown, options: DeleteStatementOptions, many: boolean): Document {
  assertDocument(filter, 'filter');
  return copyDefined({ q: filter, limit: many ? 0 : 1 }, options, ['collation', 'hint']);
}

export function toDeleteResult(reply: Document, acknowledged: boolean): DeleteResult {
  return { acknowledged, deletedCount: acknowledged ? Number(reply.n ?? 0) : 0 };
}

/** deleteOne / deleteMany. */
export function deleteOperation(
  db: string,
  collection: string,
  filter: unknown,
  options: DeleteOptions,
  many: boolean,
): CommandOperation<DeleteResult> {
  const statement = deleteStatement(filter, options, many);
  const fields = writeFields(options);
  return singleWriteOperation('delete', db, collection, statement, fields, toDeleteResult, (server) =>
    assertHintSupported(statement.hint, fields.writeConcern, server, DELETE_HINT_MIN_WIRE),
  );
}
