import type { Document } from 'bson';
import { validateCountArguments } from './count-documents.js';
import type { CommandOperation } from './operation.js';
import { copyDefined, type RawDataOptions, type ReadOptions } from './options.js';
import { readCommandOperation } from './read-command.js';

/** Options of `estimatedDocumentCount`. */
export interface EstimatedDocumentCountOptions extends ReadOptions, RawDataOptions {}

/** crud spec "estimatedDocumentCount": the `count` command with no query (collection metadata). */
export function estimatedDocumentCountOperation(
  db: string,
  collection: string,
  options: EstimatedDocumentCountOptions,
): CommandOperation<number> {
  return readCommandOperation(db, { count: collection }, options, (reply) => Number(reply.n ?? 0));
}

/** The deprecated `count` (crud spec "count"): may be inaccurate on sharded clusters; prefer countDocuments. */
export interface CountOptions extends ReadOptions, RawDataOptions {
  readonly skip?: number;
  readonly limit?: number;
  readonly hint?: string | Document;
  readonly collation?: Document;
}

export function countOperation(
  db: string,
  collection: string,
  filter: unknown,
  options: CountOptions,
): CommandOperation<number> {
  validateCountArguments(filter, options);
  const command = copyDefined({ count: collection, query: filter }, options, [
    'skip',
    'limit',
    'hint',
    'collation',
  ]);
  return readCommandOperation(db, command, options, (reply) => Number(reply.n ?? 0));
}
