import type { DemandSource } from '../cursor/demand.js';
import { Subject } from '../rx.js';

/**
 * An async iterator over a demand source: requests one value per `next()`. A source that ignores
 * demand (a plain Observable behind `withDemand`) has what it pushes ahead queued.
 */
export function pullIterator<T>(source: DemandSource<T>): AsyncIterator<T> {
  const demand = new Subject<number>();
  const ready: T[] = [];
  let waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  let done = false;
  let failure: { error: unknown } | undefined;
  const sub = source.withDemand(demand).subscribe({
    next: (value) => {
      const w = waiter;
      waiter = undefined;
      if (w) w.resolve({ value, done: false });
      else ready.push(value);
    },
    error: (error: unknown) => {
      done = true;
      failure = { error };
      waiter?.reject(error);
      waiter = undefined;
    },
    complete: () => {
      done = true;
      waiter?.resolve({ value: undefined, done: true });
      waiter = undefined;
    },
  });
  return {
    next() {
      if (ready.length > 0) return Promise.resolve({ value: ready.shift() as T, done: false });
      if (failure) return Promise.reject(failure.error);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiter = { resolve, reject };
        demand.next(1);
      });
    },
    return() {
      done = true;
      ready.length = 0;
      sub.unsubscribe();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
