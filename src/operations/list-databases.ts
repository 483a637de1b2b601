import type { Document } from 'bson';
import type { CommandOperation } from './operation.js';
import { assertDocument, type ReadPreferenceLike } from './options.js';
import { readCommandOperation } from './read-command.js';

/** enumerate-databases spec options. */
export interface ListDatabasesOptions {
  readonly filter?: Document;
  readonly nameOnly?: boolean;
  readonly authorizedDatabases?: boolean;
  readonly comment?: unknown;
  readonly readPreference?: ReadPreferenceLike;
}

/** One database in a `listDatabases` reply. */
export interface DatabaseInfo {
  readonly name: string;
  readonly sizeOnDisk?: number;
  readonly empty?: boolean;
  readonly [key: string]: unknown;
}

/** The reply of `listDatabases`. */
export interface ListDatabasesResult {
  readonly databases: DatabaseInfo[];
  readonly totalSize?: number;
  readonly totalSizeMb?: number;
  readonly ok: number;
}

/** `listDatabases` on admin; emits the reply (databases, totalSize). */
export function listDatabasesOperation(
  options: ListDatabasesOptions = {},
): CommandOperation<ListDatabasesResult> {
  const command: Document = { listDatabases: 1 };
  if (options.filter !== undefined) {
    assertDocument(options.filter, 'filter');
    command.filter = options.filter;
  }
  if (options.nameOnly !== undefined) command.nameOnly = options.nameOnly;
  if (options.authorizedDatabases !== undefined) command.authorizedDatabases = options.authorizedDatabases;
  return readCommandOperation(
    'admin',
    command,
    { comment: options.comment, readPreference: options.readPreference },
    (reply) => ({
      databases: Array.isArray(reply.databases) ? (reply.databases as DatabaseInfo[]) : [],
      totalSize: reply.totalSize,
      totalSizeMb: reply.totalSizeMb,
      ok: Number(reply.ok ?? 1),
    }),
    { readConcern: false },
  );
}
