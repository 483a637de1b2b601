import { Readable, Writable } from 'node:stream';
import { MongoAPIError } from '../errors.js';
import { Subject, type Subscription } from '../rx.js';
import type { GridFSDownload } from './download.js';
import type { Puller } from './pull.js';
import type { GridFSFile } from './types.js';
import { isAbort, type UploadPlan, UploadRun } from './upload.js';

type WriteCallback = (error?: Error | null) => void;

/**
 * `openUploadStream`'s Writable (the official driver's surface): each written piece is taken by the
 * upload when it is ready for it, and only then is the write acknowledged, so the stream's own
 * buffer (highWaterMark) is all that queues up. 'finish' comes once the files document is written;
 * `gridFSFile` holds it then. `abort()` deletes the chunks written.
 */
export class GridFSBucketWriteStream extends Writable {
  /** The file's id, known before anything is written. */
  readonly id: unknown;
  /** The files document, once 'finish' has been emitted. */
  gridFSFile: GridFSFile | null = null;
  private readonly run: UploadRun;
  private slot: { piece: Uint8Array; done: WriteCallback } | undefined;
  private ended = false;
  private wake: (() => void) | undefined;
  private state: 'open' | 'finished' | 'aborted' = 'open';

  constructor(id: unknown, plan: (source: Puller) => UploadPlan) {
    super();
    this.id = id;
    const puller: Puller = {
      next: async () => {
        while (!this.slot && !this.ended) await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        const slot = this.slot;
        if (!slot) return undefined;
        this.slot = undefined;
        slot.done();
        return slot.piece;
      },
      close: () => {
        this.ended = true;
        this.wake?.();
      },
    };
    this.run = new UploadRun(plan(puller));
    this.run.result.then(
      (file) => {
        this.gridFSFile = file;
      },
      (e: unknown) => {
        if (!isAbort(e) && !this.destroyed) this.destroy(e as Error);
      },
    );
  }

  /** @internal Node Writable: one chunk of the upload. */
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: WriteCallback): void {
    if (!(chunk instanceof Uint8Array)) {
      callback(new MongoAPIError('upload streams take Buffer or Uint8Array chunks'));
      return;
    }
    this.slot = { piece: chunk, done: callback };
    this.wake?.();
  }

  /** @internal Node Writable: the upload is complete. */
  override _final(callback: WriteCallback): void {
    this.ended = true;
    this.wake?.();
    this.run.result.then(
      () => {
        this.state = 'finished';
        callback();
      },
      // Aborted: no 'finish' (abort() destroys the stream once the chunks are deleted).
      (e: unknown) => {
        if (!isAbort(e)) callback(e as Error);
      },
    );
  }

  /** @internal Node stream: aborts the transfer. */
  override _destroy(error: Error | null, callback: WriteCallback): void {
    if (this.state === 'open' && !this.run.finished) {
      this.state = 'aborted';
      this.run.abort().then(
        () => callback(error),
        () => callback(error),
      );
      return;
    }
    callback(error);
  }

  /** Stops the upload and deletes its chunks; rejects when it already ended or was aborted. */
  async abort(): Promise<void> {
    if (this.state !== 'open' || this.run.finished)
      throw new MongoAPIError('Cannot call abort() on a stream twice or after it finished');
    this.state = 'aborted';
    try {
      await this.run.abort();
    } finally {
      this.destroy();
    }
  }
}

/**
 * `openDownloadStream`'s Readable (the official surface): each `_read` requests one chunk from the
 * download, so no more is fetched than the stream's buffer takes. `start()`/`end()` set the range
 * before the first read.
 */
export class GridFSBucketReadStream extends Readable {
  private subscription: Subscription | undefined;
  private readonly demand = new Subject<number>();
  private range: { start?: number; end?: number };

  constructor(
    private readonly download: (range: { start?: number; end?: number }) => GridFSDownload,
    range: { start?: number; end?: number } = {},
  ) {
    super();
    this.range = { ...range };
  }

  /** Reads from byte `start` (before the first read only). */
  start(start = 0): this {
    this.beforeRead('start');
    this.range = { ...this.range, start };
    return this;
  }

  /** Stops at byte `end`, exclusive (before the first read only). */
  end(end = 0): this {
    this.beforeRead('end');
    this.range = { ...this.range, end };
    return this;
  }

  private beforeRead(what: string): void {
    if (this.subscription) throw new MongoAPIError(`cannot set ${what} after reading has started`);
  }

  /** @internal Node Readable: asks for the next chunk. */
  override _read(): void {
    if (!this.subscription) {
      this.subscription = this.download(this.range)
        .withDemand(this.demand)
        .subscribe({
          next: (bytes) => {
            this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          },
          error: (e: unknown) => this.destroy(e as Error),
          complete: () => this.push(null),
        });
    }
    this.demand.next(1);
  }

  /** @internal Node stream: aborts the transfer. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.subscription?.unsubscribe();
    callback(error);
  }

  /** Stops the download (the chunks cursor is killed). */
  async abort(): Promise<void> {
    this.destroy();
  }
}
