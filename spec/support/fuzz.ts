// Seeded fuzzing helpers: a replayable PRNG, values of every type a BSON reply can carry (the
// hostile ones included), document and string mutators, and a checker that accepts only typed
// errors. Bounded by case count, never by the clock.
import assert from 'node:assert/strict';
import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  type Document,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from 'bson';
import { MongoError } from '../../src/errors.js';

/** mulberry32: a seeded PRNG, so a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rand {
  readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** The seed of a fuzz test: FUZZ_SEED replays a run, else the test's own fixed seed. */
export function fuzzSeed(fixed: number): number {
  return Number(process.env.FUZZ_SEED ?? fixed);
}

/** Keys that trip code treating documents as plain objects. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'length',
  '',
];

const NUMBERS = [0, -0, 1, -1, 0.5, 2 ** 31, -(2 ** 31), 2 ** 53, Number.NaN, Infinity, -Infinity, 1e308];
const STRINGS = [
  '',
  'x',
  'a:1',
  'localhost:27017',
  '[::1]:27017',
  'a'.repeat(300),
  '\u0000',
  '💥',
  'isdbgrid',
];

/** A value of a random BSON type, as `deserialize` could hand it over. */
export function bsonValue(r: Rand, depth = 0): unknown {
  switch (r.int(depth > 2 ? 16 : 19)) {
    case 0:
      return r.pick(NUMBERS);
    case 1:
      return r.int(2000) - 1000;
    case 2:
      return r.pick(STRINGS);
    case 3:
      return r.chance(0.5);
    case 4:
      return null;
    case 5:
      return Long.fromNumber(r.int(1e6) - 10);
    case 6:
      return r.chance(0.5) ? Long.MAX_VALUE : Long.MIN_VALUE;
    case 7:
      return new ObjectId();
    case 8:
      return new Date(r.chance(0.2) ? Number.NaN : r.int(2e12));
    case 9:
      return new Binary(Buffer.from([r.int(256), r.int(256)]), r.int(9));
    case 10:
      return new Timestamp({ t: r.int(1e9), i: r.int(10) });
    case 11:
      return Decimal128.fromString(r.pick(['0', '1', 'NaN', '-Infinity', '1E+6144']));
    case 12:
      return r.pick([
        new MinKey(),
        new MaxKey(),
        new Code('x'),
        new BSONSymbol('s'),
        new BSONRegExp('a', 'i'),
      ]);
    case 13:
      return r.pick([new Int32(r.int(100)), new Double(r.chance(0.5) ? 1 : Number.NaN)]);
    case 14:
      return /x/g;
    case 15:
      return { [r.pick(HOSTILE_KEYS)]: r.pick(NUMBERS) };
    case 16:
      return Array.from({ length: r.int(4) }, () => bsonValue(r, depth + 1));
    case 17:
      return randomDocument(r, depth + 1);
    default:
      return Array.from({ length: r.int(3) }, () => randomDocument(r, depth + 1));
  }
}

export function randomDocument(r: Rand, depth = 0): Document {
  const doc: Document = {};
  for (let i = 0, n = r.int(4); i < n; i++)
    define(doc, r.chance(0.2) ? r.pick(HOSTILE_KEYS) : `k${r.int(10)}`, bsonValue(r, depth + 1));
  return doc;
}

/** Sets an own property, even `__proto__` (as bson's deserialize does). */
function define(target: Document | unknown[], key: string | number, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    (target as Record<string | number, unknown>)[key] = value;
  }
}

function isContainer(v: unknown): v is Document | unknown[] {
  return (
    (Array.isArray(v) || (typeof v === 'object' && v !== null)) &&
    Object.getPrototypeOf(v) === (Array.isArray(v) ? Array.prototype : Object.prototype)
  );
}

/** A shallow copy of a plain document or array (own `__proto__` keys included). */
function shallowCopy(v: Document | unknown[]): Document | unknown[] {
  if (Array.isArray(v)) return v.slice();
  if (!Object.hasOwn(v, '__proto__')) return { ...v };
  const out: Document = {};
  for (const key of Object.keys(v)) define(out, key, v[key]);
  return out;
}

/**
 * Values are drawn from a pool built once (from its own seed): building BSON values would cost more
 * than most parsers under test. Containers from the pool are copied before any change, never changed.
 */
const VALUE_POOL_SIZE = 4096;
let valuePool: unknown[] | undefined;
function pooledValue(r: Rand): unknown {
  if (!valuePool) {
    const own = new Rand(0x5eed);
    valuePool = Array.from({ length: VALUE_POOL_SIZE }, () => bsonValue(own));
  }
  return valuePool[r.int(VALUE_POOL_SIZE)];
}

function anyKey(r: Rand, keys: readonly string[]): string {
  return r.int(keys.length + HOSTILE_KEYS.length) < keys.length ? r.pick(keys) : r.pick(HOSTILE_KEYS);
}

/** One change in place: a value of another type, a key deleted or added, a wrap, many elements. */
function mutateHere(r: Rand, target: Document | unknown[], keys: readonly string[]): void {
  const ownKeys = Object.keys(target);
  const key = ownKeys.length > 0 && r.chance(0.8) ? r.pick(ownKeys) : undefined;
  const slot = Array.isArray(target) ? Number(key ?? target.length) : (key ?? anyKey(r, keys));
  const current = key === undefined ? undefined : (target as Document)[key];
  switch (r.int(6)) {
    case 0:
      if (key !== undefined && !Array.isArray(target)) delete (target as Document)[key];
      else define(target, slot, pooledValue(r));
      break;
    case 1: // wrap: the value inside an array or a document
      define(target, slot, r.chance(0.5) ? [current] : { v: current });
      break;
    case 2: // a known key with any value
      define(
        target,
        !Array.isArray(target) && keys.length > 0 && r.chance(0.7) ? r.pick(keys) : slot,
        pooledValue(r),
      );
      break;
    case 3: {
      // many elements (one value repeated: the count is what matters)
      const v = r.chance(0.5) ? pooledValue(r) : {};
      define(
        target,
        slot,
        Array.from({ length: 1 + r.int(50) }, () => v),
      );
      break;
    }
    default:
      define(target, slot, pooledValue(r));
  }
}

/**
 * `node`, or its copy, with one change somewhere at or below it: only the containers on the path
 * are copied, each once per mutated document (`own` holds the copies already made).
 */
function mutateBelow(
  r: Rand,
  node: Document | unknown[],
  keys: readonly string[],
  own: WeakSet<object>,
): Document | unknown[] {
  const copy = own.has(node) ? node : shallowCopy(node);
  own.add(copy);
  const children = Object.keys(copy).filter((k) => isContainer((copy as Document)[k]));
  if (children.length > 0 && r.chance(0.6)) {
    const k = r.pick(children);
    define(copy, Array.isArray(copy) ? Number(k) : k, mutateBelow(r, (copy as Document)[k], keys, own));
  } else {
    mutateHere(r, copy, keys);
  }
  return copy;
}

/**
 * A mutated copy of `seed` (the seed itself is never changed): one to three changes at random
 * places. `keys` are field names worth adding (the ones the parser under test reads).
 */
export function mutateDocument(r: Rand, seed: Document, keys: readonly string[] = []): Document {
  let doc: Document = seed;
  const own = new WeakSet<object>();
  for (let i = 0, n = 1 + r.int(3); i < n; i++) doc = mutateBelow(r, doc, keys, own) as Document;
  return doc;
}

const URI_CHARS = [
  ...'%@:/?&=,.[]+;# \\"$',
  '%2',
  '%zz',
  '%00',
  '%FF',
  '%40',
  '%3A',
  '%2F',
  '\u0000',
  'é',
  '💥',
  '0',
  '-1',
  'true',
];

/** A mutated copy of a string: characters inserted, removed, replaced, segments repeated or cut. */
export function mutateString(r: Rand, seed: string, alphabet: readonly string[] = URI_CHARS): string {
  let s = seed;
  for (let i = 0, n = 1 + r.int(4); i < n; i++) {
    const at = r.int(s.length + 1);
    switch (r.int(6)) {
      case 0:
        s = s.slice(0, at) + r.pick(alphabet) + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + r.int(3));
        break;
      case 2:
        s = s.slice(0, at) + r.pick(alphabet) + s.slice(at + 1);
        break;
      case 3: {
        const end = at + r.int(20);
        s = s.slice(0, end) + s.slice(at, end) + s.slice(end);
        break;
      }
      case 4:
        s = r.chance(0.5) ? s.slice(0, at) : s.slice(at);
        break;
      default:
        s = s.slice(0, at) + s.slice(at).toUpperCase();
    }
  }
  return s;
}

/** Tallies outcomes; fails at once, naming the case, when something other than a MongoError is thrown. */
export class TypedOutcomes {
  readonly counts = new Map<string, number>();
  ok = 0;

  run(what: string, describe: () => string, f: () => unknown): void {
    try {
      f();
      this.ok++;
    } catch (e) {
      if (!(e instanceof MongoError)) {
        assert.fail(
          `${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} for ${describe()}`,
        );
      }
      this.counts.set(e.name, (this.counts.get(e.name) ?? 0) + 1);
    }
  }

  get errors(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  toString(): string {
    return JSON.stringify({ ok: this.ok, ...Object.fromEntries(this.counts) });
  }
}
