import { calculateObjectSize, type Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';
import { ReadConcern, type ReadConcernLevel, type ReadConcernLike } from '../read-concern.js';
import type { ReadPreferenceLike } from '../read-preference.js';
import { WriteConcern, type WriteConcernOptions } from '../write-concern.js';
import type { ServerInfo } from './operation.js';

/** A write concern as users write it: the driver's names or the wire names (`wtimeout`, `j`). */
export type WriteConcernLike = WriteConcernOptions & { readonly wtimeout?: number; readonly j?: boolean };
export type { ReadPreferenceLike } from '../read-preference.js';
export { readPreferenceOf } from '../read-preference.js';

/** Options every command accepts. */
export interface CommandOptions {
  readonly comment?: unknown;
  readonly maxTimeMS?: number;
}

/** Options of write commands. */
export interface WriteOptions {
  readonly writeConcern?: WriteConcernLike;
  readonly comment?: unknown;
}

/** Options of read commands. */
export interface ReadOptions {
  readonly readPreference?: ReadPreferenceLike;
  readonly readConcern?: ReadConcernLike | ReadConcernLevel;
  readonly comment?: unknown;
  readonly maxTimeMS?: number;
}

/** MongoDB 8.2 (wire version 27) is the first server that takes `rawData`. */
export const RAW_DATA_MIN_WIRE = 27;

/** The `rawData` option of the crud, bulk-write and index-management specs (MongoDB 8.2+). */
export interface RawDataOptions {
  /**
   * Time-series collections: operate on the raw bucket documents instead of the measurements
   * (MongoDB 8.2+). Sent as the command's top-level `rawData` field only when given, and never to
   * a server older than 8.2 (there it is ignored, as the crud spec requires).
   *
   * @experimental For internal use by MongoDB teams (the specs discourage application use); it may
   * change or be removed in any release without notice.
   */
  readonly rawData?: boolean;
}

/**
 * The command with `rawData` when it was given and the server takes it (8.2+); else the command
 * itself. A copy when the field is added, so a command built once can be sent to servers of either
 * kind (a retry after a failover to an older member).
 */
export function withRawData(command: Document, rawData: boolean | undefined, server: ServerInfo): Document {
  if (rawData === undefined || server.maxWireVersion < RAW_DATA_MIN_WIRE) return command;
  return { ...command, rawData };
}

/** Copies the keys of `source` that are set (not undefined) onto `target`. */
export function copyDefined<T extends object>(
  target: Document,
  source: T,
  keys: readonly (keyof T)[],
): Document {
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined) target[key as string] = value;
  }
  return target;
}

/** The wire `writeConcern` document, validated (read-write-concern spec); undefined for the server default. */
export function writeConcernDocument(wc: WriteConcernLike | Document | undefined): Document | undefined {
  if (wc === undefined || wc === null) return undefined;
  if (wc instanceof WriteConcern) return nonEmpty(wc.toDocument());
  const o = wc as Document;
  return nonEmpty(
    new WriteConcern({
      w: o.w,
      wtimeoutMS: o.wtimeoutMS ?? o.wtimeout,
      journal: o.journal ?? o.j,
    }).toDocument(),
  );
}

/** The wire `readConcern` document; undefined for the server default. */
export function readConcernDocument(
  rc: ReadConcernLike | ReadConcernLevel | Document | undefined,
): Document | undefined {
  if (rc === undefined || rc === null) return undefined;
  return nonEmpty(ReadConcern.from(rc as ReadConcernLike | ReadConcernLevel).toDocument());
}

/** w:0 (without j) is unacknowledged: sent with moreToCome and not awaited. */
export function isUnacknowledged(writeConcern: Document | undefined): boolean {
  return writeConcern?.w === 0 && writeConcern.j !== true;
}

export function assertDocument(doc: unknown, what: string): asserts doc is Document {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new MongoInvalidArgumentError(`${what} must be an object`);
  }
}

export function assertInteger(value: unknown, what: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value))) {
    throw new MongoInvalidArgumentError(`${what} must be an integer`);
  }
}

/** Throws when a document is over the server's maxBsonObjectSize (plus an allowance for statement wrappers). */
export function assertDocumentSize(doc: Document, server: ServerInfo, allowance = 0): number {
  const size = calculateObjectSize(doc);
  if (size > server.maxBsonObjectSize + allowance) {
    throw new MongoInvalidArgumentError(
      `document is ${size} bytes, larger than the server's maxBsonObjectSize (${server.maxBsonObjectSize})`,
    );
  }
  return size;
}

/**
 * crud spec "hint": with an unacknowledged write the server cannot report that it does not support
 * the hint, so drivers refuse it on servers too old to honour it.
 */
export function assertHintSupported(
  hint: unknown,
  writeConcern: Document | undefined,
  server: ServerInfo,
  minWireVersion: number,
): void {
  if (hint !== undefined && isUnacknowledged(writeConcern) && server.maxWireVersion < minWireVersion) {
    throw new MongoInvalidArgumentError(
      'hint is not supported with an unacknowledged write on this server version',
    );
  }
}

function nonEmpty(doc: Document): Document | undefined {
  return Object.keys(doc).length > 0 ? doc : undefined;
}
