// The proxy's oplog of change events: every write the proxy forwards becomes events here, each
// with a resume token (its position) and the cluster time of the write. Cursors read from it and
// wait on it for new entries.
import type { Document, Timestamp } from 'bson';

/** Where an event happened; `coll` is absent for database-level events (dropDatabase). */
export interface Namespace {
  readonly db: string;
  readonly coll?: string;
}

export interface ChangeEntry {
  /** 1, 2, ... in the order the writes were applied. */
  readonly seq: number;
  readonly clusterTime: Timestamp;
  readonly ns: Namespace;
  /** The event as mongod shows it, without `_id`, `clusterTime` (added per cursor). */
  readonly event: Document;
  /** Only with showExpandedEvents (create, createIndexes, dropIndexes, modify). */
  readonly expanded: boolean;
  /** The streams on this collection (or database) end here: invalidate follows. */
  readonly invalidates?: 'collection' | 'database';
}

export class ChangeLog {
  readonly entries: ChangeEntry[] = [];
  private waiters = new Set<() => void>();

  get head(): number {
    return this.entries.length;
  }

  append(entry: Omit<ChangeEntry, 'seq'>): void {
    this.entries.push({ ...entry, seq: this.entries.length + 1 });
    const waiting = this.waiters;
    this.waiters = new Set();
    for (const wake of waiting) wake();
  }

  /** Entries after position `pos`. */
  after(pos: number): ChangeEntry[] {
    return this.entries.slice(pos);
  }

  /** The first position whose entry happened at or after `time`. */
  positionAt(time: Timestamp): number {
    const i = this.entries.findIndex((e) => e.clusterTime.greaterThanOrEqual(time));
    return i < 0 ? this.entries.length : i;
  }

  /** Resolves when an entry is appended, after `ms`, or when `signal` aborts, whichever is first. */
  waitForAppend(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
