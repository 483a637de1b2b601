// The official driver's BSON options: how documents handed to the user are decoded (reads) and
// how documents the user gives are encoded (writes). Set on the client, db, collection or
// operation; the nearest level wins. Only the user's documents are decoded with them: the reply
// around them (ok, cursor id, counts) is decoded the driver's way, so `promoteValues: false`
// cannot break the driver's own reading of `ok` or `n`.
import { type DeserializeOptions, type Document, deserialize, type SerializeOptions } from 'bson';
import { MongoInvalidArgumentError } from './errors.js';

export interface BsonOptions {
  /** Documents arrive as BSON bytes (`Uint8Array`), not decoded. */
  readonly raw?: boolean;
  /** int64 as number when it fits (default true). */
  readonly promoteLongs?: boolean;
  /** int32/double/... as JS numbers (default true); false gives Int32/Double objects. */
  readonly promoteValues?: boolean;
  /** Binary subtype 0 as Buffer (default false). */
  readonly promoteBuffers?: boolean;
  /** int64 as bigint. */
  readonly useBigInt64?: boolean;
  /** Regular expressions as BSONRegExp. */
  readonly bsonRegExp?: boolean;
  /** Validate UTF-8 of strings (default true). */
  readonly enableUtf8Validation?: boolean;
  /** Field names whose values stay BSON bytes. */
  readonly fieldsAsRaw?: Document;
  /**
   * Writes: `false` sends `undefined` fields of the documents as null. Default: they are left out
   * (the official driver's default sends null).
   */
  readonly ignoreUndefined?: boolean;
  /** Writes: encode functions as BSON code. */
  readonly serializeFunctions?: boolean;
}

export const BSON_OPTION_NAMES = [
  'raw',
  'promoteLongs',
  'promoteValues',
  'promoteBuffers',
  'useBigInt64',
  'bsonRegExp',
  'enableUtf8Validation',
  'fieldsAsRaw',
  'ignoreUndefined',
  'serializeFunctions',
] as const satisfies readonly (keyof BsonOptions)[];

/** Validated BSON options of `options` (only those set), or undefined when none is set. */
export function pickBsonOptions(options: object | undefined): BsonOptions | undefined {
  if (!options) return undefined;
  const source = options as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const name of BSON_OPTION_NAMES) {
    const value = source[name];
    if (value === undefined) continue;
    const ok =
      name === 'fieldsAsRaw' ? typeof value === 'object' && value !== null : typeof value === 'boolean';
    if (!ok)
      throw new MongoInvalidArgumentError(
        `${name} must be ${name === 'fieldsAsRaw' ? 'an object' : 'a boolean'}`,
      );
    out ??= {};
    out[name] = value;
  }
  return out;
}

/** The nearest level wins, option by option. */
export function layerBsonOptions(
  parent: BsonOptions | undefined,
  own: BsonOptions | undefined,
): BsonOptions | undefined {
  if (!own) return parent;
  if (!parent) return own;
  return { ...parent, ...own };
}

/** The options that change decoding (the two others only change encoding). */
const READ_BSON_OPTIONS = new Set<string>(
  BSON_OPTION_NAMES.filter((name) => name !== 'ignoreUndefined' && name !== 'serializeFunctions'),
);

/** Whether any decoding option is set (the options' own keys: few, unlike the names to look up). */
function hasReadBsonOption(options: BsonOptions): boolean {
  const given = options as Record<string, unknown>;
  for (const key in given) if (given[key] !== undefined && READ_BSON_OPTIONS.has(key)) return true;
  return false;
}

/** How the user's documents are decoded; undefined: the defaults (the fast path, nothing to redo). */
export function readBsonOptions(options: BsonOptions | undefined): DeserializeOptions | undefined {
  if (!options || !hasReadBsonOption(options)) return undefined;
  const out: DeserializeOptions & { raw?: boolean } = {};
  if (options.promoteLongs !== undefined) out.promoteLongs = options.promoteLongs;
  if (options.promoteValues !== undefined) out.promoteValues = options.promoteValues;
  if (options.promoteBuffers !== undefined) out.promoteBuffers = options.promoteBuffers;
  if (options.useBigInt64 !== undefined) out.useBigInt64 = options.useBigInt64;
  // bigint wins: bson refuses useBigInt64 with promoteLongs or promoteValues false (layered levels
  // can combine them, e.g. promoteLongs false on the client and useBigInt64 on a collection).
  if (out.useBigInt64) {
    delete out.promoteLongs;
    if (out.promoteValues === false) delete out.promoteValues;
  }
  if (options.bsonRegExp !== undefined) out.bsonRegExp = options.bsonRegExp;
  if (options.enableUtf8Validation === false) out.validation = { utf8: false };
  if (options.fieldsAsRaw !== undefined) out.fieldsAsRaw = options.fieldsAsRaw;
  if (options.raw) out.raw = true;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** How the user's documents are encoded; undefined: the defaults. */
export function writeBsonOptions(options: BsonOptions | undefined): SerializeOptions | undefined {
  if (!options || (options.ignoreUndefined === undefined && options.serializeFunctions === undefined))
    return undefined;
  return { ignoreUndefined: options.ignoreUndefined, serializeFunctions: options.serializeFunctions };
}

/** Cursor replies whose batches the user decodes: the batch documents stay bytes in the first pass. */
export const RAW_BATCHES: DeserializeOptions = { fieldsAsRaw: { firstBatch: true, nextBatch: true } };

/**
 * Decodes a batch kept as bytes with the user's options (or hands the bytes over with `raw`).
 * Anything that is not bytes is returned as it is (a batch already decoded).
 */
export function decodeBatch<T>(batch: unknown[], options: DeserializeOptions & { raw?: boolean }): T[] {
  if (options.raw) return batch as T[];
  return batch.map((doc) => (doc instanceof Uint8Array ? deserialize(doc, options) : doc) as T);
}
