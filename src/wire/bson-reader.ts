import { type DeserializeOptions, type Document, deserialize } from 'bson';
import { MongoProtocolError } from '../errors.js';

/** Smallest BSON document: int32 length + terminating 0x00. */
const MIN_BSON_LENGTH = 5;

/**
 * Deserializes the BSON document starting at `offset`, which must lie entirely before `end`.
 * The declared length is checked against the bounds before bson sees the bytes, and any bson
 * failure becomes a MongoProtocolError. Returns the document and the offset just past it.
 */
export function readDocument(
  buf: Buffer,
  offset: number,
  end: number,
  what: string,
  options: DeserializeOptions | undefined,
): { doc: Document; next: number } {
  if (end - offset < MIN_BSON_LENGTH) {
    throw new MongoProtocolError(`${what}: ${end - offset} bytes left, too few for a BSON document`);
  }
  const size = buf.readInt32LE(offset);
  if (size < MIN_BSON_LENGTH || size > end - offset) {
    throw new MongoProtocolError(
      `${what}: declared BSON length ${size} does not fit in the ${end - offset} bytes available`,
    );
  }
  const next = offset + size;
  if (buf[next - 1] !== 0) {
    throw new MongoProtocolError(`${what}: BSON document is not terminated by a 0x00 byte`);
  }
  try {
    return { doc: deserialize(buf.subarray(offset, next), options), next };
  } catch (error) {
    throw new MongoProtocolError(`${what}: invalid BSON: ${describe(error)}`, { cause: error });
  }
}

/** Reads a NUL-terminated UTF-8 string that must end before `end`. */
export function readCString(
  buf: Buffer,
  offset: number,
  end: number,
  what: string,
): { value: string; next: number } {
  // Search only inside the section so a missing terminator cannot make us scan past it.
  const rel = buf.subarray(offset, end).indexOf(0);
  if (rel < 0) {
    throw new MongoProtocolError(`${what}: missing NUL terminator`);
  }
  const nul = offset + rel;
  return { value: buf.toString('utf8', offset, nul), next: nul + 1 };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
