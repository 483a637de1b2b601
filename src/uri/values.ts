// Typed readers for connection-string option values (connection-string spec "Values").
// Each reader parses a URI string or checks a programmatic value; `undefined` means invalid.
import { inspect } from 'node:util';

export interface OptionReader<T> {
  /** Parses a percent-decoded URI value; `warn` reports parts it drops while keeping the rest. */
  fromString(text: string, warn: (message: string) => void): T | undefined;
  /** Checks a value given in MongoClientOptions. */
  fromValue(value: unknown, warn: (message: string) => void): T | undefined;
  /** Repeated keys append (readPreferenceTags) instead of replacing. */
  readonly list?: boolean;
  /** What a valid value looks like, for warnings and errors (e.g. "an integer from 0 to 2147483647"). */
  readonly expected?: string;
}

export const bool: OptionReader<boolean> = {
  expected: 'true or false',
  fromString: (text) => (text === 'true' ? true : text === 'false' ? false : undefined),
  fromValue: (value) => (typeof value === 'boolean' ? value : undefined),
};

/** An integer in [min, max] (32-bit unless a wider max is given). */
export function int(min: number, max = 2 ** 31 - 1): OptionReader<number> {
  const inRange = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  return {
    expected: `an integer from ${min} to ${max}`,
    fromString: (text) => (/^[+-]?\d+$/.test(text) && inRange(Number(text)) ? Number(text) : undefined),
    fromValue: (value) => (typeof value === 'number' && inRange(value) ? value : undefined),
  };
}

export const str: OptionReader<string> = {
  fromString: (text) => text,
  fromValue: (value) => (typeof value === 'string' ? value : undefined),
};

export function oneOf<const T extends string>(values: readonly T[]): OptionReader<T> {
  const check = (value: unknown): T | undefined =>
    (values as readonly unknown[]).includes(value) ? (value as T) : undefined;
  return { expected: `one of ${values.join(', ')}`, fromString: check, fromValue: check };
}

/** `w`: a non-negative integer, or any other non-empty string ("majority", a tag name). */
export const w: OptionReader<number | string> = {
  fromString: (text) =>
    /^[+-]?\d+$/.test(text) ? int(0).fromString(text, noWarn) : text.length > 0 ? text : undefined,
  fromValue: (value) =>
    typeof value === 'string' && value.length > 0 ? value : int(0).fromValue(value, noWarn),
};

/**
 * "k1:v1,k2:v2" (connection-string spec "Key value pairs"): the key runs to the first ':', so values
 * may hold colons (TOKEN_RESOURCE:mongodb://x). A pair without ':' is dropped with a warning.
 */
export function parsePairs(
  text: string,
  warn: (message: string) => void,
  what: string,
): Record<string, string> | undefined {
  const record: Record<string, string> = {};
  if (text === '') return record;
  let dropped = 0;
  for (const pair of text.split(',')) {
    const colon = pair.indexOf(':');
    if (colon <= 0) {
      dropped++;
      warn(`Ignoring a ${what} entry without a "key:value" form`);
      continue;
    }
    record[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return dropped > 0 && Object.keys(record).length === 0 ? undefined : record;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/** readPreferenceTags: each occurrence is one tag set; the option is a list of them. */
export const tagSets: OptionReader<Record<string, string>[]> = {
  list: true,
  fromString: (text, warn) => {
    const set = parsePairs(text, warn, 'readPreferenceTags');
    return set === undefined ? undefined : [set];
  },
  fromValue: (value) =>
    Array.isArray(value) && value.every(isStringRecord) ? value.map((t) => ({ ...t })) : undefined,
};

/** authMechanismProperties: string pairs from the URI; any values (callbacks, lists) from code. */
export const properties: OptionReader<Record<string, unknown>> = {
  fromString: (text, warn) => parsePairs(text, warn, 'authMechanismProperties'),
  fromValue: (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : undefined,
};

/** A comma-separated list of names from a known set; unknown names are dropped with a warning. */
export function nameList<const T extends string>(known: readonly T[]): OptionReader<T[]> {
  const keep = (names: readonly unknown[], warn: (m: string) => void): T[] =>
    names.filter((n): n is T => {
      const ok = (known as readonly unknown[]).includes(n);
      if (!ok) warn(`Unsupported compressor ${JSON.stringify(n)} ignored`);
      return ok;
    });
  return {
    fromString: (text, warn) =>
      keep(
        text.split(',').filter((s) => s.length > 0),
        warn,
      ),
    fromValue: (value, warn) => {
      const names = typeof value === 'string' ? value.split(',') : value;
      return Array.isArray(names) && names.every((n) => typeof n === 'string')
        ? keep(names, warn)
        : undefined;
    },
  };
}

function noWarn(): void {}

/**
 * A value given in code, for a message: primitives as text, objects inspected. Never throws, even
 * for objects whose toString or valueOf is not a function.
 */
export function describeValue(value: unknown): string {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  try {
    return inspect(value, { depth: 1, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 5 });
  } catch {
    return Object.prototype.toString.call(value);
  }
}
