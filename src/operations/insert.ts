import type { Document } from 'bson';
import type { BulkWriteOptions } from './bulk-write.js';
import { type DocumentIdOptions, withId } from './document-id.js';
import type { CommandOperation } from './operation.js';
import { assertDocument, assertDocumentSize } from './options.js';
import type { InferIdType } from './schema.js';
import { singleWriteOperation, type WriteCommandOptions, writeFields } from './write-command.js';

/** What `insertOne` emits. */
export interface InsertOneResult<TSchema = Document> {
  readonly acknowledged: boolean;
  readonly insertedId: InferIdType<TSchema>;
}

/** What `insertMany` emits (`insertedIds` by input index). */
export interface InsertManyResult<TSchema = Document> {
  readonly acknowledged: boolean;
  readonly insertedCount: number;
  /** Model index -> `_id`. */
  readonly insertedIds: Readonly<Record<number, InferIdType<TSchema>>>;
}

/** Options of `insertOne`. */
export interface InsertOneOptions extends WriteCommandOptions, DocumentIdOptions {}
/** @deprecated name kept for existing imports: use InsertOneOptions. */
export type InsertOptions = InsertOneOptions;
/** Options of `insertMany`. */
export type InsertManyOptions = BulkWriteOptions;

/** insertOne as an `insert` command with a `documents` sequence. */
export function insertOneOperation<TSchema = Document>(
  db: string,
  collection: string,
  document: unknown,
  options: InsertOneOptions = {},
): CommandOperation<InsertOneResult<TSchema>> {
  assertDocument(document, 'document');
  const doc = withId(document, options);
  return singleWriteOperation(
    'insert',
    db,
    collection,
    doc,
    writeFields(options),
    (_reply, acknowledged) => ({ acknowledged, insertedId: doc._id as InferIdType<TSchema> }),
    (server) => assertDocumentSize(doc, server),
  );
}
