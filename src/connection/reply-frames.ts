// Large replies whose reader hands their bytes back (GridFS downloads) are assembled into buffers
// reused from one reply to the next. Without that, each 4 MiB batch of chunks is a fresh buffer,
// and the one just read stays resident until the collector gets to it: two batches in memory
// where one is needed.
import { Binary, type Document } from 'bson';

/**
 * The reusable frame buffers, process-wide (replies arrive on any connection of any pool). A
 * frame is lent from here only for a request that asked for it (`releasableReply`); it comes back
 * through the release its reply carries (`takeReplyRelease`), once its reader is done with it.
 * At most `maxSpares` buffers of `maxBytes` each stay held.
 */
export class ReplyFrames {
  private readonly spares: Buffer[] = [];
  /** The buffers lent out: only those may come back (once each). */
  private readonly lent = new WeakSet<ArrayBuffer>();
  /** Frames assembled in a reused buffer, and in a fresh one (observability for tests and bench). */
  reused = 0;
  allocated = 0;

  constructor(
    /** Smaller frames are left to Buffer.allocUnsafe. */
    readonly minBytes: number,
    /** Larger frames are neither lent nor kept. */
    readonly maxBytes: number,
    readonly maxSpares = 2,
  ) {}

  /** A buffer of exactly `length` bytes for a frame, in a spare when one is large enough. */
  allocate(length: number): Buffer {
    if (length < this.minBytes || length > this.maxBytes) return Buffer.allocUnsafe(length);
    // The smallest spare that fits: a small last batch leaves the larger buffer for the next file.
    let best = -1;
    for (let i = 0; i < this.spares.length; i++) {
      const n = (this.spares[i] as Buffer).length;
      if (n >= length && (best < 0 || n < (this.spares[best] as Buffer).length)) best = i;
    }
    let whole: Buffer;
    if (best >= 0) {
      whole = this.spares.splice(best, 1)[0] as Buffer;
      this.reused++;
    } else {
      // Its own ArrayBuffer (never Buffer's shared pool, which serves only small sizes).
      whole = Buffer.allocUnsafeSlow(length);
      this.allocated++;
    }
    this.lent.add(whole.buffer as ArrayBuffer);
    return whole.subarray(0, length);
  }

  /**
   * The release of a frame `allocate` lent, or undefined for any other frame. Calling it says that
   * nothing reads the frame any more; the buffer is then kept for the next frame (the largest
   * `maxSpares` are kept). A second call does nothing.
   */
  releaser(frame: Buffer): (() => void) | undefined {
    const memory = frame.buffer;
    if (frame.byteOffset !== 0 || !(memory instanceof ArrayBuffer) || !this.lent.has(memory))
      return undefined;
    return () => {
      if (!this.lent.delete(memory)) return;
      this.spares.push(Buffer.from(memory));
      if (this.spares.length > this.maxSpares) {
        // Keep the largest: a buffer fits every frame up to its size.
        this.spares.sort((a, b) => b.length - a.length);
        this.spares.length = this.maxSpares;
      }
    };
  }

  /** Bytes held in spares. */
  get heldBytes(): number {
    let n = 0;
    for (const s of this.spares) n += s.length;
    return n;
  }

  /** Drops the spares (tests; a process done with large downloads). */
  clear(): void {
    this.spares.length = 0;
  }
}

/** The process's reusable reply frames: 256 KiB to 16 MiB + 64 KiB (a 16 MiB batch and its envelope). */
export const replyFrames = new ReplyFrames(256 * 1024, 16 * 1024 * 1024 + 64 * 1024);

const releases = new WeakMap<Document, () => void>();

/** Attaches to a reply the release of the frame it was decoded from (see `takeReplyRelease`). */
export function attachReplyRelease(reply: Document, release: () => void): void {
  releases.set(reply, release);
}

/**
 * The release of the frame `reply` was decoded from, when its request asked for one
 * (`releasableReply`) and nothing else could hold the reply (no command monitoring). Taken once.
 * Whoever takes it promises to call it only when nothing reads the reply's raw batch any more.
 */
export function takeReplyRelease(reply: Document): (() => void) | undefined {
  const release = releases.get(reply);
  if (release) releases.delete(reply);
  return release;
}

/** The fields of a cursor reply that stay views of the frame: the batch, read by the cursor. */
const BATCH_FIELDS = new Set(['firstBatch', 'nextBatch']);

/**
 * Copies every value of a reply that views its frame (Binary, UUID, Buffers, raw documents)
 * except the cursor's batch, so that what outlives the batch (a `$clusterTime` signature kept by
 * the cluster clock, a resume token) does not read a frame that is reused.
 */
export function detachFromFrame(reply: Document): void {
  for (const key of Object.keys(reply)) {
    const value: unknown = reply[key];
    if (key === 'cursor' && isPlainObject(value)) {
      for (const field of Object.keys(value)) {
        if (!BATCH_FIELDS.has(field)) value[field] = detached(value[field]);
      }
    } else {
      reply[key] = detached(value);
    }
  }
}

function detached(value: unknown): unknown {
  if (value instanceof Binary) {
    // UUID and the other subclasses keep their class (the copy is made through its constructor).
    // Buffer.from copies (Buffer's own `slice` would be a view).
    const bytes = Buffer.from(value.buffer.subarray(0, value.position));
    return value.sub_type === Binary.SUBTYPE_UUID && value.constructor !== Binary
      ? new (value.constructor as new (b: Uint8Array) => Binary)(bytes)
      : new Binary(bytes, value.sub_type);
  }
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = detached(value[i]);
    return value;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) value[key] = detached(value[key]);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
