import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import type { DeleteStatementOptions } from './delete.js';
import { type DocumentIdOptions, withId } from './document-id.js';
import { assertDocument, copyDefined } from './options.js';
import { sortDocument } from './sort.js';
import { type UpdateStatementOptions, validateReplacement, validateUpdate } from './update.js';
import type { WriteCommandOptions } from './write-command.js';

// The write models of MongoClient.bulkWrite (crud spec bulk-write.md "Write Models"): each names its
// namespace ("db.collection"). The official Node driver's shape (`name` + fields) and the spec's own
// (`{ insertOne: { namespace, ... } }`, as the unified tests write it) are both accepted.

interface Namespaced {
  /** "database.collection" the write goes to. */
  readonly namespace: string;
}

/** An insert of `client.bulkWrite`: one document into `namespace` (`db.collection`). */
export interface ClientInsertOneModel<TSchema = Document> extends Namespaced {
  readonly name: 'insertOne';
  readonly document: TSchema;
}
/** An update of the first matching document, in `client.bulkWrite`. */
export interface ClientUpdateOneModel extends Namespaced, UpdateStatementOptions {
  readonly name: 'updateOne';
  readonly filter: Document;
  readonly update: Document | Document[];
}
/** An update of every matching document, in `client.bulkWrite`. */
export interface ClientUpdateManyModel extends Namespaced, Omit<UpdateStatementOptions, 'sort'> {
  readonly name: 'updateMany';
  readonly filter: Document;
  readonly update: Document | Document[];
}
/** A replacement of the first matching document, in `client.bulkWrite`. */
export interface ClientReplaceOneModel<TSchema = Document>
  extends Namespaced,
    Omit<UpdateStatementOptions, 'arrayFilters'> {
  readonly name: 'replaceOne';
  readonly filter: Document;
  readonly replacement: TSchema;
}
/** A delete of the first matching document, in `client.bulkWrite`. */
export interface ClientDeleteOneModel extends Namespaced, DeleteStatementOptions {
  readonly name: 'deleteOne';
  readonly filter: Document;
}
/** A delete of every matching document, in `client.bulkWrite`. */
export interface ClientDeleteManyModel extends Namespaced, DeleteStatementOptions {
  readonly name: 'deleteMany';
  readonly filter: Document;
}

/** One write of a client bulk write, in the official Node driver's shape. */
export type ClientBulkWriteModel<TSchema = Document> =
  | ClientInsertOneModel<TSchema>
  | ClientUpdateOneModel
  | ClientUpdateManyModel
  | ClientReplaceOneModel<TSchema>
  | ClientDeleteOneModel
  | ClientDeleteManyModel;

type ModelName = ClientBulkWriteModel['name'];
type Fields<M> = Omit<M, 'name'>;

/** The same writes in the crud spec's shape: the model name as the only key. */
export type AnyClientBulkWriteModel<TSchema = Document> =
  | ClientBulkWriteModel<TSchema>
  | { insertOne: Fields<ClientInsertOneModel<TSchema>> }
  | { updateOne: Fields<ClientUpdateOneModel> }
  | { updateMany: Fields<ClientUpdateManyModel> }
  | { replaceOne: Fields<ClientReplaceOneModel<TSchema>> }
  | { deleteOne: Fields<ClientDeleteOneModel> }
  | { deleteMany: Fields<ClientDeleteManyModel> };

/** Options of MongoClient.bulkWrite (bulk-write.md "Options"); session and timeoutMS come with them. */
export interface ClientBulkWriteOptions extends WriteCommandOptions, DocumentIdOptions {
  /** Default true: the server stops at the first write error. Must be false with w:0. */
  readonly ordered?: boolean;
  /** Default false: results of each successful write (insertResults, updateResults, deleteResults). */
  readonly verboseResults?: boolean;
}

/** The three kinds of entry in `ops`; results do not say which one they answer, the model does. */
export type ClientOpKind = 'insert' | 'update' | 'delete';

/** One entry of `ops`, before its namespace becomes an index into that batch's `nsInfo`. */
export interface ClientOp {
  readonly kind: ClientOpKind;
  readonly namespace: string;
  /** The op document without its first field (`insert|update|delete: <nsInfo index>`). */
  readonly body: Document;
  /** updateMany / deleteMany: a batch carrying one is not retryable. */
  readonly multi: boolean;
  /** insertOne: the `_id` sent (recorded only once the server confirms the insert). */
  readonly insertedId?: unknown;
}

const NAMES: ReadonlySet<string> = new Set([
  'insertOne',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
]);

/** A model in either shape as `{ name, fields }`, or a MongoInvalidArgumentError. */
function normalize(model: unknown, i: number): { name: ModelName; fields: Document } {
  assertDocument(model, `model ${i}`);
  if (typeof model.name === 'string' && NAMES.has(model.name)) {
    return { name: model.name as ModelName, fields: model };
  }
  const keys = Object.keys(model);
  if (keys.length === 1 && NAMES.has(keys[0])) {
    const fields = model[keys[0]];
    assertDocument(fields, `model ${i} (${keys[0]})`);
    return { name: keys[0] as ModelName, fields };
  }
  throw new MongoInvalidArgumentError(
    `model ${i} is not a client bulk write model (insertOne, updateOne, updateMany, replaceOne, deleteOne, deleteMany)`,
  );
}

/** "db.coll": a database part and a collection part, neither empty. */
function checkNamespace(namespace: unknown, i: number): string {
  if (typeof namespace !== 'string' || namespace.indexOf('.') < 1 || namespace.endsWith('.')) {
    throw new MongoInvalidArgumentError(`model ${i} needs a namespace "database.collection"`);
  }
  return namespace;
}

/** The `updateMods`-style update op body (bulk-write.md "Update"), options sent only when given. */
function updateBody(fields: Document, updateMods: unknown, multi: boolean): Document {
  assertDocument(fields.filter, 'filter');
  const body: Document = { filter: fields.filter, updateMods, multi };
  copyDefined(body, fields, ['upsert', 'arrayFilters', 'hint', 'collation']);
  if (fields.sort !== undefined) {
    if (multi) throw new MongoInvalidArgumentError('sort is only supported by updateOne and replaceOne');
    body.sort = sortDocument(fields.sort);
  }
  return body;
}

/**
 * The models as `ops` entries, validated before anything is sent (bulk-write.md: a non-empty list;
 * updates need operators, replacements must have none). Inserts get their `_id` here.
 */
export function toClientOps(models: unknown, options: DocumentIdOptions = {}): ClientOp[] {
  if (!Array.isArray(models) || models.length === 0) {
    throw new MongoInvalidArgumentError('client bulkWrite requires a non-empty array of models');
  }
  return models.map((model, i): ClientOp => {
    const { name, fields } = normalize(model, i);
    const namespace = checkNamespace(fields.namespace, i);
    switch (name) {
      case 'insertOne': {
        assertDocument(fields.document, 'document');
        const document = withId(fields.document, options);
        return { kind: 'insert', namespace, body: { document }, multi: false, insertedId: document._id };
      }
      case 'updateOne':
      case 'updateMany': {
        validateUpdate(fields.update);
        const multi = name === 'updateMany';
        return { kind: 'update', namespace, body: updateBody(fields, fields.update, multi), multi };
      }
      case 'replaceOne':
        validateReplacement(fields.replacement);
        return {
          kind: 'update',
          namespace,
          body: updateBody(fields, fields.replacement, false),
          multi: false,
        };
      default: {
        // deleteOne / deleteMany
        assertDocument(fields.filter, 'filter');
        const multi = name === 'deleteMany';
        const body = copyDefined({ filter: fields.filter, multi }, fields, ['hint', 'collation']);
        return { kind: 'delete', namespace, body, multi };
      }
    }
  });
}
