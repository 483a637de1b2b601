import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { CommandOperation } from './operation.js';
import { assertDocument, copyDefined, type RawDataOptions, type ReadOptions } from './options.js';
import { readCommandOperation } from './read-command.js';

/** Options of `distinct`. */
export interface DistinctOptions extends ReadOptions, RawDataOptions {
  readonly collation?: Document;
  readonly hint?: string | Document;
}

/** crud spec "distinct": `{distinct, key, query}`; emits the array of distinct values. */
export function distinctOperation<V = unknown>(
  db: string,
  collection: string,
  key: string,
  filter: unknown,
  options: DistinctOptions,
): CommandOperation<V[]> {
  if (typeof key !== 'string' || key.length === 0)
    throw new MongoInvalidArgumentError('key must be a non-empty string');
  assertDocument(filter, 'filter');
  const command = copyDefined({ distinct: collection, key, query: filter }, options, ['collation', 'hint']);
  return readCommandOperation(
    db,
    command,
    options,
    (reply) => (Array.isArray(reply.values) ? reply.values : []) as V[],
  );
}
