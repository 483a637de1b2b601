import type { Document } from 'bson';
import { Observable } from 'rxjs';
import { CursorRun, type CursorSink, type CursorSpec } from './cursor-run.js';

export type { CursorSink, CursorSpec } from './cursor-run.js';

/** Options every cursor shares. */
export interface CursorOptions {
  /** Documents per batch (first batch and getMore). */
  readonly batchSize?: number;
  /** getMore `maxTimeMS` for tailable awaitData cursors. */
  readonly maxAwaitTimeMS?: number;
  readonly comment?: unknown;
  /** Fetch batch N+1 while batch N is consumed (never more than one batch ahead). */
  readonly prefetch?: boolean;
}

/**
 * A cursor is a cold Observable of documents: each subscription opens its own server cursor,
 * emits documents from each batch in a loop, sends getMore when the batch is used up, and kills
 * the server cursor when unsubscribed early.
 */
export class AbstractCursor<T = Document> extends Observable<T> {
  protected spec: CursorSpec<T>;

  constructor(spec: CursorSpec<T>) {
    // A plain function: `this` is the cursor at subscribe time, so clones may replace `spec`.
    super(function (this: Observable<T>, subscriber) {
      const run = new CursorRun<T>((this as AbstractCursor<T>).spec, subscriber);
      run.request(Number.POSITIVE_INFINITY);
      return () => run.cancel();
    });
    this.spec = spec;
  }

  /** One array per server batch (empty batches of tailable cursors are skipped). */
  batches(): Observable<T[]> {
    const spec = this.spec;
    return new Observable<T[]>((subscriber) => {
      const run = new CursorRun<T>(spec, CLOSED_SINK, subscriber);
      run.request(Number.POSITIVE_INFINITY);
      return () => run.cancel();
    });
  }

  /** Every document, in one array, once the cursor is exhausted. */
  toArray(): Observable<T[]> {
    const batches = this.batches();
    return new Observable<T[]>((subscriber) => {
      let all: T[] = [];
      return batches.subscribe({
        next: (batch) => {
          if (all.length === 0) all = batch.slice();
          else for (let i = 0; i < batch.length; i++) all.push(batch[i] as T);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          subscriber.next(all);
          subscriber.complete();
        },
      });
    });
  }

  /**
   * Reactive Streams `request(n)`: each number `demand$` emits adds to the outstanding demand; no
   * more documents are emitted than requested. Demand decides when a getMore is sent (only when the
   * buffer cannot cover it); `batchSize` or the remaining limit decides how many it asks for.
   */
  withDemand(demand$: Observable<number>): Observable<T> {
    const spec = this.spec;
    return new Observable<T>((subscriber) => {
      const run = new CursorRun<T>(spec, subscriber);
      const sub = demand$.subscribe({
        next: (n) => run.request(n),
        error: (e: unknown) => subscriber.error(e),
      });
      return () => {
        sub.unsubscribe();
        run.cancel();
      };
    });
  }

  /** A cursor that emits `fn(doc)` for each document (the original is unchanged). */
  map<U>(fn: (doc: T) => U): AbstractCursor<U> {
    return new AbstractCursor<U>(composeTransform(this.spec, fn));
  }

  /** Pull-based iteration: one document is requested per `next()`; `break` kills the cursor. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return cursorIterator(this.spec);
  }
}

/** The spec of a cursor whose documents go through `fn` after the existing transform. */
export function composeTransform<T, U>(spec: CursorSpec<T>, fn: (doc: T) => U): CursorSpec<U> {
  const previous = spec.transform;
  const transform = previous ? (doc: Document) => fn(previous(doc)) : (doc: Document) => fn(doc as T);
  return { ...spec, transform };
}

const CLOSED_SINK: CursorSink<never> = { closed: true, next() {}, error() {}, complete() {} };

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

function cursorIterator<T>(spec: CursorSpec<T>): AsyncIterator<T> {
  let waiter: Waiter<T> | undefined;
  let ready: T[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  const sink: CursorSink<T> = {
    get closed() {
      return done;
    },
    next(value) {
      const w = waiter;
      waiter = undefined;
      if (w) w.resolve({ value, done: false });
      else ready.push(value);
    },
    error(error) {
      done = true;
      failure = { error };
      const w = waiter;
      waiter = undefined;
      w?.reject(error);
    },
    complete() {
      done = true;
      const w = waiter;
      waiter = undefined;
      w?.resolve({ value: undefined, done: true });
    },
  };
  const run = new CursorRun<T>(spec, sink);
  const finished = (): IteratorResult<T> => ({ value: undefined, done: true });
  return {
    next(): Promise<IteratorResult<T>> {
      if (ready.length > 0) return Promise.resolve({ value: ready.shift() as T, done: false });
      if (failure) return Promise.reject(failure.error);
      if (done) return Promise.resolve(finished());
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiter = { resolve, reject };
        run.request(1);
      });
    },
    return(): Promise<IteratorResult<T>> {
      done = true;
      ready = [];
      run.cancel();
      return Promise.resolve(finished());
    },
  };
}
