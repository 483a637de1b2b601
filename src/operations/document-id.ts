import { type Document, ObjectId } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { PkFactory } from '../uri/client-options.js';

export type { PkFactory };

/** How inserted documents without `_id` get one (client, db, collection or operation level). */
export interface DocumentIdOptions {
  /** Leave `_id` to the server: nothing is added. */
  readonly forceServerObjectId?: boolean;
  /** Makes the `_id` instead of `new ObjectId()`. */
  readonly pkFactory?: PkFactory;
}

/** Throws MongoInvalidArgumentError unless `value` is a PkFactory (or undefined). */
export function checkPkFactory(value: unknown): PkFactory | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as PkFactory).createPk !== 'function')
    throw new MongoInvalidArgumentError('pkFactory must be an object with a createPk() method');
  return value as PkFactory;
}

/**
 * Adds an `_id` when missing (crud spec: drivers generate `_id` client-side), first as the server
 * would put it: from `pkFactory` when given, else a new ObjectId; none with forceServerObjectId.
 */
export function withId<T extends Document>(doc: T, options: DocumentIdOptions = {}): T {
  if (options.forceServerObjectId || doc._id !== undefined) return doc;
  const _id = options.pkFactory ? options.pkFactory.createPk() : new ObjectId();
  return { _id, ...doc };
}
