import { calculateObjectSize, type Document, type SerializeOptions } from 'bson';
import {
  BulkWriteResult,
  MongoBulkWriteError,
  type MongoError,
  MongoInvalidArgumentError,
  WriteError,
} from '../errors.js';
import type { Observable } from '../rx.js';
import { type DeleteStatementOptions, deleteStatement } from './delete.js';
import { type DocumentIdOptions, withId } from './document-id.js';
import { EncodedStatements } from './encoded-statements.js';
import type { CommandOperation, ServerInfo } from './operation.js';
import { assertDocument, isUnacknowledged } from './options.js';
import type { Filter, OptionalId, UpdateFilter, WithoutId } from './schema.js';
import {
  type UpdateStatementOptions,
  updateStatement,
  validateReplacement,
  validateUpdate,
} from './update.js';
import {
  buildWriteCommand,
  type WriteCommandFields,
  type WriteCommandOptions,
  type WriteCommandType,
} from './write-command.js';

export type { BulkWriteResult, WriteError } from '../errors.js';

/** The write models of collection-level bulkWrite (crud spec "Bulk Write Models"). */
export type AnyBulkWriteOperation<TSchema = Document> =
  | { insertOne: { document: OptionalId<TSchema> } }
  | {
      updateOne: {
        filter: Filter<TSchema>;
        update: UpdateFilter<TSchema> | Document[];
      } & UpdateStatementOptions;
    }
  | {
      updateMany: { filter: Filter<TSchema>; update: UpdateFilter<TSchema> | Document[] } & Omit<
        UpdateStatementOptions,
        'sort'
      >;
    }
  | {
      replaceOne: { filter: Filter<TSchema>; replacement: WithoutId<TSchema> } & Omit<
        UpdateStatementOptions,
        'arrayFilters'
      >;
    }
  | { deleteOne: { filter: Filter<TSchema> } & DeleteStatementOptions }
  | { deleteMany: { filter: Filter<TSchema> } & DeleteStatementOptions };

/** Options of `bulkWrite` and `insertMany` (`ordered` defaults to true). */
export interface BulkWriteOptions extends WriteCommandOptions, DocumentIdOptions {
  /** Default true: stop at the first write error. */
  readonly ordered?: boolean;
}

/** Runs one operation through the execution path (src/execute.ts); injected so batching is testable. */
export type Execute = <T>(op: CommandOperation<T>) => Observable<T>;

/** A run of statements of one command type, with the model index of each. */
export interface WriteGroup {
  readonly type: WriteCommandType;
  readonly statements: Document[];
  readonly indexes: number[];
  /** The statements' bytes and BSON sizes, each encoded once, when batching first needs it. */
  readonly encoded: EncodedStatements;
}

/**
 * The statements of the models, validated (crud spec: replacement without operators, update with
 * them), in model order. Inserted documents get their `_id` here so the caller learns it.
 */
export function toStatements(
  models: readonly unknown[],
  options: DocumentIdOptions = {},
): { type: WriteCommandType; statement: Document }[] {
  if (!Array.isArray(models) || models.length === 0) {
    throw new MongoInvalidArgumentError('bulk write requires a non-empty array of operations');
  }
  return models.map((model, i) => {
    assertDocument(model, `operation ${i}`);
    const keys = Object.keys(model);
    if (keys.length !== 1) throw new MongoInvalidArgumentError(`operation ${i} must have exactly one key`);
    const name = keys[0];
    const spec = model[name] as Document;
    assertDocument(spec, `operation ${i} (${name})`);
    switch (name) {
      case 'insertOne':
        assertDocument(spec.document, 'document');
        return { type: 'insert', statement: withId(spec.document, options) };
      case 'updateOne':
      case 'updateMany':
        validateUpdate(spec.update);
        return {
          type: 'update',
          statement: updateStatement(spec.filter, spec.update, spec, name === 'updateMany'),
        };
      case 'replaceOne':
        validateReplacement(spec.replacement);
        return { type: 'update', statement: updateStatement(spec.filter, spec.replacement, spec, false) };
      case 'deleteOne':
      case 'deleteMany':
        return { type: 'delete', statement: deleteStatement(spec.filter, spec, name === 'deleteMany') };
      default:
        throw new MongoInvalidArgumentError(`unknown bulk write operation "${name}"`);
    }
  });
}

/** insertMany's statements straight from its documents (what toStatements makes of insertOne models). */
export function insertStatements(
  documents: readonly unknown[],
  options: DocumentIdOptions = {},
): { type: WriteCommandType; statement: Document }[] {
  if (!Array.isArray(documents) || documents.length === 0) {
    throw new MongoInvalidArgumentError('bulk write requires a non-empty array of operations');
  }
  const out = new Array<{ type: WriteCommandType; statement: Document }>(documents.length);
  for (let i = 0; i < documents.length; i++) {
    const document: unknown = documents[i];
    assertDocument(document, 'document');
    out[i] = { type: 'insert', statement: withId(document, options) };
  }
  return out;
}

/**
 * Ordered: consecutive runs of one type, so order is kept. Unordered: one group per type. Each
 * group's statements are serialized once here (with the user's BSON options), giving their sizes.
 */
export function groupStatements(
  statements: readonly { type: WriteCommandType; statement: Document }[],
  ordered: boolean,
  serializeOptions?: SerializeOptions,
): WriteGroup[] {
  const groups: { type: WriteCommandType; statements: Document[]; indexes: number[] }[] = [];
  const byType = new Map<WriteCommandType, (typeof groups)[number]>();
  statements.forEach(({ type, statement }, index) => {
    let group = ordered ? groups[groups.length - 1] : byType.get(type);
    if (!group || group.type !== type) {
      group = { type, statements: [], indexes: [] };
      groups.push(group);
      byType.set(type, group);
    }
    group.statements.push(statement);
    group.indexes.push(index);
  });
  return groups.map((g) => ({ ...g, encoded: new EncodedStatements(g.statements, serializeOptions) }));
}

/** Room for the OP_MSG header, section headers and the fields execute adds ($db, lsid, $clusterTime, ...). */
const MESSAGE_OVERHEAD = 2048;
/** The server accepts update/delete statements up to maxBsonObjectSize plus this (server_write_commands). */
const STATEMENT_ALLOWANCE = 16 * 1024;

/** Throws MongoInvalidArgumentError when statement `i` of the group can never be sent to this server. */
function assertStatementSize(group: WriteGroup, i: number, size: number, server: ServerInfo): void {
  const limit = server.maxBsonObjectSize + (group.type === 'insert' ? 0 : STATEMENT_ALLOWANCE);
  if (size > limit) {
    throw new MongoInvalidArgumentError(
      `operation ${group.indexes[i]} is ${size} bytes, larger than the server's maxBsonObjectSize (${server.maxBsonObjectSize})`,
    );
  }
}

/**
 * How many statements from `offset` fit in one command on this server: at most maxWriteBatchSize,
 * and a message no larger than maxMessageSizeBytes (at least one, whose size was checked).
 */
export function batchLength(
  group: WriteGroup,
  offset: number,
  server: ServerInfo,
  commandSize: number,
): number {
  const budget = server.maxMessageSizeBytes - MESSAGE_OVERHEAD - commandSize;
  let n = 0;
  let bytes = 0;
  while (offset + n < group.statements.length && n < server.maxWriteBatchSize) {
    const size = group.encoded.sizeOf(offset + n);
    if (n > 0 && bytes + size > budget) break;
    assertStatementSize(group, offset + n, size, server);
    bytes += size;
    n++;
  }
  return n;
}

/** What one batch did: how many statements it carried and the server's reply. */
export interface BatchOutcome {
  readonly count: number;
  readonly reply: Document;
}

/**
 * One batch of a group, starting at `offset`; its size depends on the server it is built for, and the
 * parser recomputes it from the same server, so build and parse agree without shared state.
 */
export function writeBatchOperation(
  db: string,
  collection: string,
  group: WriteGroup,
  offset: number,
  fields: WriteCommandFields,
): CommandOperation<BatchOutcome> {
  const plan = (server: ServerInfo) => {
    const base = buildWriteCommand(group.type, collection, fields, [], server);
    const count = batchLength(group, offset, server, calculateObjectSize(base.command));
    return { base, count };
  };
  const acknowledged = !isUnacknowledged(fields.writeConcern);
  const multi = group.statements.some((s) => s.multi === true || s.limit === 0);
  return {
    commandName: group.type,
    dbName: db,
    kind: 'write',
    retryable: multi ? false : 'write',
    sessionSupport: acknowledged,
    causalWrite: true,
    build: (server) => {
      const { base, count } = plan(server);
      // The batches before this one are done (they run one after another): their bytes can go.
      group.encoded.releaseBefore(offset);
      const documents = group.statements.slice(offset, offset + count);
      const encoded = group.encoded.bytes(offset, offset + count);
      return { ...base, sequences: [{ ...base.sequences![0], documents, encoded }] };
    },
    parse: (reply, server) => ({ count: plan(server).count, reply }),
  };
}

/** Accumulates batch replies into one BulkWriteResult, with write errors at their model index. */
export class BulkResultBuilder {
  private insertedCount = 0;
  private matchedCount = 0;
  private modifiedCount = 0;
  private deletedCount = 0;
  private readonly insertedIds: Record<number, unknown> = {};
  private readonly upsertedIds: Record<number, unknown> = {};
  readonly writeErrors: WriteError[] = [];
  readonly writeConcernErrors: Document[] = [];

  constructor(
    private readonly acknowledged: boolean,
    private readonly ordered: boolean,
  ) {}

  merge(group: WriteGroup, offset: number, { count, reply }: BatchOutcome): void {
    const failed = new Set<number>();
    let firstError = count;
    for (const raw of Array.isArray(reply.writeErrors) ? (reply.writeErrors as Document[]) : []) {
      const local = Number(raw.index);
      failed.add(local);
      firstError = Math.min(firstError, local);
      this.writeErrors.push(
        new WriteError({
          index: group.indexes[offset + local],
          code: raw.code,
          errmsg: raw.errmsg,
          ...(raw.errInfo === undefined ? {} : { errInfo: raw.errInfo }),
          op: group.statements[offset + local],
        }),
      );
    }
    if (reply.writeConcernError) this.writeConcernErrors.push(reply.writeConcernError);
    // An ordered batch stops at its first error: later statements were not attempted.
    const attempted = this.ordered && this.acknowledged ? firstError : count;
    if (group.type === 'insert') {
      for (let i = 0; i < attempted; i++) {
        const id = group.statements[offset + i]._id;
        if (!failed.has(i) && id !== undefined) this.insertedIds[group.indexes[offset + i]] = id;
      }
    }
    if (!this.acknowledged) return;
    const n = Number(reply.n ?? 0);
    if (group.type === 'insert') this.insertedCount += n;
    else if (group.type === 'delete') this.deletedCount += n;
    else {
      const upserted = Array.isArray(reply.upserted) ? (reply.upserted as Document[]) : [];
      for (const u of upserted) this.upsertedIds[group.indexes[offset + Number(u.index)]] = u._id;
      this.matchedCount += n - upserted.length;
      this.modifiedCount += Number(reply.nModified ?? 0);
    }
  }

  /** Ordered bulk writes stop after the batch with the first write error. */
  get stopped(): boolean {
    return this.ordered && this.writeErrors.length > 0;
  }

  result(): BulkWriteResult {
    return new BulkWriteResult(
      {
        acknowledged: this.acknowledged,
        insertedCount: this.insertedCount,
        matchedCount: this.matchedCount,
        modifiedCount: this.modifiedCount,
        deletedCount: this.deletedCount,
        upsertedCount: Object.keys(this.upsertedIds).length,
        insertedIds: this.insertedIds,
        upsertedIds: this.upsertedIds,
      },
      this.writeErrors,
      this.writeConcernErrors,
    );
  }

  /** The error for a batch's command error: what was done so far travels with it. */
  stoppedBy(commandError: MongoError): MongoBulkWriteError {
    return new MongoBulkWriteError(this.result(), this.writeErrors, this.writeConcernErrors, commandError);
  }

  /** The result, or a MongoBulkWriteError carrying it when anything failed. */
  finish(): BulkWriteResult {
    const result = this.result();
    if (this.writeErrors.length > 0 || this.writeConcernErrors.length > 0) {
      throw new MongoBulkWriteError(result, this.writeErrors, this.writeConcernErrors);
    }
    return result;
  }
}
