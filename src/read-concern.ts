import type { Document } from 'bson';
import { MongoInvalidArgumentError } from './errors.js';

/** Levels the server knows today; any other string is passed through (read-write-concern spec: unknown levels). */
export type ReadConcernLevel =
  | 'local'
  | 'majority'
  | 'linearizable'
  | 'available'
  | 'snapshot'
  | (string & {});

export interface ReadConcernLike {
  readonly level?: ReadConcernLevel;
}

/** A read concern; with no level it is the server default and is not sent. */
export class ReadConcern implements ReadConcernLike {
  /** No read concern: the server's default applies. */
  static readonly serverDefault = new ReadConcern();

  /** `local`, `majority`, `linearizable`, `available` or `snapshot`; undefined for the server's default. */
  readonly level: ReadConcernLevel | undefined;

  constructor(level?: ReadConcernLevel) {
    if (level !== undefined && typeof level !== 'string') {
      throw new MongoInvalidArgumentError('readConcern level must be a string');
    }
    this.level = level;
    Object.freeze(this);
  }

  /**
   * A ReadConcern from a level, a `{ level }` document or another ReadConcern (undefined: the server
   * default).
   */
  static from(value: ReadConcernLike | ReadConcernLevel | undefined): ReadConcern {
    if (value instanceof ReadConcern) return value;
    if (value === undefined) return ReadConcern.serverDefault;
    if (typeof value === 'string') return new ReadConcern(value);
    return new ReadConcern(value.level);
  }

  /** The spec: a read concern with no fields is the server default; drivers omit it. */
  get isServerDefault(): boolean {
    return this.level === undefined;
  }

  /** The `readConcern` document commands carry (empty for the server default). */
  toDocument(): Document {
    return readConcernToDocument(this);
  }
}

/** The `readConcern` command field (read-write-concern spec, "Read Concern" document tests). */
export function readConcernToDocument(rc: ReadConcernLike): Document {
  return rc.level === undefined ? {} : { level: rc.level };
}
