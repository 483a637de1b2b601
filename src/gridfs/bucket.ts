import { type Document, ObjectId } from 'bson';
import type { FindCursor } from '../cursor/find-cursor.js';
import { MongoGridFSStreamError, MongoInvalidArgumentError } from '../errors.js';
import { concatMap, defer, EMPTY, finalize, map, type Observable, share, tap, toArray } from '../rx.js';
import { GridFSDownload } from './download.js';
import { ensureIndexes } from './indexes.js';
import { GridFSBucketReadStream, GridFSBucketWriteStream } from './node-streams.js';
import { pullerOf, type UploadSource } from './pull.js';
import type {
  GridFSBucketOptions,
  GridFSCollection,
  GridFSDb,
  GridFSDownloadByNameOptions,
  GridFSDownloadOptions,
  GridFSFile,
  GridFSFindOptions,
  GridFSOperationOptions,
  GridFSUploadOptions,
} from './types.js';
import { operationOptions, type UploadPlan, uploadObservable } from './upload.js';

/** 255 KiB (gridfs spec: a chunk document then fits 256 KiB). */
export const DEFAULT_CHUNK_SIZE_BYTES = 255 * 1024;

function checkChunkSize(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > 0x7fffffff)
    throw new MongoInvalidArgumentError(
      `${where} chunkSizeBytes must be a positive int32, got ${String(value)}`,
    );
  return value;
}

function checkFilename(value: unknown, what = 'filename'): string {
  if (typeof value !== 'string') throw new MongoInvalidArgumentError(`${what} must be a string`);
  return value;
}

function checkOffset(value: unknown, what: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0))
    throw new MongoInvalidArgumentError(`${what} must be a non-negative integer, got ${String(value)}`);
}

/** Emits once (undefined) and completes, after `source` completes. */
function done(source: Observable<unknown>): Observable<void> {
  return source.pipe(
    toArray(),
    map(() => undefined),
  );
}

/**
 * A GridFS bucket (gridfs spec): files in `<bucketName>.files`, their bytes in `<bucketName>.chunks`.
 * Every method is cold: nothing is sent before subscribe. Immutable: its options are fixed.
 * Query the files collection with `find`, e.g. `find({ 'metadata.owner': 'ann' })`.
 */
export class GridFSBucket {
  /** The bucket's name: its collections are `<bucketName>.files` and `<bucketName>.chunks` (default `fs`). */
  readonly bucketName: string;
  /** The chunk size of new uploads (default 255 KiB); each upload may set its own. */
  readonly chunkSizeBytes: number;
  private readonly files: GridFSCollection;
  private readonly chunks: GridFSCollection;
  private indexesChecked = false;
  private indexCheck: Observable<never> | undefined;

  constructor(db: GridFSDb, options: GridFSBucketOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new MongoInvalidArgumentError('GridFSBucket options must be an object');
    const bucketName = options.bucketName ?? 'fs';
    if (typeof bucketName !== 'string' || bucketName.length === 0)
      throw new MongoInvalidArgumentError('bucketName must be a non-empty string');
    this.bucketName = bucketName;
    this.chunkSizeBytes = checkChunkSize(options.chunkSizeBytes ?? DEFAULT_CHUNK_SIZE_BYTES, 'bucket');
    const inherited: Document = {};
    for (const key of ['writeConcern', 'readConcern', 'readPreference', 'timeoutMS'] as const)
      if (options[key] !== undefined) inherited[key] = options[key];
    this.files = db.collection(`${bucketName}.files`, inherited);
    this.chunks = db.collection(`${bucketName}.chunks`, inherited);
  }

  // --- upload ---------------------------------------------------------------------------------

  /**
   * Uploads `source` as `filename`; emits the files document once it is written. Chunks are
   * inserted as they fill (one in flight). Pull sources (Uint8Array, iterables, async iterables such
   * as Node Readables, cursors) are read only as fast as chunks are written; a plain Observable has
   * no demand channel, so what it pushes ahead is queued. Unsubscribing, or an error of the source,
   * aborts: the chunks written are deleted (the source's error is then re-raised).
   */
  upload(filename: string, source: UploadSource, options: GridFSUploadOptions = {}): Observable<GridFSFile> {
    // Options are checked before the source is touched (a bad call never subscribes to it).
    return uploadObservable(() => {
      const plan = this.uploadPlan(filename, options);
      return { ...plan, source: pullerOf(source) };
    });
  }

  /** A Writable for the official driver's surface; the driver makes the id (`stream.id`). */
  openUploadStream(filename: string, options: GridFSUploadOptions = {}): GridFSBucketWriteStream {
    const id = options.id ?? new ObjectId();
    const plan = this.uploadPlan(filename, { ...options, id });
    return new GridFSBucketWriteStream(id, (source) => ({ ...plan, source }));
  }

  /** A Writable uploading under the given id. */
  openUploadStreamWithId(
    id: unknown,
    filename: string,
    options: GridFSUploadOptions = {},
  ): GridFSBucketWriteStream {
    return this.openUploadStream(filename, { ...options, id });
  }

  /** Everything of an upload but its source, checked (MongoInvalidArgumentError). */
  private uploadPlan(filename: string, options: GridFSUploadOptions): Omit<UploadPlan, 'source'> {
    checkFilename(filename);
    if (options === null || typeof options !== 'object')
      throw new MongoInvalidArgumentError('upload options must be an object');
    const chunkSize =
      options.chunkSizeBytes === undefined
        ? this.chunkSizeBytes
        : checkChunkSize(options.chunkSizeBytes, 'upload');
    if (options.metadata !== undefined && (options.metadata === null || typeof options.metadata !== 'object'))
      throw new MongoInvalidArgumentError('metadata must be a document');
    return {
      files: this.files,
      chunks: this.chunks,
      prepare: this.prepare(operationOptions(options)),
      id: options.id ?? new ObjectId(),
      filename,
      chunkSize,
      options,
    };
  }

  /** The index check of the bucket's first write: run once (retried after a failure), shared meanwhile. */
  private prepare(options: GridFSOperationOptions): Observable<never> {
    return defer(() => {
      if (this.indexesChecked) return EMPTY;
      this.indexCheck ??= ensureIndexes(this.files, this.chunks, options).pipe(
        tap({ complete: () => (this.indexesChecked = true) }),
        finalize(() => (this.indexCheck = undefined)),
        share(),
      );
      return this.indexCheck;
    });
  }

  // --- download -------------------------------------------------------------------------------

  /** The bytes of the file `id` (or of `[start, end)`), one Uint8Array per chunk; see GridFSDownload. */
  download(id: unknown, options: GridFSDownloadOptions = {}): GridFSDownload {
    return new GridFSDownload({
      chunks: this.chunks,
      file: (op) =>
        defer(() => {
          checkOffset(options.start, 'start');
          checkOffset(options.end, 'end');
          return this.files.findOne({ _id: id }, op);
        }).pipe(
          map((file) => {
            if (file === null)
              throw new MongoGridFSStreamError(`FileNotFound: file ${String(id)} was not found`);
            return file;
          }),
        ),
      start: options.start,
      end: options.end,
      batchSize: options.batchSize,
      options: operationOptions(options),
      timeoutMS: options.timeoutMS ?? this.files.timeoutMS,
    });
  }

  /**
   * The bytes of a revision of `filename` (gridfs spec, "File Download by Filename"): 0 the
   * original, 1 the first revision, ..., -1 (default) the newest, -2 the one before.
   */
  downloadByName(filename: string, options: GridFSDownloadByNameOptions = {}): GridFSDownload {
    return new GridFSDownload({
      chunks: this.chunks,
      file: (op) => this.revision(filename, options, op),
      start: options.start,
      end: options.end,
      batchSize: options.batchSize,
      options: operationOptions(options),
      timeoutMS: options.timeoutMS ?? this.files.timeoutMS,
    });
  }

  private revision(
    filename: string,
    options: GridFSDownloadByNameOptions,
    op: GridFSOperationOptions,
  ): Observable<Document> {
    return defer(() => {
      checkFilename(filename);
      checkOffset(options.start, 'start');
      checkOffset(options.end, 'end');
      const revision = options.revision ?? -1;
      if (!Number.isSafeInteger(revision))
        throw new MongoInvalidArgumentError(`revision must be an integer, got ${String(revision)}`);
      const newestFirst = revision < 0;
      return this.files
        .find(
          { filename },
          {
            ...op,
            sort: { uploadDate: newestFirst ? -1 : 1 },
            skip: newestFirst ? -revision - 1 : revision,
            limit: 1,
          },
        )
        .toArray()
        .pipe(
          concatMap((found) => {
            if (found[0]) return [found[0]];
            // Distinct errors for "no such file" and "no such revision" (gridfs spec).
            return this.files.findOne({ filename }, { ...op, projection: { _id: 1 } }).pipe(
              map((any) => {
                throw new MongoGridFSStreamError(
                  any === null
                    ? `FileNotFound: file ${JSON.stringify(filename)} was not found`
                    : `RevisionNotFound: revision ${revision} of file ${JSON.stringify(filename)} was not found`,
                );
              }),
            );
          }),
        );
    });
  }

  /** A Readable for the official driver's surface (range with `start`/`end`). */
  openDownloadStream(id: unknown, options: GridFSDownloadOptions = {}): GridFSBucketReadStream {
    return new GridFSBucketReadStream((range) => this.download(id, { ...options, ...range }), options);
  }

  /**
   * A Readable of the file named `filename` (the newest revision unless `revision` says otherwise), for
   * the official driver's surface.
   */
  openDownloadStreamByName(
    filename: string,
    options: GridFSDownloadByNameOptions = {},
  ): GridFSBucketReadStream {
    return new GridFSBucketReadStream(
      (range) => this.downloadByName(filename, { ...options, ...range }),
      options,
    );
  }

  // --- files ----------------------------------------------------------------------------------

  /** A cursor over the files collection (filter on `metadata.<field>` for user data). */
  find(filter: Document = {}, options: GridFSFindOptions = {}): FindCursor<GridFSFile> {
    return this.files.find(filter, options) as unknown as FindCursor<GridFSFile>;
  }

  /**
   * Deletes the files document, then the chunks (gridfs spec: in that order). A missing file is an
   * error, raised after its orphaned chunks are deleted.
   */
  delete(id: unknown, options: GridFSOperationOptions = {}): Observable<void> {
    return defer(() => {
      const op = operationOptions(options);
      return this.files.deleteOne({ _id: id }, op).pipe(
        concatMap((result) =>
          this.chunks.deleteMany({ files_id: id }, op).pipe(
            map(() => {
              if (result.deletedCount === 0)
                throw new MongoGridFSStreamError(`FileNotFound: no file with id ${String(id)} found`);
            }),
          ),
        ),
      );
    });
  }

  /** Deletes every revision of `filename`: their files documents, then their chunks. */
  deleteByName(filename: string, options: GridFSOperationOptions = {}): Observable<void> {
    return defer(() => {
      checkFilename(filename);
      const op = operationOptions(options);
      return this.files
        .find({ filename }, { ...op, projection: { _id: 1 } })
        .toArray()
        .pipe(
          concatMap((found) => {
            if (found.length === 0)
              throw new MongoGridFSStreamError(
                `FileNotFound: file ${JSON.stringify(filename)} was not found`,
              );
            const ids = found.map((f) => f._id);
            return done(
              this.files
                .deleteMany({ _id: { $in: ids } }, op)
                .pipe(concatMap(() => this.chunks.deleteMany({ files_id: { $in: ids } }, op))),
            );
          }),
        );
    });
  }

  /** Sets the filename of file `id`; an error when there is no such file. */
  rename(id: unknown, filename: string, options: GridFSOperationOptions = {}): Observable<void> {
    return defer(() => {
      checkFilename(filename);
      return this.files.updateOne({ _id: id }, { $set: { filename } }, operationOptions(options)).pipe(
        map((r) => {
          if (r.matchedCount === 0)
            throw new MongoGridFSStreamError(`FileNotFound: no file with id ${String(id)} found`);
        }),
      );
    });
  }

  /** Renames every revision of `filename`; an error when there is none. */
  renameByName(
    filename: string,
    newFilename: string,
    options: GridFSOperationOptions = {},
  ): Observable<void> {
    return defer(() => {
      checkFilename(filename);
      checkFilename(newFilename, 'newFilename');
      return this.files
        .updateMany({ filename }, { $set: { filename: newFilename } }, operationOptions(options))
        .pipe(
          map((r) => {
            if (r.matchedCount === 0)
              throw new MongoGridFSStreamError(
                `FileNotFound: file ${JSON.stringify(filename)} was not found`,
              );
          }),
        );
    });
  }

  /** Drops the files collection, then the chunks collection. */
  drop(options: GridFSOperationOptions = {}): Observable<void> {
    return defer(() => {
      const op = operationOptions(options);
      // A later upload checks the indexes again: the collections are gone.
      return done(this.files.drop(op).pipe(concatMap(() => this.chunks.drop(op)))).pipe(
        tap(() => (this.indexesChecked = false)),
      );
    });
  }
}
