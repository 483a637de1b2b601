import { type DemandSource, isDemandSource } from '../cursor/demand.js';
import { MongoInvalidArgumentError } from '../errors.js';
import { from, type ObservableInput } from '../rx.js';
import { pullIterator } from './pull-iterator.js';

/** What an upload reads from: one piece per `next()`, and `close()` to stop the source. */
export interface Puller {
  next(): Promise<Uint8Array | undefined>;
  close(): void;
}

/** What an upload takes: bytes, or an Observable (or other ObservableInput) of chunks of bytes. */
export type UploadSource = ObservableInput<Uint8Array> | Uint8Array;

function checkPiece(piece: unknown): Uint8Array {
  if (piece instanceof Uint8Array) return piece;
  throw new MongoInvalidArgumentError(`upload sources emit Uint8Array (or Buffer), got ${typeof piece}`);
}

/**
 * A puller over any upload source. Pull sources keep memory bounded: a Uint8Array, sync and async
 * iterables (Node Readables, async generators, web ReadableStreams) and demand sources (cursors)
 * yield one piece per `next()`. A plain Observable or Promise has no demand channel: what it pushes
 * ahead of the writes is queued, as in `concatMap`.
 */
export function pullerOf(source: UploadSource): Puller {
  if (source instanceof Uint8Array) {
    let done = false;
    return {
      next: async () => {
        if (done) return undefined;
        done = true;
        return source;
      },
      close: () => {
        done = true;
      },
    };
  }
  if (source !== null && typeof source === 'object' && !isObservableLike(source)) {
    const asyncIt = (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
    if (typeof asyncIt === 'function') return iteratorPuller(asyncIt.call(source));
    const syncIt = (source as Partial<Iterable<unknown>>)[Symbol.iterator];
    if (typeof syncIt === 'function') return iteratorPuller(syncIt.call(source));
  }
  return pushPuller(source);
}

function isObservableLike(source: object): boolean {
  return typeof (source as { subscribe?: unknown }).subscribe === 'function';
}

function iteratorPuller(it: Iterator<unknown> | AsyncIterator<unknown>): Puller {
  let closed = false;
  return {
    async next() {
      if (closed) return undefined;
      const r = await it.next();
      if (r.done || closed) return undefined;
      return checkPiece(r.value);
    },
    close() {
      if (closed) return;
      closed = true;
      void Promise.resolve(it.return?.()).catch(() => {});
    },
  };
}

/** Observables (with demand when they have it), Promises and other inputs `from` takes. */
function pushPuller(source: ObservableInput<Uint8Array>): Puller {
  const observable = from(source);
  const demandSource: DemandSource<Uint8Array> = isDemandSource(observable)
    ? observable
    : { withDemand: () => observable };
  return iteratorPuller(pullIterator(demandSource));
}
