import { type Document, Timestamp } from 'bson';
import { MongoInvalidArgumentError, MongoServerError } from '../errors.js';
import { asyncScheduler, Observable, type SchedulerLike, Subscription } from '../rx.js';
import { CursorRun, type CursorSpec, type ResumableCursorHooks } from './cursor-run.js';

/** Options of `find(...).live()`. */
export interface LiveQueryOptions {
  /**
   * Wait this long after a change before re-reading (each further change restarts the wait), so a
   * burst of writes costs one re-read. 0 (default): re-read at once, still at most one in flight.
   */
  readonly debounceMS?: number;
  /** The clock of `debounceMS` (tests pass a TestScheduler). Default: the client's. */
  readonly scheduler?: SchedulerLike;
}

/** One result of the query and the cluster time it was read at. */
export interface Snapshot<T> {
  readonly docs: T[];
  readonly operationTime: Timestamp | undefined;
}

/** The change stream a live query follows, started at the time of a read. */
export type WatchFrom = (startAtOperationTime: Timestamp | undefined) => Observable<Document>;

/**
 * Server errors after which a change stream cannot go on from where it was (its history is gone,
 * its token no longer resolves): the live query then reads again from scratch and starts a new stream.
 */
const RESUME_IMPOSSIBLE = new Set([
  286, // ChangeStreamHistoryLost
  260, // InvalidResumeToken
  280, // ChangeStreamFatalError
  136, // CappedPositionLost
]);

/** Runs the query once and emits every document with the reply's operationTime. */
export function snapshot<T>(spec: CursorSpec<T>): Observable<Snapshot<T>> {
  return new Observable<Snapshot<T>>((subscriber) => {
    const docs: T[] = [];
    let operationTime: Timestamp | undefined;
    const hooks: ResumableCursorHooks = {
      onReply: (reply, opening) => {
        if (opening) operationTime = reply.operationTime;
      },
      onDocument: () => false,
      resumeWith: () => undefined,
    };
    const run = new CursorRun<T>(
      { ...spec, resumable: hooks },
      {
        get closed() {
          return subscriber.closed;
        },
        next: (d) => docs.push(d),
        error: (e) => subscriber.error(e),
        complete: () => {
          subscriber.next({ docs, operationTime });
          subscriber.complete();
        },
      },
    );
    run.request(Number.POSITIVE_INFINITY);
    return () => run.cancel();
  });
}

/**
 * A live query: the current result, then a new one after each burst of changes. The change stream
 * starts at the operationTime of the read, so no change between the read and the stream is lost.
 * At most one re-read is in flight: changes during a read cause one more read after it. On
 * invalidate (the collection was dropped or renamed) or when the stream cannot resume, the query
 * is read from scratch and a new stream started at that read. Unsubscribing releases the cursor,
 * the change stream and the debounce timer.
 */
export function liveQuery<T>(
  read: () => Observable<Snapshot<T>>,
  watch: WatchFrom,
  options: LiveQueryOptions,
  defaultScheduler: SchedulerLike | undefined,
): Observable<T[]> {
  return new Observable<T[]>((subscriber) => {
    const debounceMS = options.debounceMS ?? 0;
    if (!(debounceMS >= 0) || !Number.isFinite(debounceMS)) {
      subscriber.error(new MongoInvalidArgumentError(`debounceMS must be a number >= 0, got ${debounceMS}`));
      return;
    }
    const scheduler = options.scheduler ?? defaultScheduler ?? asyncScheduler;
    const all = new Subscription();
    let reading = false;
    /** A change arrived during the read in flight: read once more after it. */
    let again = false;
    /** The next read also starts a new change stream (first read, invalidate, resume impossible). */
    let restart = true;
    let stream: Subscription | undefined;
    let timer: Subscription | undefined;

    const startStream = (at: Timestamp | undefined) => {
      stream?.unsubscribe();
      const sub = watch(at).subscribe({
        next: (event) => {
          // startAtOperationTime is inclusive: an event at (or before) the read's time is already
          // in what was emitted; re-reading for it would emit the same result again.
          const time: unknown = event.clusterTime;
          if (at && time instanceof Timestamp && time.compare(at) <= 0) return;
          if (event.operationType !== 'invalidate') changed();
        },
        // Ends only after invalidate: read from scratch, then follow a new stream.
        complete: () => {
          all.remove(sub);
          stream = undefined;
          restart = true;
          reread();
        },
        error: (e: unknown) => {
          all.remove(sub);
          stream = undefined;
          if (e instanceof MongoServerError && e.code !== undefined && RESUME_IMPOSSIBLE.has(e.code)) {
            restart = true;
            reread();
          } else subscriber.error(e);
        },
      });
      if (!sub.closed) {
        stream = sub;
        all.add(sub);
      }
    };

    const reread = () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      const startsStream = restart;
      restart = false;
      const sub = read().subscribe({
        next: (snap) => {
          subscriber.next(snap.docs);
          if (startsStream) startStream(snap.operationTime);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          all.remove(sub);
          reading = false;
          if (again || restart) {
            again = false;
            reread();
          }
        },
      });
      if (!sub.closed) all.add(sub);
    };

    const changed = () => {
      if (debounceMS === 0) {
        reread();
        return;
      }
      if (timer) all.remove(timer);
      timer?.unsubscribe();
      timer = scheduler.schedule(() => {
        timer = undefined;
        reread();
      }, debounceMS);
      all.add(timer);
    };

    reread();
    return () => all.unsubscribe();
  });
}
