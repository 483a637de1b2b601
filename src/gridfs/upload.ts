import { Long, ObjectId } from 'bson';
import { MongoGridFSStreamError } from '../errors.js';
import { type Observable, Observable as Rx } from '../rx.js';
import { Chunker } from './chunker.js';
import { GridFSDeadline } from './deadline.js';
import type { Puller } from './pull.js';
import {
  type GridFSCollection,
  type GridFSFile,
  type GridFSOperationOptions,
  type GridFSUploadOptions,
  UNOBSERVED_COMMANDS,
} from './types.js';

/** Everything one upload needs, resolved and checked when it is subscribed. */
export interface UploadPlan {
  readonly files: GridFSCollection;
  readonly chunks: GridFSCollection;
  /** The bucket's index check before its first write (shared by the bucket's uploads). */
  readonly prepare: Observable<never>;
  readonly id: unknown;
  readonly filename: string;
  readonly chunkSize: number;
  readonly source: Puller;
  readonly options: GridFSUploadOptions;
}

/** Why the loop stopped when the upload was aborted (never reaches a subscriber). */
const ABORTED = Symbol('aborted');

/**
 * Chunk inserts kept in flight at once (memory: this many chunks, plus one filling). One: on
 * FerretDB (SQLite) two in flight measured 30-40% slower (32 MiB uploads, medians of 5).
 */
const INSERT_WINDOW = 1;

/** Whether a run's rejection is its abort (not an error anyone should see). */
export function isAbort(e: unknown): boolean {
  return e === ABORTED;
}

/** The files collection document of a finished upload (gridfs spec, "File Upload"). */
export function filesDocument(
  id: unknown,
  filename: string,
  length: number,
  chunkSize: number,
  options: GridFSUploadOptions,
): GridFSFile {
  const file: Record<string, unknown> = { _id: id, length, chunkSize, uploadDate: new Date(), filename };
  if (options.contentType !== undefined) file.contentType = options.contentType;
  if (options.aliases !== undefined) file.aliases = options.aliases;
  if (options.metadata !== undefined) file.metadata = options.metadata;
  return file as unknown as GridFSFile;
}

/**
 * One upload: reads the source piece by piece, inserts each full chunk as soon as it is cut (one
 * insert in flight, while the next chunk fills), then the files document. Memory: one partial
 * chunk, one chunk in flight, and whatever the source itself holds.
 *
 * A failed insert is the upload's error and leaves what was written (the spec forbids cleaning
 * up). An abort (unsubscribe, `abort()`) or a source error waits for the insert in flight, then
 * deletes the chunks written (and the files document, if its insert was sent); a source error is
 * then re-raised.
 */
export class UploadRun {
  readonly result: Promise<GridFSFile>;
  /** Set once the run has settled (with a file or an error). */
  finished = false;
  private aborted = false;
  /** Rejects the step the run is waiting on (the index check or the source) when it is aborted. */
  private abortListener: (() => void) | undefined;
  /** Chunk inserts sent and not yet answered, oldest first (at most INSERT_WINDOW). */
  private readonly inFlight: Promise<unknown>[] = [];
  private sentChunks = false;
  private sentFile = false;
  private cleanup: Promise<void> | undefined;
  private chunker: Chunker | undefined;

  constructor(private readonly plan: UploadPlan) {
    this.result = this.run().finally(() => {
      this.finished = true;
    });
    // The caller may never look at the result (an abort): its rejection is not unhandled.
    this.result.catch(() => {});
  }

  /** Stops the upload and deletes what it wrote; rejects when that deletion fails. */
  abort(): Promise<void> {
    if (!this.aborted) {
      this.aborted = true;
      this.plan.source.close();
      this.abortListener?.();
      this.abortListener = undefined;
    }
    this.cleanup ??= this.result.then(
      () => this.removeWritten(),
      () => this.removeWritten(),
    );
    return this.cleanup;
  }

  private async run(): Promise<GridFSFile> {
    const { plan } = this;
    // CSOT: one limit over the whole upload (the cleanup after an abort gets its own).
    const deadline = new GridFSDeadline(
      operationOptions(plan.options),
      plan.options.timeoutMS ?? plan.files.timeoutMS,
    );
    await this.cancellable(subscribeOnce(plan.prepare));
    const chunker = new Chunker(plan.chunkSize);
    this.chunker = chunker;
    let n = 0;
    for (;;) {
      let piece: Uint8Array | undefined;
      try {
        piece = await this.cancellable(plan.source.next());
      } catch (e) {
        if (e === ABORTED) throw e;
        // A source error aborts the upload: the chunks written go, the source's error stays.
        await this.settleInFlight();
        await this.removeWritten().catch(() => {});
        throw e;
      }
      if (piece === undefined) break;
      for (const chunk of chunker.push(piece)) await this.insertChunk(n++, chunk, deadline);
    }
    const last = chunker.flush();
    if (last) await this.insertChunk(n++, last, deadline);
    await this.settleInFlight(true);
    const file = filesDocument(plan.id, plan.filename, chunker.length, plan.chunkSize, plan.options);
    this.checkAborted();
    this.sentFile = true;
    await subscribeOnce(
      plan.files.insertOne({ ...file, length: Long.fromNumber(chunker.length) }, deadline.options()),
    );
    this.checkAborted();
    return file;
  }

  /** Waits until fewer than INSERT_WINDOW inserts are in flight (their errors are the upload's), then sends this one. */
  private async insertChunk(n: number, data: Uint8Array, deadline: GridFSDeadline): Promise<void> {
    while (this.inFlight.length >= INSERT_WINDOW) await this.inFlight.shift();
    this.checkAborted();
    const op = deadline.options();
    this.sentChunks = true;
    const { chunks } = this.plan;
    const unobserved = chunks[UNOBSERVED_COMMANDS]?.();
    const insert = subscribeOnce(
      chunks.insertOne({ _id: new ObjectId(), files_id: this.plan.id, n, data }, op),
    );
    // Acknowledged (retries done), its bytes are free, unless a commandStarted listener may hold
    // the document: then the buffer is left to the collector.
    insert.then(
      () => {
        if (unobserved !== undefined && unobserved === chunks[UNOBSERVED_COMMANDS]?.())
          this.chunker?.recycle(data);
      },
      () => {},
    );
    this.inFlight.push(insert);
  }

  /** Waits for every insert in flight; with `rethrow`, the first error is the upload's. */
  private async settleInFlight(rethrow = false): Promise<void> {
    while (this.inFlight.length > 0) {
      const pending = this.inFlight.shift() as Promise<unknown>;
      if (rethrow) await pending;
      else await pending.catch(() => {});
    }
  }

  private checkAborted(): void {
    if (this.aborted) throw ABORTED;
  }

  /**
   * `p`, unless the upload is aborted first. (Not Promise.race against one long-lived abort
   * promise: each race would leave a reaction on it that keeps its settled value, every piece of
   * the upload, alive.)
   */
  private cancellable<T>(p: Promise<T>): Promise<T> {
    this.checkAborted();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(ABORTED);
      this.abortListener = onAbort;
      p.then(
        (v) => {
          if (this.abortListener === onAbort) this.abortListener = undefined;
          resolve(v);
        },
        (e: unknown) => {
          if (this.abortListener === onAbort) this.abortListener = undefined;
          reject(e);
        },
      );
    });
  }

  private async removeWritten(): Promise<void> {
    await this.settleInFlight();
    const op = operationOptions(this.plan.options);
    if (this.sentFile) await subscribeOnce(this.plan.files.deleteOne({ _id: this.plan.id }, op));
    if (this.sentChunks) await subscribeOnce(this.plan.chunks.deleteMany({ files_id: this.plan.id }, op));
  }
}

/** The per-operation options (session, timeoutMS) of a bucket call, without the rest. */
export function operationOptions(options: GridFSOperationOptions | undefined): GridFSOperationOptions {
  const out: { -readonly [K in keyof GridFSOperationOptions]: GridFSOperationOptions[K] } = {};
  if (options?.session !== undefined) out.session = options.session;
  if (options?.timeoutMS !== undefined) out.timeoutMS = options.timeoutMS;
  return out;
}

/** Runs an Observable to its end; resolves with its last value. */
function subscribeOnce<T>(source: Observable<T>): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    let last: T | undefined;
    source.subscribe({ next: (v) => (last = v), error: reject, complete: () => resolve(last) });
  });
}

/** The upload as a cold Observable: subscribing starts a run; unsubscribing before it ends aborts it. */
export function uploadObservable(plan: () => UploadPlan): Observable<GridFSFile> {
  return new Rx<GridFSFile>((subscriber) => {
    let run: UploadRun;
    try {
      run = new UploadRun(plan());
    } catch (e) {
      subscriber.error(e);
      return;
    }
    run.result.then(
      (file) => {
        subscriber.next(file);
        subscriber.complete();
      },
      (e: unknown) => {
        if (e !== ABORTED) subscriber.error(e);
      },
    );
    return () => {
      if (!run.finished) void run.abort().catch(() => {});
    };
  });
}

/** A MongoGridFSStreamError for a stream used after it ended or was aborted. */
export function streamClosedError(what: string): MongoGridFSStreamError {
  return new MongoGridFSStreamError(`${what}: the upload stream has already been ended or aborted`);
}
