/** Wire protocol opcodes this driver speaks (OP_MSG spec; legacy OP_QUERY/OP_REPLY for the handshake only). */
export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

/** Default `maxMessageSizeBytes` until the server's hello says otherwise. */
export const DEFAULT_MAX_MESSAGE_SIZE_BYTES = 48_000_000;

/** Standard message header: messageLength, requestID, responseTo, opCode (4 x int32). */
export const HEADER_LENGTH = 16;

/** OP_MSG flagBits (OP_MSG spec, "Flag Bits"). */
export const CHECKSUM_PRESENT = 1 << 0;
export const MORE_TO_COME = 1 << 1;
export const EXHAUST_ALLOWED = 1 << 16;
/** Bits 0-15 are "required": a reader that does not know one of them must error. We know 0 and 1. */
export const UNKNOWN_REQUIRED_FLAG_BITS = 0xfffc;
