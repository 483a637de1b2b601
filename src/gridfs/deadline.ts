import { MongoOperationTimeoutError } from '../errors.js';
import type { GridFSOperationOptions } from './types.js';

/**
 * One time limit over every command of an upload or a download (CSOT, "GridFS API": timeoutMS
 * applies to the whole operation, not to each of its parts). Started when the operation is
 * subscribed; each command gets the time left as its own timeoutMS.
 */
export class GridFSDeadline {
  private readonly end: number | undefined;

  /** `timeoutMS`: the operation's own, else the bucket's inherited one; 0 or undefined is no limit. */
  constructor(
    private readonly base: GridFSOperationOptions,
    timeoutMS: number | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.end = timeoutMS ? this.now() + timeoutMS : undefined;
  }

  /** The options of the next command: the time left; a MongoOperationTimeoutError when none is. */
  options(): GridFSOperationOptions {
    if (this.end === undefined) return this.base;
    const left = Math.floor(this.end - this.now());
    if (left <= 0) throw new MongoOperationTimeoutError('GridFS operation exceeded its timeoutMS');
    return { ...this.base, timeoutMS: left };
  }
}
