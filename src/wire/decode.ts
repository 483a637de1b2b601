import type { DeserializeOptions } from 'bson';
import { MongoProtocolError } from '../errors.js';
import { type Compressor, decompressFrame } from './compression.js';
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
}

/**
 * Decodes one whole frame (header included). OP_COMPRESSED is unwrapped (zlib/noop) and the
 * inner message decoded; its header then reports the original opCode and uncompressed length.
 * Any malformation raises MongoProtocolError and nothing else.
 */
export function decodeMessage(frame: Buffer, options?: DecodeOptions): WireMessage {
  try {
    return decodeUnchecked(frame, options);
  } catch (error) {
    if (error instanceof MongoProtocolError) throw error;
    // Belt and braces: a bounds mistake must still surface as a protocol error, never a crash.
    throw new MongoProtocolError(
      `Malformed message: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}

function decodeUnchecked(frame: Buffer, options: DecodeOptions | undefined): WireMessage {
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

  const { originalOpcode, compressor, payload } = decompressFrame(frame, max);
  const inner: MessageHeader = {
    ...header,
    messageLength: HEADER_LENGTH + payload.length,
    opCode: originalOpcode,
  };
  const message: WireMessage = decodeBody(inner, payload, 0, bson);
  message.compressor = compressor;
  return message;
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
