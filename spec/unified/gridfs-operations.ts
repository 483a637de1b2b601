// The unified format's GridFS operations on a bucket entity (gridfs spec tests): each calls the
// bucket's Observable method and waits for it; downloads are gathered into one Buffer.
import type { Document } from 'bson';
import { lastValueFrom, toArray } from 'rxjs';
import type { GridFSBucket } from '../../src/index.js';

export interface BucketTarget {
  readonly kind: string;
  readonly value: unknown;
}

type Handler = (ctx: unknown, target: BucketTarget, args: Document) => Promise<unknown>;

function bucket(t: BucketTarget, op: string): GridFSBucket {
  if (t.kind !== 'bucket') throw new Error(`${op} needs a bucket, got ${t.kind}`);
  return t.value as GridFSBucket;
}

/** `{ $$hexBytes: "0011" }` (unified format, "$$hexBytes") -> its bytes. */
function hexBytes(source: unknown): Uint8Array {
  const hex = (source as Document | undefined)?.$$hexBytes;
  if (typeof hex !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(hex))
    throw new Error('source must be $$hexBytes');
  return Buffer.from(hex, 'hex');
}

async function bytes(source: import('rxjs').Observable<Uint8Array>): Promise<Buffer> {
  return Buffer.concat(await lastValueFrom(source.pipe(toArray())));
}

const wait = (o: import('rxjs').Observable<unknown>) => lastValueFrom(o, { defaultValue: undefined });

export const GRIDFS_HANDLERS: Readonly<Record<string, Handler>> = {
  upload: async (_c, t, { filename, source, disableMD5: _md5, ...options }) => {
    // disableMD5 is a no-op: MD5 is never computed (gridfs spec, deprecated field).
    const file = await lastValueFrom(bucket(t, 'upload').upload(filename, hexBytes(source), options));
    return file._id;
  },
  download: async (_c, t, { id, ...options }) => bytes(bucket(t, 'download').download(id, options)),
  downloadByName: async (_c, t, { filename, ...options }) =>
    bytes(bucket(t, 'downloadByName').downloadByName(filename, options)),
  delete: async (_c, t, { id, ...options }) => wait(bucket(t, 'delete').delete(id, options)),
  deleteByName: async (_c, t, { filename, ...options }) =>
    wait(bucket(t, 'deleteByName').deleteByName(filename, options)),
  rename: async (_c, t, { id, newFilename, ...options }) =>
    wait(bucket(t, 'rename').rename(id, newFilename, options)),
  renameByName: async (_c, t, { filename, newFilename, ...options }) =>
    wait(bucket(t, 'renameByName').renameByName(filename, newFilename, options)),
  drop: async (_c, t, args) => wait(bucket(t, 'drop').drop(args)),
};
