import { type Document, ObjectId } from 'bson';
import { map, type Observable } from 'rxjs';
import type { BulkWriteOptions, Execute } from './bulk-write.js';
import { bulkWrite } from './bulk-write.js';
import type { CommandOperation } from './operation.js';
import { assertDocument, assertDocumentSize } from './options.js';
import type { InferIdType } from './schema.js';
import { singleWriteOperation, type WriteCommandOptions, writeFields } from './write-command.js';

export interface InsertOneResult<TSchema = Document> {
  readonly acknowledged: boolean;
  readonly insertedId: InferIdType<TSchema>;
}

export interface InsertManyResult<TSchema = Document> {
  readonly acknowledged: boolean;
  readonly insertedCount: number;
  /** Model index -> `_id`. */
  readonly insertedIds: Readonly<Record<number, InferIdType<TSchema>>>;
}

export interface InsertOneOptions extends WriteCommandOptions {
  /** Do not add `_id` to documents that lack one (the server will). */
  readonly forceServerObjectId?: boolean;
}
/** @deprecated name kept for existing imports: use InsertOneOptions. */
export type InsertOptions = InsertOneOptions;
export type InsertManyOptions = BulkWriteOptions;

/** Adds an ObjectId `_id` when missing (crud spec: drivers generate `_id` client-side), first as the server would put it. */
export function withId<T extends Document>(doc: T, forceServerObjectId = false): T {
  if (forceServerObjectId || doc._id !== undefined) return doc;
  return { _id: new ObjectId(), ...doc };
}

/** insertOne as an `insert` command with a `documents` sequence. */
export function insertOneOperation<TSchema = Document>(
  db: string,
  collection: string,
  document: unknown,
  options: InsertOneOptions = {},
): CommandOperation<InsertOneResult<TSchema>> {
  assertDocument(document, 'document');
  const doc = withId(document, options.forceServerObjectId);
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

/** insertMany: a bulk write of inserts (batched by the server's limits); write errors give MongoBulkWriteError. */
export function insertMany<TSchema = Document>(
  execute: Execute,
  db: string,
  collection: string,
  documents: readonly unknown[],
  options: InsertManyOptions = {},
): Observable<InsertManyResult<TSchema>> {
  const models = Array.isArray(documents)
    ? documents.map((document) => ({ insertOne: { document } }))
    : documents;
  return bulkWrite(execute, db, collection, models, options).pipe(
    map((r) => ({
      acknowledged: r.acknowledged,
      insertedCount: r.insertedCount,
      insertedIds: r.insertedIds as Record<number, InferIdType<TSchema>>,
    })),
  );
}
