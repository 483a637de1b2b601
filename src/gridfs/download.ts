import type { Document } from 'bson';
import type { DemandSource } from '../cursor/demand.js';
import { REUSABLE_REPLIES } from '../operations/operation.js';
import { concat, concatMap, defer, EMPTY, map, Observable, of, Subject } from '../rx.js';
import { ChunkChecker, chunkRange } from './chunk-check.js';
import { GridFSDeadline } from './deadline.js';
import { pullIterator } from './pull-iterator.js';
import type { GridFSCollection, GridFSOperationOptions } from './types.js';

/** Bytes of chunks a download asks for per batch (at least one chunk); see `batchSizeFor`. */
export const DOWNLOAD_BATCH_BYTES = 4 * 1024 * 1024;

/** Chunks per batch: about DOWNLOAD_BATCH_BYTES of them, so memory is one such batch at most. */
export function batchSizeFor(chunkSize: number): number {
  return Math.max(1, Math.floor(DOWNLOAD_BATCH_BYTES / Math.max(1, chunkSize)));
}

export interface DownloadPlan {
  readonly chunks: GridFSCollection;
  /** Emits the files document once, or errors (FileNotFound); subscribed once per download. */
  readonly file: (options: GridFSOperationOptions) => Observable<Document>;
  readonly start?: number;
  readonly end?: number;
  /** Chunks per batch; default from the file's chunk size (batchSizeFor). */
  readonly batchSize?: number;
  readonly options: GridFSOperationOptions;
  /** CSOT: the limit of the whole download (its own timeoutMS, else the inherited one). */
  readonly timeoutMS: number | undefined;
}

/**
 * A file's bytes, one Uint8Array per chunk (the first and last cut to the range). Cold: each
 * subscription reads the files document, then the chunks it needs, checking each as it comes.
 * Subscribed plainly, it reads as fast as the subscriber takes; `withDemand` (and the demand
 * operators, `for await`, `openDownloadStream`) emit only what was requested, so a getMore is
 * sent only when the buffered batch cannot cover the demand.
 */
export class GridFSDownload extends Observable<Uint8Array> implements DemandSource<Uint8Array> {
  constructor(private readonly plan: DownloadPlan) {
    super((subscriber) => bytesOf(plan, undefined).subscribe(subscriber));
  }

  /** The file's chunks, no more than `demand$` requested: chunks are fetched only as demand allows. */
  withDemand(demand$: Observable<number>): Observable<Uint8Array> {
    return bytesOf(this.plan, demand$);
  }

  /** Pull-based iteration: one chunk is requested per `next()`; `break` stops the download. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return pullIterator(this);
  }
}

function bytesOf(plan: DownloadPlan, demand$: Observable<number> | undefined): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    // Demand that arrives before the chunks cursor exists is kept and handed to it.
    let pending = 0;
    let relay: Subject<number> | undefined;
    const demandSub = demand$?.subscribe({
      next: (n) => {
        if (relay) relay.next(n);
        else pending += n;
      },
      error: (e: unknown) => subscriber.error(e),
    });
    const relayed = defer(() => {
      relay = new Subject<number>();
      const before = pending;
      pending = 0;
      return before > 0 ? concat(of(before), relay) : relay;
    });
    const deadline = new GridFSDeadline(plan.options, plan.timeoutMS);
    const sub = defer(() => plan.file(deadline.options()))
      .pipe(
        concatMap((file) => {
          const range = chunkRange(file, plan.start, plan.end);
          // A zero-length file (or range) needs no chunks query (gridfs spec, "File Download").
          if (range.first === range.last) return EMPTY;
          const checker = new ChunkChecker(range);
          const filter: Document = { files_id: file._id };
          // A whole-file read has no upper bound, so a chunk beyond the length is seen (ExtraChunk).
          if (range.first > 0 || range.last < range.total)
            filter.n =
              range.last < range.total ? { $gte: range.first, $lt: range.last } : { $gte: range.first };
          const cursor = plan.chunks.find(filter, {
            ...deadline.options(),
            sort: { n: 1 },
            batchSize: plan.batchSize ?? batchSizeFor(range.chunkSize),
            // The checker copies each chunk's data out of its batch: a batch's buffer is reused.
            [REUSABLE_REPLIES]: true,
          });
          const docs = demand$ ? cursor.withDemand(relayed) : cursor;
          return concat(
            docs.pipe(map((chunk) => checker.take(chunk))),
            defer(() => {
              checker.finish();
              return EMPTY;
            }),
          );
        }),
      )
      .subscribe(subscriber);
    return () => {
      demandSub?.unsubscribe();
      sub.unsubscribe();
    };
  });
}
