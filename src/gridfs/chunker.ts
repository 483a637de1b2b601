/**
 * Cuts a byte stream into chunks of exactly `chunkSize` bytes (the last one shorter), holding at
 * most one partial chunk. Whole chunks of a large piece are views of it, never copies; bytes are
 * copied only to fill a chunk that spans pieces, into a buffer of the Chunker's own: one handed
 * back with `recycle` (its chunk written, nothing referring to it) is filled again rather than a
 * new one allocated (a fresh 255 KiB buffer per chunk leaves freed blocks resident in glibc's heap).
 */
export class Chunker {
  private partial: Uint8Array | undefined;
  private filled = 0;
  /** Bytes taken so far. */
  length = 0;
  /** Buffers handed back, to fill again (at most as many as chunks were in flight at once). */
  private readonly spare: Uint8Array[] = [];
  /** The buffers this Chunker allocated (only those may be recycled: views of pieces are the caller's). */
  private readonly own = new WeakSet<Uint8Array>();

  constructor(private readonly chunkSize: number) {}

  /**
   * Hands back a chunk `push` returned, to be filled again: only when nothing refers to it any
   * more. A chunk that is a view of a piece, or the last shorter one, is ignored.
   */
  recycle(chunk: Uint8Array): void {
    if (this.own.has(chunk) && chunk.byteLength === this.chunkSize) this.spare.push(chunk);
  }

  /** The chunks `piece` completes, in order. */
  push(piece: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const size = this.chunkSize;
    let offset = 0;
    this.length += piece.byteLength;
    if (this.filled > 0) {
      const partial = this.partial as Uint8Array;
      const take = Math.min(size - this.filled, piece.byteLength);
      partial.set(piece.subarray(0, take), this.filled);
      this.filled += take;
      offset = take;
      if (this.filled < size) return out;
      out.push(partial);
      this.partial = undefined;
      this.filled = 0;
    }
    while (piece.byteLength - offset >= size) {
      out.push(piece.subarray(offset, offset + size));
      offset += size;
    }
    if (offset < piece.byteLength) {
      // Copied: a view would keep the whole piece alive until the chunk is full.
      this.partial = this.spare.pop() ?? new Uint8Array(size);
      this.own.add(this.partial);
      this.partial.set(piece.subarray(offset));
      this.filled = piece.byteLength - offset;
    }
    return out;
  }

  /** The last, shorter chunk (undefined when the length is a multiple of the chunk size). */
  flush(): Uint8Array | undefined {
    if (this.filled === 0) return undefined;
    const last = (this.partial as Uint8Array).subarray(0, this.filled);
    this.partial = undefined;
    this.filled = 0;
    return last;
  }
}
