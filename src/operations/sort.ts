import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../errors.js';

/** A sort direction as the official driver takes it. */
export type SortDirection = 1 | -1 | 'asc' | 'desc' | 'ascending' | 'descending' | { readonly $meta: string };

/**
 * Every sort form the official driver's `Sort` type allows: a key (`'n'`), keys (`['a', 'b']`), one
 * pair (`['n', -1]`), pairs (`[['n', 'asc'], ['m', -1]]`), a Map, or a document (`{ n: 'desc' }`).
 */
export type Sort =
  | string
  | readonly string[]
  | { readonly [key: string]: SortDirection }
  | ReadonlyMap<string, SortDirection>
  | readonly (readonly [string, SortDirection])[]
  | readonly [string, SortDirection];

const WORDS: Readonly<Record<string, 1 | -1>> = { asc: 1, ascending: 1, desc: -1, descending: -1 };

function direction(value: unknown, key: string): 1 | -1 | Document {
  if (value === 1 || value === -1) return value;
  // BSON numbers (Int32, Double, Long) of 1 / -1 as decoded from EJSON.
  if (value !== null && typeof value === 'object' && '_bsontype' in value) {
    const n = Number(value);
    if (n === 1 || n === -1) return n;
  }
  if (typeof value === 'string') {
    const word = WORDS[value.toLowerCase()];
    if (word !== undefined) return word;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const meta = (value as Document).$meta;
    if (typeof meta === 'string' && Object.keys(value).length === 1) return { $meta: meta };
  }
  throw new MongoInvalidArgumentError(
    `sort direction of '${key}' must be 1, -1, 'asc', 'desc', 'ascending', 'descending' or { $meta }, got ${show(value)}`,
  );
}

function isDirection(value: unknown): boolean {
  try {
    direction(value, '');
    return true;
  } catch {
    return false;
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function key(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new MongoInvalidArgumentError(`sort keys must be non-empty strings, got ${show(value)}`);
  }
  return value;
}

/**
 * The wire `sort` document of any official sort form, with directions as 1 / -1 (or `$meta`); a
 * lone key or key list takes `defaultDirection`. Throws MongoInvalidArgumentError for anything else.
 */
export function sortDocument(sort: unknown, defaultDirection: unknown = 1): Document {
  const out: Document = {};
  if (typeof sort === 'string') {
    out[key(sort)] = direction(defaultDirection, sort);
    return out;
  }
  if (sort instanceof Map) {
    for (const [k, v] of sort) out[key(k)] = direction(v, String(k));
    return out;
  }
  if (Array.isArray(sort)) {
    // One pair (['n', -1]) or a list whose items are keys or pairs.
    if (sort.length === 2 && typeof sort[0] === 'string' && !Array.isArray(sort[1]) && isDirection(sort[1])) {
      out[key(sort[0])] = direction(sort[1], sort[0]);
      return out;
    }
    for (const item of sort) {
      if (Array.isArray(item)) {
        if (item.length !== 2)
          throw new MongoInvalidArgumentError(`sort pairs must be [key, direction], got ${show(item)}`);
        out[key(item[0])] = direction(item[1], String(item[0]));
      } else {
        out[key(item)] = direction(defaultDirection, String(item));
      }
    }
    return out;
  }
  if (sort !== null && typeof sort === 'object') {
    for (const [k, v] of Object.entries(sort)) out[key(k)] = direction(v, k);
    return out;
  }
  throw new MongoInvalidArgumentError(
    `sort must be a key, a list of keys or pairs, a Map or a document, got ${show(sort)}`,
  );
}
