/**
 * Outgoing buffers of large messages, reused: a message of 16 KiB to 1 MiB (a GridFS chunk's
 * insert) is encoded into the buffer the last such message was written from, once that write has
 * completed, instead of into a fresh one each time. Allocating and freeing such buffers per
 * message leaves glibc's heap holding freed blocks of their size (its mmap threshold rises to the
 * largest block freed), which RSS shows long after the garbage is collected.
 *
 * One buffer process-wide (however many connections): at most MAX_BYTES stay held.
 */
export class SpareBuffer {
  private spare: Buffer | undefined;

  constructor(
    /** Smaller requests are left to Buffer.allocUnsafe (its pool serves them cheaply). */
    private readonly minBytes: number,
    /** Larger buffers are not kept. */
    private readonly maxBytes: number,
  ) {}

  /**
   * A buffer of at least `bytes`; the spare when it is free and large enough. `lend.taken` is
   * set to it when it is one to hand back (with `give`) once nothing refers to it any more.
   */
  allocate(bytes: number, lend: { taken?: Buffer }): Buffer {
    if (bytes < this.minBytes || bytes > this.maxBytes) return Buffer.allocUnsafe(bytes);
    const spare = this.spare;
    const buffer = spare && spare.length >= bytes ? spare : Buffer.allocUnsafe(bytes);
    if (buffer === spare) this.spare = undefined;
    lend.taken = buffer;
    return buffer;
  }

  /** Hands back a buffer `allocate` lent (its message written): kept when larger than the spare. */
  give(buffer: Buffer): void {
    if (!this.spare || buffer.length > this.spare.length) this.spare = buffer;
  }
}

/** The process's spare for outgoing messages (16 KiB to 1 MiB). */
export const outgoingSpare = new SpareBuffer(16 * 1024, 1024 * 1024);
