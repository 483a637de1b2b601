import { MongoProtocolError } from '../errors.js';
import { DEFAULT_MAX_MESSAGE_SIZE_BYTES, HEADER_LENGTH } from './constants.js';

/**
 * Where a frame spanning chunks is assembled: a buffer of exactly `length` bytes. `head` is the
 * start of the frame as far as it has arrived (its header when at least 16 bytes are there), so
 * the allocator can tell which request the frame answers.
 */
export type FrameAllocator = (length: number, head: Buffer) => Buffer;

const allocUnsafe: FrameAllocator = (length) => Buffer.allocUnsafe(length);

/**
 * Splits a byte stream into whole wire frames. Frames that lie inside one chunk are returned as
 * subarrays (no copy) unless `copyFrames`; a frame spanning chunks is copied once into a buffer of
 * its exact length (from `allocate`), taken only after its declared length was checked. After an
 * error it stays failed.
 */
export class FrameSplitter {
  maxMessageSizeBytes: number;
  /** Up to 3 bytes of a length prefix split across chunks. */
  private readonly lengthBytes = Buffer.alloc(4);
  private lengthFilled = 0;
  /** The frame being assembled across chunks, and how much of it has arrived. */
  private partial: Buffer | undefined;
  private partialFilled = 0;
  private failure: MongoProtocolError | undefined;

  /**
   * @param copyFrames - copy frames that lie inside one chunk too: the chunks are views of a
   *   buffer the transport reads into again (`TransportSocket.reusesReadBuffer`).
   */
  constructor(
    maxMessageSizeBytes: number = DEFAULT_MAX_MESSAGE_SIZE_BYTES,
    private readonly copyFrames = false,
    private readonly allocate: FrameAllocator = allocUnsafe,
  ) {
    this.maxMessageSizeBytes = maxMessageSizeBytes;
  }

  get bufferedBytes(): number {
    return this.partial ? this.partialFilled : this.lengthFilled;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    const frames: Buffer[] = [];
    let offset = 0;

    if (this.lengthFilled > 0) {
      const n = Math.min(4 - this.lengthFilled, chunk.length);
      chunk.copy(this.lengthBytes, this.lengthFilled, 0, n);
      this.lengthFilled += n;
      offset = n;
      if (this.lengthFilled < 4) return frames;
      this.startPartial(this.checkLength(this.lengthBytes.readInt32LE(0)), this.lengthBytes);
      this.lengthBytes.copy(this.partial!, 0);
      this.partialFilled = 4;
      this.lengthFilled = 0;
    }

    if (this.partial) {
      const partial = this.partial;
      const n = Math.min(partial.length - this.partialFilled, chunk.length - offset);
      chunk.copy(partial, this.partialFilled, offset, offset + n);
      this.partialFilled += n;
      offset += n;
      if (this.partialFilled < partial.length) return frames;
      frames.push(partial);
      this.partial = undefined;
      this.partialFilled = 0;
    }

    while (offset < chunk.length) {
      const remaining = chunk.length - offset;
      if (remaining < 4) {
        chunk.copy(this.lengthBytes, 0, offset);
        this.lengthFilled = remaining;
        break;
      }
      const length = this.checkLength(chunk.readInt32LE(offset));
      if (remaining >= length) {
        frames.push(
          this.copyFrames
            ? Buffer.copyBytesFrom(chunk, offset, length)
            : chunk.subarray(offset, offset + length),
        );
        offset += length;
      } else {
        this.startPartial(length, chunk.subarray(offset));
        chunk.copy(this.partial!, 0, offset);
        this.partialFilled = remaining;
        break;
      }
    }
    return frames;
  }

  private checkLength(length: number): number {
    if (length < HEADER_LENGTH || length > this.maxMessageSizeBytes) {
      this.failure = new MongoProtocolError(
        length < HEADER_LENGTH
          ? `Message length ${length} is shorter than the 16-byte header`
          : `Message length ${length} exceeds maxMessageSizeBytes ${this.maxMessageSizeBytes}`,
      );
      this.lengthFilled = 0;
      this.partial = undefined;
      throw this.failure;
    }
    return length;
  }

  private startPartial(length: number, head: Buffer): void {
    const buffer = this.allocate(length, head);
    if (buffer.length !== length)
      throw new RangeError(`frame allocator returned ${buffer.length} bytes for a ${length}-byte frame`);
    this.partial = buffer;
  }
}
