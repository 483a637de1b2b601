// Turns one command into the bytes of one request: OP_MSG (or the legacy OP_QUERY of the first
// hello), wrapped in OP_COMPRESSED when compression was negotiated and the command allows it.
import type { Document } from 'bson';
import {
  type CompressionCodec,
  type Compressor,
  compressiblePart,
  encodeOpMsgPieces,
  encodeOpQuery,
  frameOpCompressed,
} from '../wire/index.js';
import type { CommandOptions } from './types.js';

/** Commands that must never be compressed (compression spec, "Messages not allowed to be compressed"). */
const UNCOMPRESSIBLE = new Set([
  'hello',
  'ismaster',
  'saslstart',
  'saslcontinue',
  'getnonce',
  'authenticate',
  'createuser',
  'updateuser',
  'copydbsaslstart',
  'copydbgetnonce',
  'copydb',
]);

/** The compressor the handshake negotiated, and the codec that compresses with it. */
export interface NegotiatedCompression {
  readonly compressor: Compressor;
  readonly codec: CompressionCodec;
}

export interface OutgoingCommand {
  readonly requestId: number;
  readonly databaseName: string;
  readonly commandName: string;
  /** The command as the caller gave it (the OP_QUERY query). */
  readonly command: Document;
  /** The command with `$db` (the OP_MSG body). */
  readonly body: Document;
}

/**
 * The bytes of one request: one buffer, or the pieces to write one after another (statements
 * already encoded are not copied into the message).
 */
export type OutgoingBytes = Buffer | readonly Buffer[];

/**
 * Encodes the request (uncompressed); throws (MongoInvalidArgumentError, BSON errors) before
 * anything is written. `allocate` provides the OP_MSG's buffers (see OpMsgRequest.allocate).
 */
export function encodeCommand(
  out: OutgoingCommand,
  options: CommandOptions,
  allocate?: (bytes: number) => Buffer,
): OutgoingBytes {
  return options.legacyOpQuery
    ? encodeOpQuery({
        requestId: out.requestId,
        fullCollectionName: `${out.databaseName}.$cmd`,
        query: out.command,
        numberToReturn: -1,
      })
    : encodeOpMsgPieces({
        requestId: out.requestId,
        command: out.body,
        sequences: options.sequences,
        moreToCome: options.moreToCome,
        exhaustAllowed: options.exhaustAllowed,
        serializeOptions: options.serializeOptions,
        allocate,
      });
}

/**
 * The bytes to write: `message` itself when nothing was negotiated or the command must not be
 * compressed, else OP_COMPRESSED. Synchronous for zlib and noop (no extra tick on that path); a
 * Promise for the asynchronous codecs (snappy, zstd), which may reject with the codec's error
 * (MongoMissingDependencyError when the package is absent).
 */
export function compressCommand(
  out: OutgoingCommand,
  options: CommandOptions,
  bytes: OutgoingBytes,
  compression: NegotiatedCompression | undefined,
): OutgoingBytes | Promise<Buffer> {
  if (!compression || options.noCompress || UNCOMPRESSIBLE.has(out.commandName.toLowerCase())) return bytes;
  const message = Buffer.isBuffer(bytes) ? bytes : Buffer.concat(bytes as readonly Buffer[]);
  const { compressor, codec } = compression;
  const compressed = codec.compress(compressiblePart(message));
  return compressed instanceof Promise
    ? compressed.then((bytes) => frameOpCompressed(message, compressor, bytes))
    : frameOpCompressed(message, compressor, compressed);
}
