import type { Document } from 'bson';

/** Error labels the specs attach (retryable-writes, transactions). */
export const RETRYABLE_WRITE_ERROR = 'RetryableWriteError';
/** Label of an error after which the whole transaction may be retried. */
export const TRANSIENT_TRANSACTION_ERROR = 'TransientTransactionError';
/** Label of a commit whose outcome is unknown (it may be retried). */
export const UNKNOWN_TRANSACTION_COMMIT_RESULT = 'UnknownTransactionCommitResult';
/** client-backpressure: the pool labels network errors of connection establishment with both. */
export const SYSTEM_OVERLOADED_ERROR = 'SystemOverloadedError';
/** Label the pool puts on network errors of connection establishment (with SystemOverloadedError). */
export const RETRYABLE_ERROR = 'RetryableError';

/** What every MongoError constructor takes besides its message. */
export interface MongoErrorOptions {
  /** The error this one was raised because of (standard `Error.cause`). */
  cause?: unknown;
  /** Labels to start with (the server's `errorLabels`, or ones the driver adds). */
  errorLabels?: Iterable<string>;
}

/** Root of every error mongorx raises. */
export class MongoError extends Error {
  /** Labels from the server reply or added by the driver (e.g. RetryableWriteError). */
  readonly errorLabels: Set<string>;
  /** The server's error code (MongoServerError and its subclasses); undefined for driver errors, as in the official driver. */
  readonly code: number | string | undefined;

  constructor(message: string, options?: MongoErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.errorLabels = new Set(options?.errorLabels ?? []);
  }

  /** The class name (`MongoServerError`, `MongoNetworkError`, ...), as in the official driver. */
  override get name(): string {
    return this.constructor.name;
  }

  /** Whether the error carries `label` (e.g. `RetryableWriteError`, `TransientTransactionError`). */
  hasErrorLabel(label: string): boolean {
    return this.errorLabels.has(label);
  }

  /** Adds a label (the driver does so for retryable and transaction errors). */
  addErrorLabel(label: string): void {
    this.errorLabels.add(label);
  }
}

/** Raised by the driver itself, not by the server. */
export class MongoDriverError extends MongoError {}
/** The caller used the API wrongly. */
export class MongoAPIError extends MongoDriverError {}
export class MongoInvalidArgumentError extends MongoAPIError {}
/** An operation on a closed client, ended session, exhausted cursor, ... */
export class MongoNotConnectedError extends MongoAPIError {}
export class MongoCursorExhaustedError extends MongoAPIError {}
/** A session that has ended was used (driver sessions spec). */
export class MongoExpiredSessionError extends MongoAPIError {}
export class MongoTransactionError extends MongoAPIError {}
export class MongoCompatibilityError extends MongoAPIError {}
/** An optional package the options ask for (snappy, @mongodb-js/zstd) is not installed (official name). */
export class MongoMissingDependencyError extends MongoAPIError {
  /** The missing package, as `npm install` would take it. */
  readonly dependencyName: string;

  constructor(message: string, options: MongoErrorOptions & { dependencyName: string }) {
    super(message, { cause: options.cause });
    this.dependencyName = options.dependencyName;
  }
}
/** A connection string or option could not be parsed or is invalid. */
export class MongoParseError extends MongoDriverError {}
/** Something went wrong inside the driver or in what the server sent. */
export class MongoRuntimeError extends MongoDriverError {}
export class MongoUnexpectedServerResponseError extends MongoRuntimeError {}
/** A change stream cannot go on (an event without its resume token `_id`). */
export class MongoChangeStreamError extends MongoRuntimeError {}
/** A frame on the socket broke the wire protocol (length, opcode, section kind, BSON). */
export class MongoProtocolError extends MongoRuntimeError {}
export class MongoTopologyClosedError extends MongoRuntimeError {}
/** GridFS: a file (or the requested revision) was not found, or a stream was used wrongly (official name). */
export class MongoGridFSStreamError extends MongoRuntimeError {}
/** GridFS: a chunk is missing, of the wrong size or beyond the file's length (official name). */
export class MongoGridFSChunkError extends MongoRuntimeError {}
export class MongoMissingCredentialsError extends MongoAPIError {}
/** Authentication failed on the client side (e.g. the server could not prove the password). */
export class MongoAuthError extends MongoDriverError {}

/** Reply fields a MongoServerError does not copy onto itself (they have their own meaning here). */
const NOT_COPIED = new Set(['errorLabels', 'errmsg', 'message', 'errorResponse', 'name', 'stack', 'cause']);

/**
 * An error the server returned in a reply (`ok: 0`, or a write error). As in the official driver,
 * every other field of the reply is copied onto the error (`keyPattern`, `keyValue`, `errInfo`, ...).
 */
export class MongoServerError extends MongoError {
  /** The server's numeric error code (e.g. 11000 for a duplicate key). */
  declare readonly code: number | undefined;
  /** The name of the code (e.g. `DuplicateKey`), when the server sent one. */
  readonly codeName: string | undefined;
  /** The server's error message. */
  readonly errmsg: string;
  /** The server's `topologyVersion` (state-change errors; SDAM compares it). */
  readonly topologyVersion: Document | undefined;
  /** The whole reply, for callers that need more than the fields above. */
  readonly errorResponse: Document;
  /** The reply's other fields (see above). */
  readonly [field: string]: unknown;

  constructor(reply: Document) {
    const errmsg = typeof reply.errmsg === 'string' ? reply.errmsg : 'server error';
    super(errmsg, { errorLabels: Array.isArray(reply.errorLabels) ? reply.errorLabels : [] });
    const self = this as unknown as Record<string, unknown>;
    // defineProperty: a reply field may share its name with a getter of a subclass.
    for (const key of Object.keys(reply)) {
      // Names MongoError and its ancestors define (constructor, name, toString, hasErrorLabel,
      // ...) stay theirs: a reply field `constructor: null` must not break `error.name`.
      if (!NOT_COPIED.has(key) && !(key in MongoError.prototype)) {
        Object.defineProperty(this, key, {
          value: reply[key],
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    }
    this.errmsg = errmsg;
    const code: unknown = reply.code;
    // A number, or the Int32 of a reply decoded with promoteValues: false.
    self.code =
      typeof code === 'number'
        ? code
        : typeof code === 'object' && code !== null && (code as { _bsontype?: unknown })._bsontype === 'Int32'
          ? Number(code.valueOf())
          : undefined;
    this.codeName = typeof reply.codeName === 'string' ? reply.codeName : undefined;
    this.topologyVersion = reply.topologyVersion as Document | undefined;
    this.errorResponse = reply;
  }
}

/** A write concern was not satisfied (`writeConcernError` in a reply). */
export class MongoWriteConcernError extends MongoServerError {
  /** The reply the write concern error came in (the write itself may have succeeded). */
  readonly result: Document | undefined;
  constructor(writeConcernError: Document, result?: Document) {
    super({ ...writeConcernError, errorLabels: result?.errorLabels ?? writeConcernError.errorLabels });
    this.result = result;
  }
}

/** The fields of a collection-level bulk write's outcome (crud spec "BulkWriteResult"). */
export interface BulkWriteResultFields {
  /** False for an unacknowledged (`w: 0`) write: the counts are then 0. */
  readonly acknowledged: boolean;
  /** Documents inserted. */
  readonly insertedCount: number;
  /** Documents the update and replace filters matched. */
  readonly matchedCount: number;
  /** Documents the updates and replacements changed. */
  readonly modifiedCount: number;
  /** Documents deleted. */
  readonly deletedCount: number;
  /** Documents inserted by upserts. */
  readonly upsertedCount: number;
  /** The `_id` of each inserted document, keyed by its model's index. */
  readonly insertedIds: Readonly<Record<number, unknown>>;
  /** The `_id` of each upserted document, keyed by its model's index. */
  readonly upsertedIds: Readonly<Record<number, unknown>>;
}

/** One failed statement of a bulk write as the server reported it, at its model's index. */
export interface WriteErrorFields {
  /** The position of the failed model in the bulk write. */
  readonly index: number;
  /** The server's error code. */
  readonly code: number;
  /** The server's message. */
  readonly errmsg: string;
  /** Details the server added (e.g. the failed document validation rules). */
  readonly errInfo?: Document;
  /** The statement that failed (the document, or the update/delete statement). */
  readonly op?: Document;
}

/** One failed write of a bulk write (the official driver's WriteError); `index` is its model's position. */
export class WriteError {
  /** The position of the failed model in the bulk write. */
  readonly index: number;
  /** The server's error code (e.g. 11000). */
  readonly code: number;
  /** The server's message. */
  readonly errmsg: string;
  /** Details the server added (e.g. document validation failures). */
  readonly errInfo: Document | undefined;
  /** The raw error (official name). */
  readonly err: WriteErrorFields;

  constructor(err: WriteErrorFields) {
    this.err = err;
    this.index = err.index;
    this.code = err.code;
    this.errmsg = err.errmsg;
    this.errInfo = err.errInfo;
  }

  /** The statement that failed. */
  getOperation(): Document | undefined {
    return this.err.op;
  }

  /** The official driver's JSON form: code, index, errmsg and the failed statement. */
  toJSON(): { code: number; index: number; errmsg: string; op: Document | undefined } {
    return { code: this.code, index: this.index, errmsg: this.errmsg, op: this.err.op };
  }

  /** `WriteError({...})` with the JSON form. */
  toString(): string {
    return `WriteError(${JSON.stringify(this.toJSON())})`;
  }
}

/**
 * The outcome of a collection-level bulk write (crud spec "BulkWriteResult"; the official driver's
 * class and methods). Ids are keyed by model index. Its own enumerable fields are the spec's only.
 */
export class BulkWriteResult implements BulkWriteResultFields {
  /** False for an unacknowledged (`w: 0`) write. */
  readonly acknowledged: boolean;
  /** Documents inserted. */
  readonly insertedCount: number;
  /** Documents the update and replace filters matched. */
  readonly matchedCount: number;
  /** Documents the updates and replacements changed. */
  readonly modifiedCount: number;
  /** Documents deleted. */
  readonly deletedCount: number;
  /** Documents inserted by upserts. */
  readonly upsertedCount: number;
  /** The `_id` of each inserted document, keyed by its model's index. */
  readonly insertedIds: Readonly<Record<number, unknown>>;
  /** The `_id` of each upserted document, keyed by its model's index. */
  readonly upsertedIds: Readonly<Record<number, unknown>>;
  readonly #writeErrors: readonly WriteError[];
  readonly #writeConcernErrors: readonly Document[];

  constructor(
    fields: BulkWriteResultFields,
    writeErrors: readonly WriteError[] = [],
    writeConcernErrors: readonly Document[] = [],
  ) {
    this.acknowledged = fields.acknowledged;
    this.insertedCount = fields.insertedCount;
    this.matchedCount = fields.matchedCount;
    this.modifiedCount = fields.modifiedCount;
    this.deletedCount = fields.deletedCount;
    this.upsertedCount = fields.upsertedCount;
    this.insertedIds = fields.insertedIds;
    this.upsertedIds = fields.upsertedIds;
    this.#writeErrors = writeErrors;
    this.#writeConcernErrors = writeConcernErrors;
  }

  /** 1 when the bulk write had no error (official). */
  get ok(): number {
    return this.isOk() ? 1 : 0;
  }
  /** True when there was no write error and no write concern error. */
  isOk(): boolean {
    return this.#writeErrors.length === 0 && this.#writeConcernErrors.length === 0;
  }
  /** True when at least one statement failed. */
  hasWriteErrors(): boolean {
    return this.#writeErrors.length > 0;
  }
  /** How many statements failed. */
  getWriteErrorCount(): number {
    return this.#writeErrors.length;
  }
  /** The `index`-th write error (in the order the server reported them), if any. */
  getWriteErrorAt(index: number): WriteError | undefined {
    return this.#writeErrors[index];
  }
  /** Every write error. */
  getWriteErrors(): readonly WriteError[] {
    return this.#writeErrors;
  }
  /** The first write concern error, if any. */
  getWriteConcernError(): Document | undefined {
    return this.#writeConcernErrors[0];
  }
  /** The upserted `{ index, _id }` of the n-th upsert. */
  getUpsertedIdAt(n: number): { index: number; _id: unknown } | undefined {
    const key = Object.keys(this.upsertedIds)[n];
    return key === undefined ? undefined : { index: Number(key), _id: this.upsertedIds[Number(key)] };
  }
}

/**
 * A bulk write (insertMany, bulkWrite) had write errors or write concern errors: carries what did
 * succeed and every error. Ordered writes stop at the first write error; unordered ones do not.
 */
export class MongoBulkWriteError extends MongoServerError {
  /** What the bulk write did before it stopped (counts and ids), with its errors. */
  readonly result: BulkWriteResult;
  /** Every failed statement, each with its model's index. */
  readonly writeErrors: readonly WriteError[];
  /** The write concern errors of the batches. */
  readonly writeConcernErrors: readonly Document[];

  constructor(
    result: BulkWriteResultFields,
    writeErrors: readonly (WriteError | WriteErrorFields)[],
    writeConcernErrors: readonly Document[],
    /**
     * The server error that stopped the bulk write (a batch's command error): its code, message and
     * labels are this error's, and it is the cause. (A network error is not wrapped: it carries
     * `partialResult` instead.)
     */
    commandError?: MongoError,
  ) {
    const errors = writeErrors.map((e) => (e instanceof WriteError ? e : new WriteError(e)));
    const first: Document = errors[0] ?? writeConcernErrors[0] ?? {};
    const labels = writeConcernErrors.flatMap((e) => (Array.isArray(e.errorLabels) ? e.errorLabels : []));
    super(
      commandError instanceof MongoServerError
        ? { ...commandError.errorResponse, errorLabels: [...commandError.errorLabels] }
        : commandError
          ? { errmsg: commandError.message, errorLabels: [...commandError.errorLabels] }
          : { errmsg: first.errmsg, code: first.code, codeName: first.codeName, errorLabels: labels },
    );
    if (commandError) this.cause = commandError;
    this.result =
      result instanceof BulkWriteResult ? result : new BulkWriteResult(result, errors, writeConcernErrors);
    this.writeErrors = errors;
    this.writeConcernErrors = writeConcernErrors;
  }

  /** The first write concern error, as the official driver names it. */
  get writeConcernError(): Document | undefined {
    return this.writeConcernErrors[0];
  }
  /** `result.insertedCount`: documents inserted before the error. */
  get insertedCount(): number {
    return this.result.insertedCount;
  }
  /** `result.matchedCount`. */
  get matchedCount(): number {
    return this.result.matchedCount;
  }
  /** `result.modifiedCount`. */
  get modifiedCount(): number {
    return this.result.modifiedCount;
  }
  /** `result.deletedCount`. */
  get deletedCount(): number {
    return this.result.deletedCount;
  }
  /** `result.upsertedCount`. */
  get upsertedCount(): number {
    return this.result.upsertedCount;
  }
  /** `result.insertedIds`, keyed by model index. */
  get insertedIds(): Readonly<Record<number, unknown>> {
    return this.result.insertedIds;
  }
  /** `result.upsertedIds`, keyed by model index. */
  get upsertedIds(): Readonly<Record<number, unknown>> {
    return this.result.upsertedIds;
  }
}

/** The socket failed: refused, reset, closed, or a TLS failure. */
export class MongoNetworkError extends MongoError {
  /** True when the failure happened before the handshake completed (SDAM treats these differently). */
  readonly beforeHandshake: boolean;
  /**
   * Set when a collection bulk write (insertMany, bulkWrite) stopped on this error: what it had
   * done before. The error keeps its own class, so timeouts stay timeouts (CSOT, retryable writes).
   */
  partialResult: BulkWriteResult | undefined;
  constructor(message: string, options?: MongoErrorOptions & { beforeHandshake?: boolean }) {
    super(message, options);
    this.beforeHandshake = options?.beforeHandshake ?? false;
  }
}
export class MongoNetworkTimeoutError extends MongoNetworkError {}

/** No suitable server was found within serverSelectionTimeoutMS. */
export class MongoServerSelectionError extends MongoError {
  /** The topology description at the time selection gave up. */
  readonly reason: unknown;
  constructor(message: string, reason: unknown) {
    super(message);
    this.reason = reason;
  }
}

/**
 * client-side-operations-timeout "Errors": the operation's `timeoutMS` expired. `cause` is the
 * error of the blocking step that was cut short (server selection, check-out, a socket read, a
 * server's MaxTimeMSExpired), when there was one; the message includes it.
 */
export class MongoOperationTimeoutError extends MongoDriverError {
  constructor(message: string, options?: MongoErrorOptions) {
    const cause = options?.cause;
    super(cause instanceof Error ? `${message}: ${cause.name}: ${cause.message}` : message, options);
  }
}

/** A connection could not be checked out of the pool. */
export class MongoPoolClearedError extends MongoNetworkError {}
export class MongoWaitQueueTimeoutError extends MongoDriverError {}
export class MongoPoolClosedError extends MongoDriverError {}

/** True for a MongoNetworkError (and its subclasses, such as MongoNetworkTimeoutError). */
export function isNetworkError(e: unknown): e is MongoNetworkError {
  return e instanceof MongoNetworkError;
}

/**
 * Runs code that reads a server reply (an operation's parse, a result builder). A MongoError it
 * throws passes; anything else (a TypeError on a value of a type no server sends) means the reply
 * was not what the driver understands, and becomes MongoUnexpectedServerResponseError with the
 * original as its cause. So a hostile or broken reply always ends in a typed error.
 */
export function parseServerResponse<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof MongoError) throw e;
    throw new MongoUnexpectedServerResponseError(
      `Unexpected reply to ${what}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}
