import { type Document, ObjectId } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { CommandOperation } from './operation.js';
import { throwOnWriteErrors } from './write-errors.js';

export interface InsertOneResult {
  readonly acknowledged: boolean;
  readonly insertedId: unknown;
}

export interface InsertOptions {
  readonly writeConcern?: Document;
  readonly bypassDocumentValidation?: boolean;
  readonly comment?: unknown;
  /** Do not add `_id` to documents that lack one (the server will). */
  readonly forceServerObjectId?: boolean;
}

/** Adds an ObjectId `_id` when missing (crud spec: drivers generate `_id` client-side). */
export function withId<T extends Document>(doc: T, forceServerObjectId = false): T {
  if (forceServerObjectId || doc._id !== undefined) return doc;
  return { _id: new ObjectId(), ...doc };
}

export function assertDocument(doc: unknown, what: string): asserts doc is Document {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new MongoInvalidArgumentError(`${what} must be an object`);
  }
}

/** insertOne as an `insert` command with a `documents` sequence. */
export function insertOneOperation(
  db: string,
  collection: string,
  document: Document,
  options: InsertOptions = {},
): CommandOperation<InsertOneResult> {
  assertDocument(document, 'document');
  const doc = withId(document, options.forceServerObjectId);
  const acknowledged = options.writeConcern?.w !== 0;
  return {
    commandName: 'insert',
    dbName: db,
    kind: 'write',
    retryable: 'write',
    build: () => {
      const command: Document = { insert: collection, ordered: true };
      if (options.writeConcern) command.writeConcern = options.writeConcern;
      if (options.bypassDocumentValidation !== undefined)
        command.bypassDocumentValidation = options.bypassDocumentValidation;
      if (options.comment !== undefined) command.comment = options.comment;
      return {
        command,
        sequences: [{ identifier: 'documents', documents: [doc] }],
        moreToCome: !acknowledged,
      };
    },
    parse: (reply) => {
      if (acknowledged) throwOnWriteErrors(reply);
      return { acknowledged, insertedId: doc._id };
    },
  };
}
