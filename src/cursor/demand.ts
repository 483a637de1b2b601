import {
  from,
  mergeMap,
  Observable,
  type ObservableInput,
  type OperatorFunction,
  Subject,
  Subscription,
} from 'rxjs';
import { MongoInvalidArgumentError } from '../errors.js';

/** A source that honours Reactive Streams demand (every cursor is one). */
export interface DemandSource<T> {
  withDemand(demand$: Observable<number>): Observable<T>;
}

export function isDemandSource<T>(source: Observable<T>): source is Observable<T> & DemandSource<T> {
  return typeof (source as Partial<DemandSource<T>>).withDemand === 'function';
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
  if (!(concurrency >= 1) || (concurrency !== Number.POSITIVE_INFINITY && !Number.isInteger(concurrency))) {
    throw new MongoInvalidArgumentError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  return (source) => {
    if (!isDemandSource(source) || concurrency === Number.POSITIVE_INFINITY) {
      return source.pipe(mergeMap(project, concurrency));
    }
    return new Observable<R>((subscriber) => {
      const demand = new Subject<number>();
      const inners = new Subscription();
      let active = 0;
      let index = 0;
      let sourceDone = false;
      const innerDone = (inner: Subscription | undefined) => {
        active--;
        if (inner) inners.remove(inner);
        if (sourceDone) {
          if (active === 0) subscriber.complete();
        } else {
          demand.next(1);
        }
      };
      const outer = source.withDemand(demand).subscribe({
        next: (value) => {
          active++;
          let inner: Subscription | undefined;
          let completedSync = false;
          inner = from(project(value, index++)).subscribe({
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
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          if (active === 0) subscriber.complete();
        },
      });
      demand.next(concurrency);
      return () => {
        outer.unsubscribe();
        inners.unsubscribe();
      };
    });
  };
}
