import { Binary, type Document } from 'bson';
import { MongoGridFSChunkError, MongoInvalidArgumentError } from '../errors.js';

/** The byte range of a download and the chunks that hold it. */
export interface ChunkRange {
  readonly start: number;
  readonly end: number;
  /** First chunk to read (inclusive). */
  readonly first: number;
  /** Chunk to stop at (exclusive). */
  readonly last: number;
  /** Chunks of the whole file. */
  readonly total: number;
  readonly chunkSize: number;
  readonly length: number;
}

/** A number field of a files document (stored as int32, int64 or double by different drivers). */
function numberField(file: Document, key: string): number {
  const v = file[key];
  const n = typeof v === 'number' ? v : typeof v?.toNumber === 'function' ? Number(v.toNumber()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new MongoGridFSChunkError(`files document ${key} is not a non-negative integer: ${String(v)}`);
  return n;
}

/**
 * The chunks to read for bytes `[start, end)` of `file` (gridfs spec, "Partial File Retrieval").
 * Offsets outside `[0, length]` or `start > end` are a MongoInvalidArgumentError.
 */
export function chunkRange(file: Document, start?: number, end?: number): ChunkRange {
  const length = numberField(file, 'length');
  const chunkSize = numberField(file, 'chunkSize');
  const s = start ?? 0;
  const e = end ?? length;
  for (const [name, v] of [
    ['start', s],
    ['end', e],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > length)
      throw new MongoInvalidArgumentError(`${name} must be an integer in [0, ${length}], got ${v}`);
  }
  if (s > e) throw new MongoInvalidArgumentError(`start (${s}) must not be greater than end (${e})`);
  if (length > 0 && chunkSize === 0) throw new MongoGridFSChunkError('files document chunkSize is 0');
  const total = length === 0 ? 0 : Math.ceil(length / chunkSize);
  const first = s === e ? 0 : Math.floor(s / chunkSize);
  const last = s === e ? 0 : Math.ceil(e / chunkSize);
  return { start: s, end: e, first, last, total, chunkSize, length };
}

/** The bytes of a chunk document's `data` (Binary, or a Buffer when promoted). */
function dataOf(chunk: Document): Uint8Array | undefined {
  const data = chunk.data;
  if (data instanceof Binary) return data.buffer.subarray(0, data.position);
  if (data instanceof Uint8Array) return data;
  return undefined;
}

/**
 * Checks each chunk of a download as it arrives (gridfs spec, "File Download": each chunk is the
 * next expected `n` and of the expected size) and cuts the first and last to the range.
 */
export class ChunkChecker {
  private next: number;

  constructor(private readonly range: ChunkRange) {
    this.next = range.first;
  }

  /** The bytes of `chunk` inside the range; a MongoGridFSChunkError when it is not the expected one. */
  take(chunk: Document): Uint8Array {
    const r = this.range;
    const n = Number(chunk.n);
    if (n !== this.next) {
      if (this.next >= r.total)
        throw new MongoGridFSChunkError(
          `ExtraChunk: got unexpected n: ${String(chunk.n)}, the file has ${r.total} chunks`,
        );
      throw new MongoGridFSChunkError(
        `ChunkIsMissing: got unexpected n: ${String(chunk.n)}, expected: ${this.next}`,
      );
    }
    if (n >= r.total)
      throw new MongoGridFSChunkError(`ExtraChunk: got unexpected n: ${n}, the file has ${r.total} chunks`);
    const data = dataOf(chunk);
    const expected = n === r.total - 1 ? r.length - n * r.chunkSize : r.chunkSize;
    if (data === undefined || data.byteLength !== expected)
      throw new MongoGridFSChunkError(
        `ChunkIsWrongSize: got unexpected length: ${data?.byteLength ?? 'no data'}, expected: ${expected}`,
      );
    this.next++;
    const from = n === r.first ? r.start - n * r.chunkSize : 0;
    const to = n === r.last - 1 ? r.end - n * r.chunkSize : data.byteLength;
    const bytes = from === 0 && to === data.byteLength ? data : data.subarray(from, to);
    // Decoded chunk data is a view into the whole batch reply: a consumer still holding one chunk
    // would keep that reply (a batch of chunks) alive while the next batch arrives, and the reply's
    // buffer is reused for the next batch (REUSABLE_REPLIES). A copy holds the chunk alone, so live
    // memory stays within a batch plus the chunks held. (Buffer's own `slice` is a view, not a copy.)
    return bytes.byteLength < bytes.buffer.byteLength ? Buffer.copyBytesFrom(bytes) : bytes;
  }

  /** At the end of the chunks: a MongoGridFSChunkError when some were missing. */
  finish(): void {
    if (this.next < this.range.last)
      throw new MongoGridFSChunkError(`ChunkIsMissing: expected chunk n: ${this.next}, got none`);
  }
}
