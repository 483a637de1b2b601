import { deflateSync, inflateSync } from 'node:zlib';
import { MongoError, MongoProtocolError } from '../errors.js';
import { describe } from './bson-reader.js';
import { HEADER_LENGTH, OP_COMPRESSED } from './constants.js';
import { readHeader, writeHeader } from './header.js';

export type Compressor = 'zlib' | 'snappy' | 'zstd' | 'noop';

/** Compressor ids (OP_COMPRESSED spec, "Compressor IDs"). */
const COMPRESSOR_IDS: Readonly<Record<Compressor, number>> = { noop: 0, snappy: 1, zlib: 2, zstd: 3 };
const COMPRESSOR_NAMES: readonly Compressor[] = ['noop', 'snappy', 'zlib', 'zstd'];

/** originalOpcode int32 + uncompressedSize int32 + compressorId uint8. */
const COMPRESSED_PREFIX_LENGTH = 9;

export function compressorId(name: Compressor): number {
  return COMPRESSOR_IDS[name];
}

export function compressorName(id: number): Compressor | undefined {
  return COMPRESSOR_NAMES[id];
}

/**
 * One compressor's two directions. zlib and noop answer synchronously; snappy and zstd (optional
 * packages) answer with a Promise, so callers handle both. `decompress` gets the declared size so a
 * codec can bound its output.
 */
export interface CompressionCodec {
  readonly name: Compressor;
  compress(data: Buffer): Buffer | Promise<Buffer>;
  decompress(data: Buffer, uncompressedSize: number): Buffer | Promise<Buffer>;
}

/** Finds the codec of a compressor a frame names (undefined: not available here). */
export type CodecLookup = (name: Compressor) => CompressionCodec | undefined;

export const NOOP_CODEC: CompressionCodec = {
  name: 'noop',
  compress: (data) => data,
  decompress: (data) => data,
};

/** zlib from node:zlib; `level` -1 is zlib's default. */
export function zlibCodec(level = -1): CompressionCodec {
  return {
    name: 'zlib',
    compress: (data) => deflateSync(data, { level }),
    // maxOutputLength bounds memory against a "zip bomb"; one more byte lets us detect a lie.
    decompress: (data, size) => inflateSync(data, { maxOutputLength: size + 1 }),
  };
}

const DEFAULT_ZLIB = zlibCodec();

/** The codecs every build has (node:zlib); snappy and zstd come from the caller's lookup. */
export function builtInCodec(name: Compressor): CompressionCodec | undefined {
  return name === 'zlib' ? DEFAULT_ZLIB : name === 'noop' ? NOOP_CODEC : undefined;
}

/** The part of a message OP_COMPRESSED compresses: everything after the 16-byte header. */
export function compressiblePart(message: Buffer): Buffer {
  return message.subarray(HEADER_LENGTH);
}

/**
 * Frames `compressed` (the codec's output for `compressiblePart(message)`) as OP_COMPRESSED,
 * keeping the message's requestId/responseTo (OP_COMPRESSED spec).
 */
export function frameOpCompressed(message: Buffer, compressor: Compressor, compressed: Uint8Array): Buffer {
  const header = readHeader(message);
  const length = HEADER_LENGTH + COMPRESSED_PREFIX_LENGTH + compressed.length;
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, { ...header, messageLength: length, opCode: OP_COMPRESSED });
  out.writeInt32LE(header.opCode, HEADER_LENGTH);
  out.writeInt32LE(message.length - HEADER_LENGTH, HEADER_LENGTH + 4);
  out[HEADER_LENGTH + 8] = COMPRESSOR_IDS[compressor];
  out.set(compressed, HEADER_LENGTH + COMPRESSED_PREFIX_LENGTH);
  return out;
}

/** Wraps a whole encoded message in OP_COMPRESSED with a synchronous codec (zlib, noop). */
export function encodeOpCompressed(message: Buffer, compressor: 'zlib' | 'noop', zlibLevel?: number): Buffer {
  const codec =
    compressor === 'zlib' ? (zlibLevel === undefined ? DEFAULT_ZLIB : zlibCodec(zlibLevel)) : NOOP_CODEC;
  return frameOpCompressed(message, compressor, codec.compress(compressiblePart(message)) as Buffer);
}

/** The fields of an OP_COMPRESSED frame, checked; `data` is the compressed message. */
export interface CompressedFrame {
  readonly originalOpcode: number;
  readonly uncompressedSize: number;
  readonly compressor: Compressor;
  readonly data: Buffer;
}

/** Reads and checks an OP_COMPRESSED frame's prefix (header included); MongoProtocolError if bad. */
export function parseOpCompressed(frame: Buffer, maxMessageSizeBytes: number): CompressedFrame {
  if (frame.length < HEADER_LENGTH + COMPRESSED_PREFIX_LENGTH) {
    throw new MongoProtocolError('OP_COMPRESSED is truncated');
  }
  const originalOpcode = frame.readInt32LE(HEADER_LENGTH);
  const uncompressedSize = frame.readInt32LE(HEADER_LENGTH + 4);
  const id = frame[HEADER_LENGTH + 8]!;
  if (originalOpcode === OP_COMPRESSED)
    throw new MongoProtocolError('OP_COMPRESSED wraps another OP_COMPRESSED');
  if (uncompressedSize < 0 || uncompressedSize > maxMessageSizeBytes - HEADER_LENGTH) {
    throw new MongoProtocolError(`OP_COMPRESSED uncompressedSize ${uncompressedSize} is out of range`);
  }
  const compressor = compressorName(id);
  if (compressor === undefined) {
    throw new MongoProtocolError(`OP_COMPRESSED uses an unknown compressor id ${id}`);
  }
  return {
    originalOpcode,
    uncompressedSize,
    compressor,
    data: frame.subarray(HEADER_LENGTH + COMPRESSED_PREFIX_LENGTH),
  };
}

/**
 * A codec's failure as the protocol error it is (bad bytes from the server); the driver's own
 * errors (a codec whose package is missing) stay what they are.
 */
export function decompressionError(compressor: Compressor, error: unknown): MongoError {
  if (error instanceof MongoError) return error;
  return new MongoProtocolError(`OP_COMPRESSED ${compressor} data is invalid: ${describe(error)}`, {
    cause: error,
  });
}

/** Checks that the codec produced exactly the declared number of bytes. */
export function checkDecompressed(frame: CompressedFrame, payload: Uint8Array): Buffer {
  if (payload.length !== frame.uncompressedSize) {
    throw new MongoProtocolError(
      `OP_COMPRESSED declared ${frame.uncompressedSize} uncompressed bytes but held ${payload.length}`,
    );
  }
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
}
