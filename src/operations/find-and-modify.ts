import type { Document } from 'bson';
import { type BsonOptions, readBsonOptions, writeBsonOptions } from '../bson-options.js';
import { MongoInvalidArgumentError } from '../errors.js';
import { DELETE_HINT_MIN_WIRE } from './delete.js';
import type { CommandOperation } from './operation.js';
import {
  assertDocument,
  assertHintSupported,
  copyDefined,
  isUnacknowledged,
  type RawDataOptions,
  type WriteConcernLike,
  withRawData,
  writeConcernDocument,
} from './options.js';
import type { WithId } from './schema.js';
import { type Sort, sortDocument } from './sort.js';
import { validateReplacement, validateUpdate } from './update.js';
import { throwOnWriteErrors } from './write-errors.js';

/** crud spec "FindOneAndDeleteOptions" and friends. */
export interface FindOneAndDeleteOptions extends BsonOptions, RawDataOptions {
  readonly projection?: Document;
  readonly sort?: Sort;
  readonly collation?: Document;
  readonly hint?: string | Document;
  readonly maxTimeMS?: number;
  readonly writeConcern?: WriteConcernLike;
  readonly comment?: unknown;
  readonly let?: Document;
  /** Emit the whole reply (`{value, lastErrorObject, ok}`) instead of the document. */
  readonly includeResultMetadata?: boolean;
}

export interface FindOneAndReplaceOptions extends FindOneAndDeleteOptions {
  readonly upsert?: boolean;
  /** Default 'before': emit the document as it was before the change. */
  readonly returnDocument?: 'before' | 'after';
  readonly bypassDocumentValidation?: boolean;
}

export interface FindOneAndUpdateOptions extends FindOneAndReplaceOptions {
  readonly arrayFilters?: readonly Document[];
}

/** The reply of findAndModify when `includeResultMetadata` is set. */
export interface ModifyResult<TSchema = Document> {
  readonly value: WithId<TSchema> | null;
  readonly lastErrorObject?: Document;
  readonly ok: number;
}

type Change = { remove: true } | { update: unknown };

/** Builds `findAndModify` (crud spec "Find And Modify"). Pure; validation happens in the factories. */
export function buildFindAndModify(
  collection: string,
  filter: Document,
  change: Change,
  options: FindOneAndUpdateOptions,
): Document {
  const command: Document = { findAndModify: collection, query: filter };
  if (options.sort !== undefined) command.sort = sortDocument(options.sort);
  if ('remove' in change) command.remove = true;
  else {
    command.update = change.update;
    command.new = options.returnDocument === 'after';
    if (options.upsert !== undefined) command.upsert = options.upsert;
    if (options.bypassDocumentValidation !== undefined)
      command.bypassDocumentValidation = options.bypassDocumentValidation;
  }
  if (options.projection !== undefined) command.fields = options.projection;
  copyDefined(command, options, ['arrayFilters', 'collation', 'hint', 'maxTimeMS', 'comment', 'let']);
  const writeConcern = writeConcernDocument(options.writeConcern);
  if (writeConcern) command.writeConcern = writeConcern;
  return command;
}

function findAndModifyOperation<TSchema>(
  db: string,
  collection: string,
  filter: unknown,
  change: Change,
  options: FindOneAndUpdateOptions,
): CommandOperation<WithId<TSchema> | ModifyResult<TSchema> | null> {
  assertDocument(filter, 'filter');
  if (
    options.returnDocument !== undefined &&
    options.returnDocument !== 'before' &&
    options.returnDocument !== 'after'
  ) {
    throw new MongoInvalidArgumentError('returnDocument must be "before" or "after"');
  }
  const command = buildFindAndModify(collection, filter, change, options);
  const acknowledged = !isUnacknowledged(command.writeConcern);
  // The reply is one small document: decoded whole with the user's BSON options (as the official
  // driver does; `raw` does not apply to it), its ok/code read whatever promoteValues says.
  const replyBson = readBsonOptions({ ...options, raw: undefined });
  const serializeOptions = writeBsonOptions(options);
  return {
    commandName: 'findAndModify',
    dbName: db,
    kind: 'write',
    retryable: 'write',
    sessionSupport: acknowledged,
    causalWrite: true,
    build: (server) => {
      assertHintSupported(options.hint, command.writeConcern, server, DELETE_HINT_MIN_WIRE);
      return {
        command: withRawData(command, options.rawData, server),
        moreToCome: !acknowledged,
        serializeOptions,
        replyBson,
      };
    },
    parse: (reply) => {
      if (!acknowledged) return null;
      throwOnWriteErrors(reply);
      const value = (reply.value ?? null) as WithId<TSchema> | null;
      if (options.includeResultMetadata) {
        return { value, lastErrorObject: reply.lastErrorObject, ok: Number(reply.ok?.valueOf() ?? 1) };
      }
      return value;
    },
  };
}

export function findOneAndDeleteOperation<TSchema = Document>(
  db: string,
  collection: string,
  filter: unknown,
  options: FindOneAndDeleteOptions,
): CommandOperation<WithId<TSchema> | ModifyResult<TSchema> | null> {
  return findAndModifyOperation(db, collection, filter, { remove: true }, options);
}

export function findOneAndReplaceOperation<TSchema = Document>(
  db: string,
  collection: string,
  filter: unknown,
  replacement: unknown,
  options: FindOneAndReplaceOptions,
): CommandOperation<WithId<TSchema> | ModifyResult<TSchema> | null> {
  validateReplacement(replacement);
  return findAndModifyOperation(db, collection, filter, { update: replacement }, options);
}

export function findOneAndUpdateOperation<TSchema = Document>(
  db: string,
  collection: string,
  filter: unknown,
  update: unknown,
  options: FindOneAndUpdateOptions,
): CommandOperation<WithId<TSchema> | ModifyResult<TSchema> | null> {
  validateUpdate(update);
  return findAndModifyOperation(db, collection, filter, { update }, options);
}
