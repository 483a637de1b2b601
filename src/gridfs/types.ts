import type { Document } from 'bson';
import type { FindCursor } from '../cursor/find-cursor.js';
import type { DeleteResult } from '../operations/delete.js';
import type { FindOptions } from '../operations/find.js';
import type { CreateIndexesOptions, IndexSpecification } from '../operations/indexes.js';
import type { WriteConcernLike } from '../operations/options.js';
import type { UpdateResult } from '../operations/update.js';
import type { ReadConcernLevel, ReadConcernLike } from '../read-concern.js';
import type { ReadPreferenceLike } from '../read-preference.js';
import type { Observable } from '../rx.js';
import type { ClientSession } from '../session/client-session.js';

/** A files collection document (gridfs spec, "Files collection document"). */
export interface GridFSFile {
  /** The file's id (an ObjectId unless the upload gave one). */
  readonly _id: unknown;
  /** The file's size in bytes. */
  readonly length: number;
  /** The size of each chunk but the last, in bytes. */
  readonly chunkSize: number;
  /** When the upload completed. */
  readonly uploadDate: Date;
  /** The file's name (several revisions may share it). */
  readonly filename: string;
  /** What the uploader attached. */
  readonly metadata?: Document;
  /** Deprecated by the spec; written only when given. */
  readonly contentType?: string;
  /** Deprecated by the spec; written only when given. */
  readonly aliases?: readonly string[];
  /** Deprecated by the spec; never computed here, read from legacy files. */
  readonly md5?: string;
}

/** A chunks collection document. */
export interface GridFSChunk {
  readonly _id: unknown;
  readonly files_id: unknown;
  readonly n: number;
  readonly data: Uint8Array;
}

/** What each bucket operation takes: a session and a time limit (as every operation does). */
export interface GridFSOperationOptions {
  readonly session?: ClientSession;
  readonly timeoutMS?: number;
}

/** Options of `new GridFSBucket(db, options)`. */
export interface GridFSBucketOptions {
  /** Prefix of the `<bucketName>.files` and `<bucketName>.chunks` collections; default `fs`. */
  readonly bucketName?: string;
  /** Chunk size of new files, in bytes; default 255 KiB. */
  readonly chunkSizeBytes?: number;
  readonly writeConcern?: WriteConcernLike;
  readonly readConcern?: ReadConcernLike | ReadConcernLevel;
  readonly readPreference?: ReadPreferenceLike;
  readonly timeoutMS?: number;
}

/** Options of an upload to a GridFS bucket. */
export interface GridFSUploadOptions extends GridFSOperationOptions {
  /** The file's id (any BSON value); default a new ObjectId. */
  readonly id?: unknown;
  /** Overrides the bucket's chunk size for this file. */
  readonly chunkSizeBytes?: number;
  readonly metadata?: Document;
  /** @deprecated by the gridfs spec: store it in `metadata`. */
  readonly contentType?: string;
  /** @deprecated by the gridfs spec: store them in `metadata`. */
  readonly aliases?: readonly string[];
}

/** Options of a download from a GridFS bucket (byte range, ...). */
export interface GridFSDownloadOptions extends GridFSOperationOptions {
  /** First byte to return (inclusive, 0-based). */
  readonly start?: number;
  /** Byte offset to stop at (exclusive). */
  readonly end?: number;
  /** Chunks per batch of the chunks cursor; default about 4 MiB of them (at least one). */
  readonly batchSize?: number;
}

/** Options of a download by file name (which revision). */
export interface GridFSDownloadByNameOptions extends GridFSDownloadOptions {
  /** 0 the original, 1 the first revision, ...; -1 (default) the newest, -2 the one before. */
  readonly revision?: number;
}

/** Options of `bucket.find()` over the files collection. */
export type GridFSFindOptions = Omit<FindOptions, 'tailable' | 'awaitData' | 'singleBatch'> &
  GridFSOperationOptions;

/** Options a bucket's collections are opened with (the Db's inheritable options). */
export interface GridFSCollectionOptions {
  readonly writeConcern?: WriteConcernLike;
  readonly readConcern?: ReadConcernLike | ReadConcernLevel;
  readonly readPreference?: ReadPreferenceLike;
  readonly timeoutMS?: number;
}

/**
 * Asks a collection whether its commands go unobserved: undefined when command monitoring listens
 * for commandStarted (whose events keep the documents sent, chunk bytes included), else a count
 * that changes whenever a listener subscribes. An upload reuses a chunk's buffer only when the
 * count is the same when the chunk's insert is sent and when it is acknowledged.
 */
export const UNOBSERVED_COMMANDS: unique symbol = Symbol('mongorx.unobservedCommands');

/**
 * What a bucket needs of a collection: the public Collection API (a structural type, so that
 * gridfs/ sits below client/ and imports none of it).
 */
export interface GridFSCollection {
  readonly collectionName: string;
  /** CSOT: the timeoutMS its operations inherit (client -> db -> bucket). */
  readonly timeoutMS: number | undefined;
  /** See UNOBSERVED_COMMANDS; absent: chunk buffers are never reused. */
  readonly [UNOBSERVED_COMMANDS]?: () => number | undefined;
  insertOne(document: Document, options?: GridFSOperationOptions): Observable<unknown>;
  find(filter: Document, options?: FindOptions & GridFSOperationOptions): FindCursor<Document>;
  findOne(filter: Document, options?: FindOptions & GridFSOperationOptions): Observable<Document | null>;
  deleteOne(filter: Document, options?: GridFSOperationOptions): Observable<DeleteResult>;
  deleteMany(filter: Document, options?: GridFSOperationOptions): Observable<DeleteResult>;
  updateOne(filter: Document, update: Document, options?: GridFSOperationOptions): Observable<UpdateResult>;
  updateMany(filter: Document, update: Document, options?: GridFSOperationOptions): Observable<UpdateResult>;
  createIndex(
    key: IndexSpecification,
    options?: CreateIndexesOptions & GridFSOperationOptions,
  ): Observable<string>;
  indexes(options?: GridFSOperationOptions): Observable<Document[]>;
  drop(options?: GridFSOperationOptions): Observable<boolean>;
}

/** What a bucket needs of its database. */
export interface GridFSDb {
  readonly databaseName: string;
  collection(name: string, options?: GridFSCollectionOptions): GridFSCollection;
}
