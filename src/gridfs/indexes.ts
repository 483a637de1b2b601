import type { Document } from 'bson';
import { MongoServerError } from '../errors.js';
import { catchError, concat, concatMap, defer, EMPTY, type Observable, of, throwError } from '../rx.js';
import type { GridFSCollection, GridFSOperationOptions } from './types.js';

const NAMESPACE_NOT_FOUND = 26;
export const FILES_INDEX = { filename: 1, uploadDate: 1 } as const;
export const CHUNKS_INDEX = { files_id: 1, n: 1 } as const;

/**
 * Whether `key` is `wanted`, comparing numbers by value (gridfs spec, "Indexes": an index made by
 * the shell has doubles, one made by a driver int32 or int64).
 */
export function sameIndexKey(key: Document | undefined, wanted: Readonly<Record<string, number>>): boolean {
  if (!key) return false;
  const names = Object.keys(key);
  const want = Object.keys(wanted);
  return (
    names.length === want.length &&
    names.every((name, i) => name === want[i] && Number(key[name]?.valueOf()) === wanted[name])
  );
}

function indexesOf(coll: GridFSCollection, options: GridFSOperationOptions): Observable<Document[]> {
  return coll.indexes(options).pipe(
    // A collection that does not exist has no indexes (MongoDB answers NamespaceNotFound).
    catchError((e: unknown) =>
      e instanceof MongoServerError && e.code === NAMESPACE_NOT_FOUND ? of([]) : throwError(() => e),
    ),
  );
}

function ensureIndex(
  coll: GridFSCollection,
  key: Readonly<Record<string, number>>,
  unique: boolean,
  options: GridFSOperationOptions,
): Observable<never> {
  return indexesOf(coll, options).pipe(
    concatMap((indexes) =>
      indexes.some((i) => sameIndexKey(i.key, key))
        ? EMPTY
        : coll
            .createIndex({ ...key }, unique ? { ...options, unique: true } : options)
            .pipe(concatMap(() => EMPTY)),
    ),
  );
}

/**
 * Before a bucket's first write (gridfs spec, "Before write operations"): when the files collection
 * is empty (read on the primary), the two indexes are created unless they exist (checked first,
 * for read-only users). Errors of the check or the creation are the write's errors.
 */
export function ensureIndexes(
  files: GridFSCollection,
  chunks: GridFSCollection,
  options: GridFSOperationOptions,
): Observable<never> {
  return defer(() =>
    files
      .findOne({}, { ...options, projection: { _id: 1 }, readPreference: 'primary' })
      .pipe(
        concatMap((doc) =>
          doc !== null
            ? EMPTY
            : concat(
                ensureIndex(files, FILES_INDEX, false, options),
                ensureIndex(chunks, CHUNKS_INDEX, true, options),
              ),
        ),
      ),
  );
}
