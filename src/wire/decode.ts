import type { DeserializeOptions } from 'bson';
import { MongoError, MongoProtocolError } from '../errors.js';
import {
  builtInCodec,
  type CodecLookup,
  type CompressedFrame,
  type Compressor,
  checkDecompressed,
  decompressionError,
  parseOpCompressed,
} from './compression.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE_BYTES,
  HEADER_LENGTH,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  OP_REPLY,
} from './constants.js';
import { type MessageHeader, readHeader } from './header.js';
import { decodeOpMsg, type OpMsgMessage } from './op-msg.js';
import { decodeOpQuery, decodeOpReply, type OpQueryMessage, type OpReplyMessage } from './op-query.js';

/** A decoded message; `compressor` is set when it arrived wrapped in OP_COMPRESSED. */
export type WireMessage = (OpMsgMessage | OpReplyMessage | OpQueryMessage) & { compressor?: Compressor };

export interface DecodeOptions {
  maxMessageSizeBytes?: number;
  bsonOptions?: DeserializeOptions;
  /** Codecs beyond the built-in zlib/noop (snappy, zstd), for replies a server compressed with them. */
  codecs?: CodecLookup;
}

/**
 * Decodes one whole frame (header included). OP_COMPRESSED is unwrapped and the inner message
 * decoded; its header then reports the original opCode and uncompressed length. Synchronous: a
 * frame whose codec answers asynchronously (snappy, zstd) is a MongoProtocolError here; use
 * `decodeFrame` for those. Any malformation raises MongoProtocolError and nothing else.
 */
export function decodeMessage(frame: Buffer, options?: DecodeOptions): WireMessage {
  const message = decodeFrame(frame, options);
  if (message instanceof Promise) {
    message.catch(() => undefined);
    throw new MongoProtocolError('OP_COMPRESSED needs an asynchronous codec: use decodeFrame');
  }
  return message;
}

/**
 * `decodeMessage` for any codec: a plain value when everything is synchronous (uncompressed,
 * zlib, noop), a Promise only when the frame's codec is asynchronous. Errors (thrown or rejected)
 * are MongoProtocolError.
 */
export function decodeFrame(frame: Buffer, options?: DecodeOptions): WireMessage | Promise<WireMessage> {
  try {
    return decodeUnchecked(frame, options);
  } catch (error) {
    throw asProtocolError(error);
  }
}

function decodeUnchecked(
  frame: Buffer,
  options: DecodeOptions | undefined,
): WireMessage | Promise<WireMessage> {
  const max = options?.maxMessageSizeBytes ?? DEFAULT_MAX_MESSAGE_SIZE_BYTES;
  const header = readHeader(frame);
  if (header.messageLength !== frame.length) {
    throw new MongoProtocolError(
      `Header messageLength ${header.messageLength} but frame has ${frame.length} bytes`,
    );
  }
  if (frame.length > max) {
    throw new MongoProtocolError(`Message of ${frame.length} bytes exceeds maxMessageSizeBytes ${max}`);
  }
  const bson = options?.bsonOptions;
  if (header.opCode !== OP_COMPRESSED) return decodeBody(header, frame, HEADER_LENGTH, bson);
  const compressed = parseOpCompressed(frame, max);
  const codec = options?.codecs?.(compressed.compressor) ?? builtInCodec(compressed.compressor);
  if (!codec) {
    throw new MongoProtocolError(
      `OP_COMPRESSED uses an unsupported compressor (id ${frame[HEADER_LENGTH + 8]}, ${compressed.compressor})`,
    );
  }
  let out: Buffer | Promise<Buffer>;
  try {
    out = codec.decompress(compressed.data, compressed.uncompressedSize);
  } catch (error) {
    throw decompressionError(compressed.compressor, error);
  }
  if (!(out instanceof Promise)) return decodeInner(header, compressed, out, bson);
  return out.then(
    (payload) => {
      try {
        return decodeInner(header, compressed, payload, bson);
      } catch (error) {
        throw asProtocolError(error);
      }
    },
    (error: unknown) => {
      throw decompressionError(compressed.compressor, error);
    },
  );
}

function decodeInner(
  header: MessageHeader,
  compressed: CompressedFrame,
  payload: Buffer,
  bson: DeserializeOptions | undefined,
): WireMessage {
  const inner: MessageHeader = {
    ...header,
    messageLength: HEADER_LENGTH + compressed.uncompressedSize,
    opCode: compressed.originalOpcode,
  };
  const message: WireMessage = decodeBody(inner, checkDecompressed(compressed, payload), 0, bson);
  message.compressor = compressed.compressor as Compressor;
  return message;
}

/** Belt and braces: a bounds mistake must still surface as a protocol error, never a crash. */
function asProtocolError(error: unknown): unknown {
  if (error instanceof MongoError) return error;
  return new MongoProtocolError(
    `Malformed message: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
    },
  );
}

function decodeBody(
  header: MessageHeader,
  buf: Buffer,
  start: number,
  bson: DeserializeOptions | undefined,
): WireMessage {
  switch (header.opCode) {
    case OP_MSG:
      return decodeOpMsg(header, buf, start, bson);
    case OP_REPLY:
      return decodeOpReply(header, buf, start, bson);
    case OP_QUERY:
      return decodeOpQuery(header, buf, start, bson);
    default:
      throw new MongoProtocolError(`Unsupported opCode ${header.opCode}`);
  }
}
