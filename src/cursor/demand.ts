import { MongoInvalidArgumentError } from '../errors.js';
import {
  bufferCount,
  concatMap,
  exhaustMap,
  from,
  mergeMap,
  Observable,
  type ObservableInput,
  type OperatorFunction,
  Subject,
  Subscription,
} from '../rx.js';

/** A source that honours Reactive Streams demand (every cursor is one). */
export interface DemandSource<T> {
  /**
   * The source's values, no more than `demand$` has requested so far (each value it emits adds to the
   * demand).
   */
  withDemand(demand$: Observable<number>): Observable<T>;
}

/** True for an Observable that takes demand (a mongorx cursor): the *WithDemand operators drive it. */
export function isDemandSource<T>(source: Observable<T>): source is Observable<T> & DemandSource<T> {
  return typeof (source as Partial<DemandSource<T>>).withDemand === 'function';
}

function assertCount(value: number, what: string, infinite: boolean): void {
  if (!(value >= 1) || ((!infinite || value !== Number.POSITIVE_INFINITY) && !Number.isInteger(value))) {
    throw new MongoInvalidArgumentError(`${what} must be a positive integer, got ${value}`);
  }
}

/**
 * `mergeMap` with bounded concurrency that drives the source's demand: on a cursor it requests
 * `concurrency` documents, then one more each time a projection completes, so at most
 * `concurrency` documents are in work and at most one batch is buffered, however slow `project`
 * is. On any other Observable it is `mergeMap(project, concurrency)`.
 */
export function mergeMapWithDemand<T, R>(
  project: (value: T, index: number) => ObservableInput<R>,
  concurrency = 1,
): OperatorFunction<T, R> {
  assertCount(concurrency, 'concurrency', true);
  return (source) => {
    if (!isDemandSource(source) || concurrency === Number.POSITIVE_INFINITY) {
      return source.pipe(mergeMap(project, concurrency));
    }
    return groupsWithDemand(source, 1, concurrency, (group: T[], index) => project(group[0] as T, index));
  };
}

/**
 * `concatMap` that drives the source's demand: one document is requested, projected, and only when
 * its projection completes is the next one requested (so a slow async step never lets the cursor
 * run ahead by more than one batch). On any other Observable it is `concatMap(project)`.
 */
export function concatMapWithDemand<T, R>(
  project: (value: T, index: number) => ObservableInput<R>,
): OperatorFunction<T, R> {
  return (source) =>
    isDemandSource(source) ? source.pipe(mergeMapWithDemand(project, 1)) : source.pipe(concatMap(project));
}

/**
 * `exhaustMap`-like for cursors: a document is requested only while no projection is running, so
 * the cursor never runs ahead of a busy step. Unlike `exhaustMap` on a push source, nothing is
 * dropped (a pull source has nothing arriving while busy); on any other Observable it is
 * `exhaustMap(project)` and drops values that arrive while busy.
 */
export function exhaustMapWithDemand<T, R>(
  project: (value: T, index: number) => ObservableInput<R>,
): OperatorFunction<T, R> {
  return (source) =>
    isDemandSource(source) ? source.pipe(mergeMapWithDemand(project, 1)) : source.pipe(exhaustMap(project));
}

/**
 * Batching with demand (`bufferCount(size)` + `mergeMap(project, concurrency)` in one): requests
 * `size` documents per batch, hands each full batch (and the last, shorter one) to `project`, and
 * requests the next batch only when a projection completes; at most `concurrency` batches are in
 * work. On any other Observable it is `bufferCount(size)` then `mergeMap(project, concurrency)`.
 */
export function batchMapWithDemand<T, R>(
  size: number,
  project: (batch: T[], index: number) => ObservableInput<R>,
  concurrency = 1,
): OperatorFunction<T, R> {
  assertCount(size, 'size', false);
  assertCount(concurrency, 'concurrency', false);
  return (source) =>
    isDemandSource(source)
      ? groupsWithDemand(source, size, concurrency, project)
      : source.pipe(bufferCount(size), mergeMap(project, concurrency));
}

/**
 * The one demand loop of the operators above: requests `size * concurrency` values, groups them by
 * `size`, projects each group, and requests `size` more each time a projection completes. The
 * source's remaining values (a short last group) are projected when it completes.
 */
function groupsWithDemand<T, R>(
  source: Observable<T> & DemandSource<T>,
  size: number,
  concurrency: number,
  project: (group: T[], index: number) => ObservableInput<R>,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const demand = new Subject<number>();
    const inners = new Subscription();
    let active = 0;
    let index = 0;
    let sourceDone = false;
    let group: T[] = [];
    const innerDone = (inner: Subscription | undefined) => {
      active--;
      if (inner) inners.remove(inner);
      if (sourceDone) {
        if (active === 0) subscriber.complete();
      } else {
        demand.next(size);
      }
    };
    const start = (values: T[]) => {
      active++;
      let inner: Subscription | undefined;
      let completedSync = false;
      inner = from(project(values, index++)).subscribe({
        next: (r) => subscriber.next(r),
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          // `inner` is still unassigned when the projection completes synchronously.
          if (inner) innerDone(inner);
          else completedSync = true;
        },
      });
      if (completedSync) innerDone(undefined);
      else if (!inner.closed) inners.add(inner);
    };
    const outer = source.withDemand(demand).subscribe({
      next: (value) => {
        group.push(value);
        if (group.length < size) return;
        const full = group;
        group = [];
        start(full);
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => {
        sourceDone = true;
        if (group.length > 0) {
          const last = group;
          group = [];
          start(last);
        } else if (active === 0) subscriber.complete();
      },
    });
    demand.next(size * concurrency);
    return () => {
      outer.unsubscribe();
      inners.unsubscribe();
    };
  });
}
