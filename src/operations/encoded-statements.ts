import { type Document, type SerializeOptions, serializeWithBufferAndIndex } from 'bson';

/** Statements are serialized into slabs of this size (a larger statement gets a slab of its own). */
const SLAB_BYTES = 4 * 1024 * 1024;
/** bson serializes into an internal buffer of this size first (and silently truncates what is larger). */
const BSON_INTERNAL_BUFFER = 17_825_792;
/**
 * No server takes a larger statement (maxBsonObjectSize is 16 MiB, update/delete statements get
 * 16 KiB more): a larger one, possibly truncated by bson, is refused here and left to the exact path.
 */
const MAX_STATEMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;

/**
 * The statements of a write group serialized once, on subscribe, into shared slabs: their sizes
 * drive batching and their bytes go into each batch's message as they are (encoded once, however
 * many batches or retries). No buffer per statement and no separate size pass.
 */
export class EncodedStatements {
  readonly sizes: number[] = [];
  private readonly slabs: Buffer[] = [];
  /** Per statement: its slab and its start in it. */
  private readonly slabOf: number[] = [];
  private readonly starts: number[] = [];
  private slab: Buffer | undefined;
  private used = 0;
  private readonly options: SerializeOptions & { index: number };

  constructor(options: SerializeOptions | undefined) {
    this.options = { ...options, index: 0 };
  }

  /**
   * Serializes one more statement; throws bson's error for a statement it cannot encode, and a
   * RangeError for one larger than any server accepts.
   */
  add(statement: Document): void {
    let slabBytes = SLAB_BYTES;
    for (;;) {
      if (!this.slab) this.newSlab(slabBytes);
      const slab = this.slab as Buffer;
      try {
        this.options.index = this.used;
        const end = serializeWithBufferAndIndex(statement, slab, this.options) + 1;
        if (end - this.used > MAX_STATEMENT_BYTES) throw new TooLarge();
        this.sizes.push(end - this.used);
        this.slabOf.push(this.slabs.length - 1);
        this.starts.push(this.used);
        this.used = end;
        return;
      } catch (e) {
        // RangeError from copying past the slab's end: the statement did not fit. Retry in a new
        // slab, a whole bson buffer's worth when it did not fit an empty one. Anything else (or
        // not fitting even that) is the statement's own error.
        if (!(e instanceof RangeError) || e instanceof TooLarge) throw e;
        if (this.used === 0) {
          if (slab.length >= BSON_INTERNAL_BUFFER) throw e;
          this.slabs.pop();
          slabBytes = BSON_INTERNAL_BUFFER;
        }
        this.slab = undefined;
      }
    }
  }

  /** The bytes of statements [from, to), as slices of the slabs (one per slab spanned). */
  bytes(from: number, to: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = from;
    while (i < to) {
      const slab = this.slabOf[i] as number;
      const start = this.starts[i] as number;
      let end = start + (this.sizes[i] as number);
      i++;
      while (i < to && this.slabOf[i] === slab) end += this.sizes[i++] as number;
      out.push((this.slabs[slab] as Buffer).subarray(start, end));
    }
    return out;
  }

  private newSlab(bytes: number): void {
    this.slab = Buffer.allocUnsafe(bytes);
    this.slabs.push(this.slab);
    this.used = 0;
  }
}

/** A statement over MAX_STATEMENT_BYTES (a RangeError, but not one a larger slab cures). */
class TooLarge extends RangeError {
  constructor() {
    super('statement larger than any server accepts');
  }
}
