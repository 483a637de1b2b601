import { calculateObjectSize, type Document, type SerializeOptions, serializeWithBufferAndIndex } from 'bson';

/** Statements are serialized into slabs of this size (a larger statement gets a slab of its own). */
const SLAB_BYTES = 4 * 1024 * 1024;
/** bson serializes into an internal buffer of this size first (and silently truncates what is larger). */
const BSON_INTERNAL_BUFFER = 17_825_792;
/**
 * No server takes a larger statement (maxBsonObjectSize is 16 MiB, update/delete statements get
 * 16 KiB more): a larger one, possibly truncated by bson, is refused here and left to the exact path.
 */
const MAX_STATEMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;
/** slabOf entry of a statement that could not be encoded here (too large for bson's buffer). */
const NOT_ENCODED = -1;

/**
 * The statements of a write group serialized once into shared slabs, lazily: a statement is
 * encoded when batching first asks for its size, so only the batch being planned and sent is held
 * as bytes (slabs before it are released), however long the group. Its bytes go into the batch's
 * message as they are (encoded once, however many retries). No buffer per statement and no
 * separate size pass.
 */
export class EncodedStatements {
  private readonly sizes: number[] = [];
  private readonly slabs: (Buffer | undefined)[] = [];
  /** Per statement: its slab (NOT_ENCODED: none) and its start in it. */
  private readonly slabOf: number[] = [];
  private readonly starts: number[] = [];
  private slab: Buffer | undefined;
  private used = 0;
  private readonly options: SerializeOptions & { index: number };

  constructor(
    private readonly statements: readonly Document[],
    options: SerializeOptions | undefined,
  ) {
    this.options = { ...options, index: 0 };
  }

  /**
   * The BSON size of statement `i`, encoding the statements up to it on first use. Throws bson's
   * error for a statement it cannot encode; one too large for bson's buffer is measured instead
   * (calculateObjectSize), so the size checks refuse it with the usual error.
   */
  sizeOf(i: number): number {
    while (this.sizes.length <= i) this.encodeNext();
    return this.sizes[i] as number;
  }

  /**
   * The bytes of statements [from, to), as slices of the slabs (one per slab spanned); undefined
   * when one of them could not be encoded here (the wire encoder then serializes the documents).
   */
  bytes(from: number, to: number): Uint8Array[] | undefined {
    this.sizeOf(to - 1);
    const out: Uint8Array[] = [];
    let i = from;
    while (i < to) {
      const slabIndex = this.slabOf[i] as number;
      const slab = this.slabs[slabIndex];
      if (slabIndex === NOT_ENCODED || !slab) return undefined;
      const start = this.starts[i] as number;
      let end = start + (this.sizes[i] as number);
      i++;
      while (i < to && this.slabOf[i] === slabIndex) end += this.sizes[i++] as number;
      out.push(slab.subarray(start, end));
    }
    return out;
  }

  /** Frees the slabs holding only statements before `statement` (their batches are done). */
  releaseBefore(statement: number): void {
    const keep = this.slabOf[Math.min(statement, this.slabOf.length - 1)];
    if (keep === undefined) return;
    const last = keep === NOT_ENCODED ? this.slabs.length - 1 : keep;
    for (let s = 0; s < last; s++) this.slabs[s] = undefined;
  }

  private encodeNext(): void {
    const statement = this.statements[this.sizes.length] as Document;
    try {
      this.add(statement);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // Larger than bson encodes (or than any server takes): measured, left to the size checks.
      this.sizes.push(calculateObjectSize(statement, this.options));
      this.slabOf.push(NOT_ENCODED);
      this.starts.push(0);
    }
  }

  /**
   * Serializes one more statement; throws bson's error for a statement it cannot encode, and a
   * RangeError for one larger than any server accepts.
   */
  private add(statement: Document): void {
    // A group of one statement (insertOne, each GridFS chunk) gets a slab of its exact size: a 4 MiB
    // slab per insert would be allocated and freed per operation.
    let slabBytes = this.statements.length === 1 ? exactSize(statement, this.options) : SLAB_BYTES;
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
          if (slab.length >= BSON_INTERNAL_BUFFER) {
            this.slabs.pop();
            this.slab = undefined;
            throw e;
          }
          this.slabs.pop();
          slabBytes = BSON_INTERNAL_BUFFER;
        }
        this.slab = undefined;
      }
    }
  }

  private newSlab(bytes: number): void {
    this.slab = Buffer.allocUnsafe(bytes);
    this.slabs.push(this.slab);
    this.used = 0;
  }
}

/** calculateObjectSize, or a slab's worth when bson cannot size it (serializing then reports why). */
function exactSize(statement: Document, options: SerializeOptions): number {
  try {
    return Math.min(calculateObjectSize(statement, options), BSON_INTERNAL_BUFFER);
  } catch {
    return SLAB_BYTES;
  }
}

/** A statement over MAX_STATEMENT_BYTES (a RangeError, but not one a larger slab cures). */
class TooLarge extends RangeError {
  constructor() {
    super('statement larger than any server accepts');
  }
}
