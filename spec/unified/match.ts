// Matching of expected against actual values (unified test format, "Evaluating Matches").
import { Binary, type Document, EJSON, ObjectId } from 'bson';

/** What the matcher needs from the entity map ($$matchesEntity, $$sessionLsid). */
export interface MatchEntities {
  lookup(id: string): unknown;
  sessionLsid(id: string): unknown;
}

export class MatchError extends Error {}

const noEntities: MatchEntities = {
  lookup: (id) => {
    throw new Error(`no entity ${id}`);
  },
  sessionLsid: (id) => {
    throw new Error(`no session ${id}`);
  },
};

export function isPlainDocument(v: unknown): v is Document {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** An actual value that is a document: plain objects and driver result classes, not BSON values. */
export function isDocumentLike(v: unknown): v is Document {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  if ('_bsontype' in v || v instanceof Date || v instanceof Uint8Array || v instanceof RegExp) return false;
  return !(v instanceof Map || v instanceof Set);
}

/** `{ $$op: arg }`: the name of a special operator when `v` is exactly one. */
export function specialOperator(v: unknown): string | undefined {
  if (!isPlainDocument(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0].startsWith('$$') ? keys[0] : undefined;
}

/** Throws MatchError naming the path of the first mismatch. */
export function assertMatches(
  expected: unknown,
  actual: unknown,
  options: { root?: boolean; entities?: MatchEntities } = {},
): void {
  matchValue(expected, actual, options.root ?? true, '$', options.entities ?? noEntities);
}

export function matches(expected: unknown, actual: unknown, root = true, entities?: MatchEntities): boolean {
  try {
    assertMatches(expected, actual, { root, entities });
    return true;
  } catch (e) {
    if (e instanceof MatchError) return false;
    throw e;
  }
}

function fail(path: string, msg: string): never {
  throw new MatchError(`${path}: ${msg}`);
}

function show(v: unknown): string {
  try {
    return EJSON.stringify(v as Document, { relaxed: true });
  } catch {
    return String(v);
  }
}

function matchValue(
  expected: unknown,
  actual: unknown,
  root: boolean,
  path: string,
  ents: MatchEntities,
): void {
  const op = specialOperator(expected);
  if (op) {
    matchOperator(op, (expected as Document)[op], actual, root, path, ents);
    return;
  }
  if (isPlainDocument(expected)) {
    if (!isDocumentLike(actual)) fail(path, `expected a document ${show(expected)}, got ${show(actual)}`);
    for (const [key, value] of Object.entries(expected)) {
      const sub = `${path}.${key}`;
      const keyOp = specialOperator(value);
      const has = key in actual && actual[key] !== undefined;
      if (keyOp === '$$exists') {
        if (Boolean(value.$$exists) !== has)
          fail(sub, value.$$exists ? 'missing' : `unexpected ${show(actual[key])}`);
        continue;
      }
      if (keyOp === '$$unsetOrMatches' && !has) continue;
      if (!has) fail(sub, `missing (expected ${show(value)})`);
      matchValue(value, actual[key], false, sub, ents);
    }
    if (!root) {
      const extra = Object.keys(actual).filter((k) => !Object.hasOwn(expected, k) && actual[k] !== undefined);
      if (extra.length > 0)
        fail(path, `unexpected keys ${extra.join(', ')} in nested document ${show(actual)}`);
    }
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) fail(path, `expected an array, got ${show(actual)}`);
    if (actual.length !== expected.length) {
      fail(path, `expected ${expected.length} elements, got ${actual.length}: ${show(actual)}`);
    }
    // Array elements keep the caller's root-ness: operations returning iterables of documents pass root=true.
    expected.forEach((e, i) => {
      matchValue(e, actual[i], root && isPlainDocument(e), `${path}[${i}]`, ents);
    });
    return;
  }
  if (!scalarEquals(expected, actual)) fail(path, `expected ${show(expected)}, got ${show(actual)}`);
}

function matchOperator(
  op: string,
  arg: unknown,
  actual: unknown,
  root: boolean,
  path: string,
  ents: MatchEntities,
) {
  switch (op) {
    case '$$exists':
      if (Boolean(arg) !== (actual !== undefined)) fail(path, `$$exists ${arg}`);
      return;
    case '$$type': {
      const types = Array.isArray(arg) ? arg : [arg];
      if (actual === undefined || !types.some((t) => hasType(actual, String(t)))) {
        fail(path, `expected type ${types.join('|')}, got ${show(actual)}`);
      }
      return;
    }
    case '$$unsetOrMatches':
      if (actual === undefined) return;
      return matchValue(arg, actual, root, path, ents);
    case '$$matchesEntity':
      return matchValue(ents.lookup(String(arg)), actual, root, path, ents);
    case '$$matchesHexBytes': {
      if (typeof arg !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(arg))
        throw new Error(`malformed $$matchesHexBytes ${arg}`);
      const bytes = toBytes(actual);
      if (!bytes || Buffer.from(bytes).toString('hex') !== arg.toLowerCase())
        fail(path, `expected bytes ${arg}`);
      return;
    }
    case '$$sessionLsid': {
      const lsid = ents.sessionLsid(String(arg));
      return matchValue(lsid, actual, false, path, ents);
    }
    case '$$lte': {
      const a = toNumber(actual);
      const e = toNumber(arg);
      if (a === undefined || e === undefined || !(a <= e))
        fail(path, `expected <= ${show(arg)}, got ${show(actual)}`);
      return;
    }
    case '$$matchAsDocument': {
      if (typeof actual !== 'string') fail(path, `$$matchAsDocument needs a string, got ${show(actual)}`);
      let parsed: unknown;
      try {
        parsed = EJSON.parse(actual);
      } catch (e) {
        fail(path, `not extended JSON: ${(e as Error).message}`);
      }
      return matchValue(arg, parsed, false, path, ents);
    }
    case '$$matchAsRoot':
      return matchValue(arg, actual, true, path, ents);
    default:
      throw new Error(`unknown special operator ${op} at ${path}`);
  }
}

function toBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Binary) return v.buffer;
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  return undefined;
}

interface BsonValue {
  _bsontype?: string;
}

function bsonType(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? (v as BsonValue)._bsontype : undefined;
}

/** Numbers of any BSON numeric type except Decimal128 compare by value (flexible numerics). */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const t = bsonType(v);
  if (t === 'Int32' || t === 'Double') return (v as { value: number }).value;
  if (t === 'Long') return (v as { toNumber(): number }).toNumber();
  return undefined;
}

function scalarEquals(expected: unknown, actual: unknown): boolean {
  const en = toNumber(expected);
  if (en !== undefined) {
    const an = toNumber(actual);
    return an !== undefined && (an === en || (Number.isNaN(an) && Number.isNaN(en)));
  }
  if (expected === null || actual === null || expected === undefined || actual === undefined) {
    return expected === actual;
  }
  if (typeof expected !== 'object') return expected === actual;
  if (expected instanceof Date) return actual instanceof Date && actual.getTime() === expected.getTime();
  if (expected instanceof ObjectId) return actual instanceof ObjectId && actual.equals(expected);
  const et = bsonType(expected);
  if (et !== bsonType(actual)) return false;
  // Other BSON values (Binary, Timestamp, Decimal128, Regex, ...): compare canonical extended JSON.
  return canonical(expected) === canonical(actual);
}

function canonical(v: unknown): string {
  return EJSON.stringify({ v } as Document, { relaxed: false });
}

/** The `$type` alias names (MongoDB query operator) the runner understands. */
export function hasType(v: unknown, type: string): boolean {
  const t = bsonType(v);
  switch (type) {
    case 'double':
      return typeof v === 'number' || t === 'Double';
    case 'int':
      return (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** 31) || t === 'Int32';
    case 'long':
      return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' || t === 'Long';
    case 'decimal':
      return t === 'Decimal128';
    case 'number':
      return ['double', 'int', 'long', 'decimal'].some((n) => hasType(v, n));
    case 'string':
      return typeof v === 'string';
    case 'object':
      return isDocumentLike(v);
    case 'array':
      return Array.isArray(v);
    case 'binData':
      return t === 'Binary' || v instanceof Uint8Array;
    case 'objectId':
      return v instanceof ObjectId || t === 'ObjectId';
    case 'bool':
      return typeof v === 'boolean';
    case 'date':
      return v instanceof Date;
    case 'null':
      return v === null;
    case 'regex':
      return v instanceof RegExp || t === 'BSONRegExp';
    case 'timestamp':
      return t === 'Timestamp';
    case 'javascript':
      return t === 'Code';
    case 'minKey':
      return t === 'MinKey';
    case 'maxKey':
      return t === 'MaxKey';
    case 'symbol':
      return t === 'BSONSymbol';
    case 'undefined':
      return v === undefined;
    default:
      throw new Error(`unknown $$type ${type}`);
  }
}
