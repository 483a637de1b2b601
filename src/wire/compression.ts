import { deflateSync, inflateSync } from 'node:zlib';
import { MongoInvalidArgumentError, MongoProtocolError } from '../errors.js';
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
 * Wraps a whole encoded message in OP_COMPRESSED, keeping its requestId/responseTo. Only the
 * part after the 16-byte header is compressed (OP_COMPRESSED spec).
 */
export function encodeOpCompressed(message: Buffer, compressor: 'zlib' | 'noop', zlibLevel?: number): Buffer {
  const header = readHeader(message);
  if (compressor !== 'zlib' && compressor !== 'noop') {
    throw new MongoInvalidArgumentError(
      `Cannot compress with unsupported compressor "${String(compressor)}"`,
    );
  }
  const payload = message.subarray(HEADER_LENGTH);
  const compressed = compressor === 'zlib' ? deflateSync(payload, { level: zlibLevel ?? -1 }) : payload;
  const length = HEADER_LENGTH + COMPRESSED_PREFIX_LENGTH + compressed.length;
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, { ...header, messageLength: length, opCode: OP_COMPRESSED });
  out.writeInt32LE(header.opCode, HEADER_LENGTH);
  out.writeInt32LE(payload.length, HEADER_LENGTH + 4);
  out[HEADER_LENGTH + 8] = COMPRESSOR_IDS[compressor];
  out.set(compressed, HEADER_LENGTH + COMPRESSED_PREFIX_LENGTH);
  return out;
}

export interface Decompressed {
  originalOpcode: number;
  compressor: Compressor;
  /** The original message without its header. */
  payload: Buffer;
}

/** Unwraps an OP_COMPRESSED frame (header included). Only zlib and noop are supported. */
export function decompressFrame(frame: Buffer, maxMessageSizeBytes: number): Decompressed {
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
  if (compressor !== 'zlib' && compressor !== 'noop') {
    throw new MongoProtocolError(
      `OP_COMPRESSED uses an unsupported compressor (id ${id}${compressor ? `, ${compressor}` : ''})`,
    );
  }
  const data = frame.subarray(HEADER_LENGTH + COMPRESSED_PREFIX_LENGTH);
  let payload: Buffer;
  if (compressor === 'noop') {
    payload = data;
  } else {
    try {
      // maxOutputLength bounds memory against a "zip bomb"; one more byte lets us detect a lie.
      payload = inflateSync(data, { maxOutputLength: uncompressedSize + 1 });
    } catch (error) {
      throw new MongoProtocolError(`OP_COMPRESSED zlib data is invalid: ${describe(error)}`, {
        cause: error,
      });
    }
  }
  if (payload.length !== uncompressedSize) {
    throw new MongoProtocolError(
      `OP_COMPRESSED declared ${uncompressedSize} uncompressed bytes but held ${payload.length}`,
    );
  }
  return { originalOpcode, compressor, payload };
}
