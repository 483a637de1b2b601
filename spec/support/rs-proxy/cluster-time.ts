import { Binary, type Document, Long, Timestamp } from 'bson';

/**
 * The deployment's logical clock: a Timestamp (seconds, increment) that every write advances and
 * that client gossip (`$clusterTime`) can move forward. Signatures are not checked (no keys): the
 * proxy signs with keyId 0 and a zero hash.
 */
export class LogicalClock {
  private seconds = Math.floor(Date.now() / 1000);
  private increment = 1;
  private lastWriteTime: Timestamp;
  private lastWriteDate = new Date();

  constructor() {
    this.lastWriteTime = this.now();
  }

  now(): Timestamp {
    return new Timestamp({ t: this.seconds, i: this.increment });
  }

  /** A write happened: the clock moves to a new time, which becomes the last write's optime. */
  tick(): Timestamp {
    const wall = Math.floor(Date.now() / 1000);
    if (wall > this.seconds) {
      this.seconds = wall;
      this.increment = 1;
    } else {
      this.increment++;
    }
    this.lastWriteTime = this.now();
    this.lastWriteDate = new Date();
    return this.lastWriteTime;
  }

  /** Moves the clock to `time` when that is later (gossip from a client's `$clusterTime`). */
  advance(time: unknown): void {
    if (!(time instanceof Timestamp)) return;
    if (time.t > this.seconds || (time.t === this.seconds && time.i > this.increment)) {
      this.seconds = time.t;
      this.increment = time.i;
    }
  }

  /** `$clusterTime` as a server sends it. */
  clusterTimeDocument(): Document {
    return {
      clusterTime: this.now(),
      signature: { hash: new Binary(Buffer.alloc(20)), keyId: Long.fromInt(0) },
    };
  }

  /** `lastWrite` of hello (every member has every write: they share one upstream). */
  lastWrite(term: number): Document {
    const opTime = { ts: this.lastWriteTime, t: Long.fromInt(term) };
    return {
      opTime,
      lastWriteDate: this.lastWriteDate,
      majorityOpTime: opTime,
      majorityWriteDate: this.lastWriteDate,
    };
  }

  /** Adds `$clusterTime` and `operationTime` (default: now) to a reply. */
  stamp(reply: Document, operationTime: Timestamp = this.now()): Document {
    reply.$clusterTime = this.clusterTimeDocument();
    reply.operationTime = operationTime;
    return reply;
  }
}
