// The runs of one cursor object, for those who hold the cursor (the official driver's `id`,
// `closed` and `close()`). A cursor is a cold Observable: each subscription (or iterator, stream,
// `batches()`, `withDemand`) is a run with a server cursor of its own. This keeps them together.
import type { Long } from 'bson';
import { toLong } from '../operations/cursor-commands.js';
import { Observable } from '../rx.js';

/** What the registry needs of a run (CursorRun implements it). */
export interface TrackedRun {
  /** The run's server cursor id: undefined before its first reply, 0 once exhausted or killed. */
  readonly serverCursorId: Long | bigint | number | undefined;
  /** Completed, errored or cancelled. */
  readonly isEnded: boolean;
  /**
   * Ends the run as an unsubscribe would (killCursors once any command in flight is answered) and
   * completes its subscriber; `done` is called once the run has let go of its server cursor.
   */
  close(done: () => void): void;
}

export class CursorRuns {
  /** Runs that have started and not yet let go of their server cursor and session. */
  private readonly live = new Set<TrackedRun>();
  private latest: TrackedRun | undefined;
  private closing = false;

  /** close() was called (and rewind() not since): new runs complete at once, sending nothing. */
  get isClosed(): boolean {
    return this.closing;
  }

  get id(): Long | undefined {
    const id = this.latest?.serverCursorId;
    return id === undefined ? undefined : toLong(id);
  }

  get closed(): boolean {
    if (this.closing) return true;
    if (!this.latest?.isEnded) return false;
    for (const run of this.live) if (!run.isEnded) return false;
    return true;
  }

  started(run: TrackedRun): void {
    this.live.add(run);
    this.latest = run;
  }

  released(run: TrackedRun): void {
    this.live.delete(run);
  }

  close(): Observable<void> {
    return new Observable<void>((subscriber) => {
      this.closing = true;
      const runs = [...this.live];
      let left = runs.length + 1;
      const done = () => {
        if (--left > 0) return;
        subscriber.next();
        subscriber.complete();
      };
      for (const run of runs) run.close(done);
      done();
    });
  }

  rewind(): void {
    this.closing = false;
  }
}
