import type { CommandOperation } from './operation.js';
import type { ReadOptions } from './options.js';
import { readCommandOperation } from './read-command.js';

export type EstimatedDocumentCountOptions = ReadOptions;

/** crud spec "estimatedDocumentCount": the `count` command with no query (collection metadata). */
export function estimatedDocumentCountOperation(
  db: string,
  collection: string,
  options: EstimatedDocumentCountOptions,
): CommandOperation<number> {
  return readCommandOperation(db, { count: collection }, options, (reply) => Number(reply.n ?? 0));
}
