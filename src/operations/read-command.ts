import type { Document } from 'bson';
import type { CommandOperation } from './operation.js';
import {
  copyDefined,
  type RawDataOptions,
  type ReadOptions,
  readConcernDocument,
  readPreferenceOf,
  withRawData,
} from './options.js';

/**
 * A read command: `command` plus the fields every read takes (readConcern, comment, maxTimeMS), sent
 * to a server chosen by the read preference and retried once under retryable reads. `rawData` goes
 * on when given and the server is 8.2+ (only the options types of the spec's commands declare it).
 */
export function readCommandOperation<R>(
  db: string,
  command: Document,
  options: ReadOptions & RawDataOptions,
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
    build: (server) => ({ command: withRawData(full, options.rawData, server) }),
    parse,
  };
}
