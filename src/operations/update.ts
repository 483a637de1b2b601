import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { CommandOperation } from './operation.js';
import { assertDocument, assertDocumentSize, assertHintSupported, copyDefined } from './options.js';
import type { InferIdType } from './schema.js';
import { type Sort, sortDocument } from './sort.js';
import { singleWriteOperation, type WriteCommandOptions, writeFields } from './write-command.js';

/** Statement-level options of update and replace (crud spec "UpdateOptions", "ReplaceOptions"). */
export interface UpdateStatementOptions {
  readonly upsert?: boolean;
  readonly arrayFilters?: readonly Document[];
  readonly collation?: Document;
  readonly hint?: string | Document;
  /** updateOne and replaceOne only (server 8.0+). */
  readonly sort?: Sort;
}

/** Options of `updateOne`/`updateMany`. */
export interface UpdateOptions extends UpdateStatementOptions, WriteCommandOptions {}
/** Options of `replaceOne`. */
export type ReplaceOptions = Omit<UpdateOptions, 'arrayFilters'>;

/** What `updateOne`/`updateMany`/`replaceOne` emit. */
export interface UpdateResult<TSchema = Document> {
  /** False for an unacknowledged (`w: 0`) write: the counts are then 0. */
  readonly acknowledged: boolean;
  /** Documents the filter matched. */
  readonly matchedCount: number;
  /** Documents the update changed (a no-op update matches without modifying). */
  readonly modifiedCount: number;
  /** 1 when an upsert inserted a document, else 0. */
  readonly upsertedCount: number;
  /** The `_id` of the upserted document, or null. */
  readonly upsertedId: InferIdType<TSchema> | null;
}

/** crud spec: an update is a non-empty document whose first key is an operator, or a pipeline. */
export function validateUpdate(update: unknown): void {
  if (Array.isArray(update)) {
    for (const stage of update) assertDocument(stage, 'update pipeline stage');
    return;
  }
  assertDocument(update, 'update');
  const first = Object.keys(update)[0];
  if (first === undefined || !first.startsWith('$')) {
    throw new MongoInvalidArgumentError('update document requires atomic operators');
  }
}

/** crud spec: a replacement must not start with an update operator. */
export function validateReplacement(replacement: unknown): void {
  assertDocument(replacement, 'replacement');
  const first = Object.keys(replacement)[0];
  if (first?.startsWith('$')) {
    throw new MongoInvalidArgumentError('replacement document must not contain atomic operators');
  }
}

/** One `updates` statement: `{q, u, multi?, upsert?, arrayFilters?, collation?, hint?, sort?}`. */
export function updateStatement(
  filter: unknown,
  update: unknown,
  options: UpdateStatementOptions,
  multi: boolean,
): Document {
  assertDocument(filter, 'filter');
  const statement: Document = { q: filter, u: update };
  if (multi) statement.multi = true;
  copyDefined(statement, options, ['upsert', 'arrayFilters', 'collation', 'hint']);
  if (options.sort !== undefined) {
    if (multi) throw new MongoInvalidArgumentError('sort is only supported by updateOne and replaceOne');
    statement.sort = sortDocument(options.sort);
  }
  return statement;
}

/** update -> UpdateResult: n counts matched plus upserted documents (server_write_commands). */
export function toUpdateResult<TSchema>(reply: Document, acknowledged: boolean): UpdateResult<TSchema> {
  if (!acknowledged) {
    return { acknowledged, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
  }
  const upserted = Array.isArray(reply.upserted) ? (reply.upserted as Document[]) : [];
  const n = Number(reply.n ?? 0);
  return {
    acknowledged,
    matchedCount: n - upserted.length,
    modifiedCount: Number(reply.nModified ?? 0),
    upsertedCount: upserted.length,
    upsertedId: upserted.length > 0 ? (upserted[0]._id as InferIdType<TSchema>) : null,
  };
}

/** Unacknowledged update with hint needs server 4.2+ (wire 8). */
const UPDATE_HINT_MIN_WIRE = 8;

function updateLike<TSchema>(
  db: string,
  collection: string,
  statement: Document,
  options: WriteCommandOptions,
  checkSize: boolean,
): CommandOperation<UpdateResult<TSchema>> {
  const fields = writeFields(options);
  return singleWriteOperation(
    'update',
    db,
    collection,
    statement,
    fields,
    toUpdateResult<TSchema>,
    (server) => {
      assertHintSupported(statement.hint, fields.writeConcern, server, UPDATE_HINT_MIN_WIRE);
      if (checkSize) assertDocumentSize(statement.u as Document, server);
    },
  );
}

/** updateOne / updateMany. */
export function updateOperation<TSchema = Document>(
  db: string,
  collection: string,
  filter: unknown,
  update: unknown,
  options: UpdateOptions,
  multi: boolean,
): CommandOperation<UpdateResult<TSchema>> {
  validateUpdate(update);
  return updateLike(db, collection, updateStatement(filter, update, options, multi), options, false);
}

/** replaceOne. */
export function replaceOneOperation<TSchema = Document>(
  db: string,
  collection: string,
  filter: unknown,
  replacement: unknown,
  options: ReplaceOptions,
): CommandOperation<UpdateResult<TSchema>> {
  validateReplacement(replacement);
  return updateLike(db, collection, updateStatement(filter, replacement, options, false), options, true);
}
