import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import { parseCursorReply } from './cursor-commands.js';
import type { CommandOperation } from './operation.js';
import {
  assertDocument,
  assertInteger,
  copyDefined,
  type RawDataOptions,
  type ReadOptions,
} from './options.js';
import { readCommandOperation } from './read-command.js';

/** Options of `countDocuments` (`skip`, `limit`, `hint`, ...). */
export interface CountDocumentsOptions extends ReadOptions, RawDataOptions {
  readonly skip?: number;
  readonly limit?: number;
  readonly collation?: Document;
  readonly hint?: string | Document;
}

/** crud spec "countDocuments": `$match`, then `$skip`/`$limit` when given, then a `$group` that counts. */
export function countDocumentsPipeline(filter: Document, options: CountDocumentsOptions): Document[] {
  const pipeline: Document[] = [{ $match: filter }];
  if (options.skip !== undefined) pipeline.push({ $skip: options.skip });
  if (options.limit !== undefined) pipeline.push({ $limit: options.limit });
  pipeline.push({ $group: { _id: 1, n: { $sum: 1 } } });
  return pipeline;
}

/** A document filter and integer skip/limit (countDocuments, count). */
export function validateCountArguments(
  filter: unknown,
  options: { skip?: number; limit?: number },
): asserts filter is Document {
  assertDocument(filter, 'filter');
  assertInteger(options.skip, 'skip');
  assertInteger(options.limit, 'limit');
}

export function countDocumentsOperation(
  db: string,
  collection: string,
  filter: unknown,
  options: CountDocumentsOptions,
): CommandOperation<number> {
  validateCountArguments(filter, options);
  if ((options.skip ?? 0) < 0 || (options.limit ?? 0) < 0) {
    throw new MongoInvalidArgumentError('skip and limit must not be negative');
  }
  const command = copyDefined(
    { aggregate: collection, pipeline: countDocumentsPipeline(filter, options), cursor: {} },
    options,
    ['collation', 'hint'],
  );
  return readCommandOperation(db, command, options, (reply) => {
    const first = parseCursorReply<Document>(reply).batch[0];
    return first ? Number(first.n) : 0;
  });
}
