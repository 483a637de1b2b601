import type { Document } from 'bson';
import { MongoInvalidArgumentError } from './errors.js';

/** A number of nodes, "majority", or a custom tag-set name. */
export type W = number | 'majority' | (string & {});

export interface WriteConcernOptions {
  readonly w?: W;
  /** Sent as `wtimeout` (read-write-concern spec). */
  readonly wtimeoutMS?: number;
  /** Sent as `j`. */
  readonly journal?: boolean;
}

/**
 * Throws MongoInvalidArgumentError when the write concern is invalid per the read-write-concern
 * spec: w a negative or non-integer number, negative wtimeoutMS, or `{w: 0, journal: true}`.
 */
export function validateWriteConcern(wc: WriteConcernOptions): void {
  const { w, wtimeoutMS, journal } = wc;
  if (w !== undefined) {
    if (typeof w === 'number') {
      if (!Number.isInteger(w) || w < 0)
        throw new MongoInvalidArgumentError('writeConcern w must be a non-negative integer or a string');
    } else if (typeof w !== 'string' || w.length === 0) {
      throw new MongoInvalidArgumentError(
        'writeConcern w must be a non-negative integer or a non-empty string',
      );
    }
  }
  if (
    wtimeoutMS !== undefined &&
    (typeof wtimeoutMS !== 'number' || !Number.isInteger(wtimeoutMS) || wtimeoutMS < 0)
  ) {
    throw new MongoInvalidArgumentError('writeConcern wtimeoutMS must be a non-negative integer');
  }
  if (journal !== undefined && typeof journal !== 'boolean') {
    throw new MongoInvalidArgumentError('writeConcern journal must be a boolean');
  }
  if (w === 0 && journal === true) {
    throw new MongoInvalidArgumentError('writeConcern cannot combine w: 0 with journal: true');
  }
}

/** The `writeConcern` command field: w, wtimeout, j; empty for the server default. */
export function writeConcernToDocument(wc: WriteConcernOptions): Document {
  const doc: Document = {};
  if (wc.w !== undefined) doc.w = wc.w;
  if (wc.wtimeoutMS !== undefined) doc.wtimeout = wc.wtimeoutMS;
  if (wc.journal !== undefined) doc.j = wc.journal;
  return doc;
}

/** Unacknowledged only when w is 0 and journaling was not asked for (spec: "isAcknowledged"). */
export function isAcknowledged(wc: WriteConcernOptions): boolean {
  return wc.w !== 0 || wc.journal === true;
}

/** A validated, immutable write concern. */
export class WriteConcern implements WriteConcernOptions {
  /** No write concern: the server's default applies. */
  static readonly serverDefault = new WriteConcern();

  /** How many members must acknowledge (`0`, `1`, ..., `'majority'` or a tag set name). */
  readonly w: W | undefined;
  readonly wtimeoutMS: number | undefined;
  readonly journal: boolean | undefined;

  constructor(options: WriteConcernOptions = {}) {
    validateWriteConcern(options);
    this.w = options.w;
    this.wtimeoutMS = options.wtimeoutMS;
    this.journal = options.journal;
    Object.freeze(this);
  }

  /**
   * A WriteConcern from options (`w`, `journal`, `wtimeoutMS`) or another WriteConcern (undefined: the
   * server default).
   */
  static from(value: WriteConcernOptions | undefined): WriteConcern {
    if (value instanceof WriteConcern) return value;
    return value === undefined ? WriteConcern.serverDefault : new WriteConcern(value);
  }

  /** No field set: the driver omits it and the server applies its own default. */
  get isServerDefault(): boolean {
    return this.w === undefined && this.wtimeoutMS === undefined && this.journal === undefined;
  }

  /** False only for `w: 0` without journaling: such writes get no reply (`acknowledged: false`). */
  get isAcknowledged(): boolean {
    return isAcknowledged(this);
  }

  /** The `writeConcern` document commands carry (`w`, `j`, `wtimeout`; empty for the server default). */
  toDocument(): Document {
    return writeConcernToDocument(this);
  }
}
