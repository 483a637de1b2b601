import type { Document, SerializeOptions } from 'bson';
import { type BsonOptions, writeBsonOptions } from '../bson-options.js';
import { commandNameOf } from '../connection/command-name.js';
import type { BuiltCommand, CommandOperation, ServerInfo } from './operation.js';
import {
  copyDefined,
  isUnacknowledged,
  RAW_DATA_MIN_WIRE,
  type RawDataOptions,
  type WriteConcernLike,
  withRawData,
  writeConcernDocument,
} from './options.js';
import { throwOnWriteErrors } from './write-errors.js';

/** The three write commands of server_write_commands. */
export type WriteCommandType = 'insert' | 'update' | 'delete';

/** The OP_MSG document sequence each write command carries its statements in. */
export const STATEMENT_FIELD: Readonly<Record<WriteCommandType, string>> = {
  insert: 'documents',
  update: 'updates',
  delete: 'deletes',
};

/** Command-level fields of a write command, already resolved (writeConcern as the wire document). */
export interface WriteCommandFields {
  readonly ordered?: boolean;
  readonly writeConcern?: Document;
  readonly bypassDocumentValidation?: boolean;
  readonly comment?: unknown;
  readonly let?: Document;
  /** Sent only to 8.2+ servers (see RawDataOptions). */
  readonly rawData?: boolean;
  /** The user's BSON encoding options (ignoreUndefined, serializeFunctions). */
  readonly serializeOptions?: SerializeOptions;
}

/** Options users pass to a write (operation level); writeConcern in either naming. */
export interface WriteCommandOptions extends BsonOptions, RawDataOptions {
  readonly writeConcern?: WriteConcernLike;
  readonly bypassDocumentValidation?: boolean;
  readonly comment?: unknown;
  readonly let?: Document;
}

/** The command-level fields of user options, with the write concern validated into its wire form. */
export function writeFields(options: WriteCommandOptions, ordered = true): WriteCommandFields {
  return {
    ordered,
    writeConcern: writeConcernDocument(options.writeConcern),
    bypassDocumentValidation: options.bypassDocumentValidation,
    comment: options.comment,
    let: options.let,
    rawData: options.rawData,
    serializeOptions: writeBsonOptions(options),
  };
}

/**
 * `{insert|update|delete: coll, ordered, ...}` with the statements as a kind-1 sequence; `rawData`
 * only for a server that takes it (8.2+).
 */
export function buildWriteCommand(
  type: WriteCommandType,
  collection: string,
  fields: WriteCommandFields,
  statements: readonly Document[],
  server: ServerInfo,
): BuiltCommand {
  const command: Document = { [type]: collection, ordered: fields.ordered ?? true };
  copyDefined(command, fields, ['writeConcern', 'comment', 'let']);
  if (fields.rawData !== undefined && server.maxWireVersion >= RAW_DATA_MIN_WIRE)
    command.rawData = fields.rawData;
  // bypassDocumentValidation means nothing to delete; an explicit false is sent as given (crud spec).
  if (type !== 'delete' && fields.bypassDocumentValidation !== undefined)
    command.bypassDocumentValidation = fields.bypassDocumentValidation;
  return {
    command,
    sequences: [{ identifier: STATEMENT_FIELD[type], documents: statements }],
    moreToCome: isUnacknowledged(fields.writeConcern),
    serializeOptions: fields.serializeOptions,
  };
}

/**
 * A write command with one statement (insertOne, updateOne, deleteMany, ...). The first write error
 * becomes a MongoServerError, a write concern error a MongoWriteConcernError.
 */
export function singleWriteOperation<R>(
  type: WriteCommandType,
  db: string,
  collection: string,
  statement: Document,
  fields: WriteCommandFields,
  toResult: (reply: Document, acknowledged: boolean) => R,
  check?: (server: ServerInfo) => void,
): CommandOperation<R> {
  const acknowledged = !isUnacknowledged(fields.writeConcern);
  return {
    commandName: type,
    dbName: db,
    kind: 'write',
    // Multi-document updates and deletes are not retryable (retryable-writes spec).
    retryable: statement.multi === true || statement.limit === 0 ? false : 'write',
    sessionSupport: acknowledged,
    causalWrite: true,
    build: (server) => {
      check?.(server);
      return buildWriteCommand(type, collection, fields, [statement], server);
    },
    parse: (reply) => {
      if (acknowledged) throwOnWriteErrors(reply);
      return toResult(reply, acknowledged);
    },
  };
}

/** The DDL commands that take `afterClusterTime` in a causally consistent session. */
const CAUSAL_DDL = new Set(['create', 'createIndexes', 'drop', 'dropDatabase', 'dropIndexes']);

/** Options of commands that change collections, indexes or databases. */
export interface DdlOptions {
  readonly writeConcern?: WriteConcernLike;
  readonly comment?: unknown;
  readonly maxTimeMS?: number;
  /** createIndexes only (replica sets, 4.4+). */
  readonly commitQuorum?: number | string;
}

/** The DDL commands of the index-management spec that take `rawData` (createIndexes, dropIndexes). */
export interface RawDataDdlOptions extends DdlOptions, RawDataOptions {}

/**
 * A command that changes collections, indexes or databases (create, drop, createIndexes,
 * renameCollection, ...): writeConcern, comment, maxTimeMS added (and `rawData` for an 8.2+ server);
 * sent to the primary, never retried.
 */
export function ddlOperation<R>(
  db: string,
  command: Document,
  options: RawDataDdlOptions,
  parse: (reply: Document) => R,
): CommandOperation<R> {
  const full = copyDefined({ ...command }, options, ['commitQuorum', 'maxTimeMS', 'comment']);
  const writeConcern = writeConcernDocument(options.writeConcern);
  if (writeConcern) full.writeConcern = writeConcern;
  const commandName = commandNameOf(command);
  return {
    commandName,
    dbName: db,
    kind: 'write',
    retryable: false,
    causalWrite: CAUSAL_DDL.has(commandName),
    build: (server) => ({ command: withRawData(full, options.rawData, server) }),
    parse,
  };
}
