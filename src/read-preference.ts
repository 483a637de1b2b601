import type { Document } from 'bson';
import { MongoInvalidArgumentError } from './errors.js';

export const READ_PREFERENCE_MODES = [
  'primary',
  'primaryPreferred',
  'secondary',
  'secondaryPreferred',
  'nearest',
] as const;
/** The read preference modes (`primary`, `secondaryPreferred`, ...). */
export type ReadPreferenceMode = (typeof READ_PREFERENCE_MODES)[number];

/** One tag set: every pair must match a server's tags. An empty set matches any server. */
export type TagSet = Readonly<Record<string, string>>;

export interface HedgeOptions {
  readonly enabled?: boolean;
}

export interface ReadPreferenceOptions {
  readonly tags?: readonly TagSet[];
  /** -1 or absent means no maximum. The >= 90s floor is checked by server selection (max-staleness spec). */
  readonly maxStalenessSeconds?: number;
  readonly hedge?: HedgeOptions;
}

export function isReadPreferenceMode(value: unknown): value is ReadPreferenceMode {
  return typeof value === 'string' && (READ_PREFERENCE_MODES as readonly string[]).includes(value);
}

/** A validated, immutable read preference (server-selection spec "Read preference"). */
export class ReadPreference {
  /** Reads go to the primary only (the default). */
  static readonly primary = new ReadPreference('primary');
  /** Reads go to the primary, or a secondary when there is none. */
  static readonly primaryPreferred = new ReadPreference('primaryPreferred');
  /** Reads go to a secondary only. */
  static readonly secondary = new ReadPreference('secondary');
  /** Reads go to a secondary, or the primary when there is none. */
  static readonly secondaryPreferred = new ReadPreference('secondaryPreferred');
  /** Reads go to the member with the lowest latency, primary or secondary. */
  static readonly nearest = new ReadPreference('nearest');

  /** The mode: primary, primaryPreferred, secondary, secondaryPreferred or nearest. */
  readonly mode: ReadPreferenceMode;
  /** Tag sets in order; empty when none were given. */
  readonly tags: readonly TagSet[];
  /**
   * Secondaries lagging the primary by more than this are not selected (90 at least; undefined: no
   * limit).
   */
  readonly maxStalenessSeconds: number | undefined;
  /** Hedged reads on sharded clusters (deprecated by the server in 8.0). */
  readonly hedge: HedgeOptions | undefined;

  constructor(mode: ReadPreferenceMode, options: ReadPreferenceOptions = {}) {
    if (!isReadPreferenceMode(mode)) {
      throw new MongoInvalidArgumentError(`Invalid read preference mode ${JSON.stringify(mode)}`);
    }
    const tags = options.tags ?? [];
    if (!Array.isArray(tags) || !tags.every(isTagSet)) {
      throw new MongoInvalidArgumentError('Read preference tags must be an array of string-valued documents');
    }
    const mss = options.maxStalenessSeconds;
    if (mss !== undefined && (typeof mss !== 'number' || !Number.isInteger(mss) || mss < -1)) {
      throw new MongoInvalidArgumentError('maxStalenessSeconds must be -1 or a non-negative integer');
    }
    const maxStalenessSeconds = mss === -1 ? undefined : mss;
    if (mode === 'primary') {
      // Server-selection spec: tags, maxStalenessSeconds and hedge are errors with mode primary.
      if (tags.some((t) => Object.keys(t).length > 0)) {
        throw new MongoInvalidArgumentError('Read preference mode primary cannot be combined with tags');
      }
      if (maxStalenessSeconds !== undefined) {
        throw new MongoInvalidArgumentError(
          'Read preference mode primary cannot be combined with maxStalenessSeconds',
        );
      }
      if (options.hedge !== undefined) {
        throw new MongoInvalidArgumentError('Read preference mode primary cannot be combined with hedge');
      }
    }
    this.mode = mode;
    this.tags = Object.freeze(tags.map((t) => Object.freeze({ ...t })));
    this.maxStalenessSeconds = maxStalenessSeconds;
    this.hedge = options.hedge === undefined ? undefined : Object.freeze({ ...options.hedge });
    Object.freeze(this);
  }

  /** A ReadPreference from a mode or another ReadPreference (undefined: primary). */
  static from(value: ReadPreference | ReadPreferenceMode | undefined): ReadPreference {
    if (value instanceof ReadPreference) return value;
    if (value === undefined) return ReadPreference.primary;
    return new ReadPreference(value);
  }

  /** True when a secondary may serve the read (OP_QUERY secondaryOk bit, mongos $readPreference). */
  get secondaryOk(): boolean {
    return this.mode !== 'primary';
  }

  /** The `$readPreference` document: mode, then tags / maxStalenessSeconds / hedge when set. */
  toDocument(): Document {
    const doc: Document = { mode: this.mode };
    if (this.tags.length > 0) doc.tags = this.tags.map((t) => ({ ...t }));
    if (this.maxStalenessSeconds !== undefined) doc.maxStalenessSeconds = this.maxStalenessSeconds;
    if (this.hedge !== undefined) doc.hedge = { ...this.hedge };
    return doc;
  }

  /** Same mode, tags, maxStalenessSeconds and hedge. */
  equals(other: ReadPreference): boolean {
    return JSON.stringify(this.toDocument()) === JSON.stringify(other.toDocument());
  }
}

/** The plain-object form users may write (`{ mode: 'secondary', tags: [...] }`), as in the official driver. */
export interface ReadPreferenceObject extends ReadPreferenceOptions {
  readonly mode: ReadPreferenceMode;
}

/** Every form a read preference option takes: an instance, a mode name, or a plain object. */
export type ReadPreferenceLike = ReadPreference | ReadPreferenceMode | ReadPreferenceObject;

/**
 * The one conversion from what users write to a validated ReadPreference (MongoInvalidArgumentError
 * on anything else); undefined and null stay undefined (the level above decides).
 */
export function readPreferenceOf(value: ReadPreferenceLike | null | undefined): ReadPreference | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof ReadPreference) return value;
  if (typeof value === 'string') return new ReadPreference(value);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MongoInvalidArgumentError(
      'readPreference must be a mode name, a ReadPreference or { mode, ... }',
    );
  }
  return new ReadPreference(value.mode, value);
}

function isTagSet(value: unknown): value is TagSet {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
