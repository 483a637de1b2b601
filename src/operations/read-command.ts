import type { Document } from 'bson';
import type { CommandOperation } from './operation.js';
import { copyDefined, type ReadOptions, readConcernDocument, readPreferenceOf } from './options.js';

/**
 * A read command: `command` plus the fields every read takes (readConcern, comment, maxTimeMS), sent
 * to a server chosen by the read preference and retried once under retryable reads.
 */
export function readCommandOperation<R>(
  db: string,
  command: Document,
  options: ReadOptions,
  parse: (reply: Document) => R,
  fields: { readConcern?: boolean } = { readConcern: true },
): CommandOperation<R> {
  const full: Document = copyDefined({ ...command }, options, ['maxTimeMS', 'comment']);
  const readConcern = fields.readConcern ? readConcernDocument(options.readConcern) : undefined;
  if (readConcern) full.readConcern = readConcern;
  return {
    commandName: Object.keys(command)[0],
    dbName: db,
    kind: 'read',
    retryable: 'read',
    readConcernSupport: fields.readConcern === true,
    readPreference: readPreferenceOf(options.readPreference),
    build: () => ({ command: full }),
    parse,
  };
}
