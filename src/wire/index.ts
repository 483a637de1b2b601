export {
  builtInCodec,
  type CodecLookup,
  type CompressionCodec,
  type Compressor,
  compressiblePart,
  compressorId,
  compressorName,
  encodeOpCompressed,
  frameOpCompressed,
  NOOP_CODEC,
  zlibCodec,
} from './compression.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE_BYTES,
  HEADER_LENGTH,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  OP_REPLY,
} from './constants.js';
export { type DecodeOptions, decodeFrame, decodeMessage, type WireMessage } from './decode.js';
export { FrameSplitter } from './frame-splitter.js';
export { type MessageHeader, readHeader } from './header.js';
export {
  type DocumentSequence,
  encodeOpMsg,
  encodeOpMsgPieces,
  type OpMsgMessage,
  type OpMsgRequest,
} from './op-msg.js';
export {
  encodeOpQuery,
  encodeOpReply,
  type OpQueryMessage,
  type OpQueryRequest,
  type OpReplyMessage,
} from './op-query.js';
export { nextRequestId } from './request-id.js';
