import {
  calculateObjectSize,
  type DeserializeOptions,
  type Document,
  type SerializeOptions,
  serialize,
  serializeWithBufferAndIndex,
} from 'bson';
import { MongoInvalidArgumentError, MongoProtocolError } from '../errors.js';
import { readCString, readDocument } from './bson-reader.js';
import {
  CHECKSUM_PRESENT,
  EXHAUST_ALLOWED,
  HEADER_LENGTH,
  MORE_TO_COME,
  OP_MSG,
  UNKNOWN_REQUIRED_FLAG_BITS,
} from './constants.js';
import { type MessageHeader, writeHeader } from './header.js';

/** A kind-1 OP_MSG section: a named sequence of documents (e.g. `documents` of an insert). */
export interface DocumentSequence {
  readonly identifier: string;
  readonly documents: readonly Document[];
  /** The documents already serialized (their bytes in order, in one or more pieces): sent as they are. */
  readonly encoded?: readonly Uint8Array[];
}

export interface OpMsgRequest {
  requestId: number;
  /** The command body; must already contain `$db`. */
  command: Document;
  /** Kind-1 sections (e.g. `documents` of an insert). */
  sequences?: readonly DocumentSequence[];
  moreToCome?: boolean;
  exhaustAllowed?: boolean;
  /** Request id this message answers (servers and the mock server set it; clients leave it 0). */
  responseTo?: number;
  /** BSON encoding of the sequences' documents (ignoreUndefined, serializeFunctions; the body gets serializeFunctions only). */
  serializeOptions?: SerializeOptions;
  /**
   * Where the message's buffers come from (a buffer of at least the bytes asked for; default
   * `Buffer.allocUnsafe`): lets a connection encode into a buffer it reuses once written.
   */
  allocate?: (bytes: number) => Buffer;
}

export interface OpMsgMessage {
  opCode: typeof OP_MSG;
  header: MessageHeader;
  flagBits: number;
  moreToCome: boolean;
  exhaustAllowed: boolean;
  checksumPresent: boolean;
  body: Document;
  sequences: DocumentSequence[];
}

const FLAG_BITS_LENGTH = 4;
const CHECKSUM_LENGTH = 4;

/**
 * Encodes an OP_MSG (header, flagBits, one kind-0 section, then one kind-1 section per sequence)
 * into one buffer. See encodeOpMsgPieces.
 */
export function encodeOpMsg(req: OpMsgRequest): Buffer {
  const pieces = encodeOpMsgPieces(req);
  return pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
}

/**
 * Encodes an OP_MSG as the pieces to write one after another: the bytes of documents already
 * encoded (a write's statements in their slabs) are pieces of their own, never copied; other
 * documents are serialized straight into the outgoing buffer (grown when the estimate fell short).
 * No buffer per document, no second copy. The first piece starts with the header.
 */
export function encodeOpMsgPieces(req: OpMsgRequest): Buffer[] {
  // The body is the driver's own (undefined fields left out, whatever the user's ignoreUndefined
  // says); the user's encoding options apply to the documents of the sequences.
  const body = req.serializeOptions
    ? serialize(req.command, { ...req.serializeOptions, ignoreUndefined: true })
    : serialize(req.command);
  const sequences = req.sequences ?? [];
  const identifiers = sequences.map((s) => identifierBytes(s.identifier));
  let estimate = HEADER_LENGTH + FLAG_BITS_LENGTH + 1 + body.length;
  sequences.forEach((s, i) => {
    estimate += 6 + (identifiers[i] as Buffer).length + (s.encoded ? 0 : s.documents.length * 256);
  });
  const pieces: Buffer[] = [];
  let length = 0;
  const allocate = req.allocate ?? Buffer.allocUnsafe;
  let out = new GrowableBuffer(estimate, allocate);
  const options = { ...req.serializeOptions, index: 0 };
  let offset = HEADER_LENGTH + FLAG_BITS_LENGTH;
  out.buffer[offset++] = 0;
  out.buffer.set(body, offset);
  offset += body.length;
  sequences.forEach((s, i) => {
    const identifier = identifiers[i] as Buffer;
    out.reserve(offset, 6 + identifier.length);
    const sizeAt = offset + 1;
    out.buffer[offset] = 1;
    offset = sizeAt + 4;
    offset += identifier.copy(out.buffer, offset);
    out.buffer[offset++] = 0;
    if (s.encoded) {
      out.buffer.writeInt32LE(offset - sizeAt + byteLengthOf(s.encoded), sizeAt);
      pieces.push(out.buffer.subarray(0, offset));
      length += offset;
      for (const piece of s.encoded) {
        pieces.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
        length += piece.byteLength;
      }
      out = new GrowableBuffer(256, allocate);
      offset = 0;
    } else {
      for (const doc of s.documents) offset = out.serialize(doc, offset, options);
      out.buffer.writeInt32LE(offset - sizeAt, sizeAt);
    }
  });
  if (offset > 0 || pieces.length === 0) {
    pieces.push(offset === out.buffer.length ? out.buffer : out.buffer.subarray(0, offset));
    length += offset;
  }
  const first = pieces[0] as Buffer;
  writeHeader(first, {
    messageLength: length,
    requestId: req.requestId,
    responseTo: req.responseTo ?? 0,
    opCode: OP_MSG,
  });
  const flags = (req.moreToCome ? MORE_TO_COME : 0) | (req.exhaustAllowed ? EXHAUST_ALLOWED : 0);
  first.writeUInt32LE(flags >>> 0, HEADER_LENGTH);
  return pieces;
}

function byteLengthOf(pieces: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of pieces) n += p.length;
  return n;
}

function identifierBytes(identifier: string): Buffer {
  const bytes = Buffer.from(identifier, 'utf8');
  if (bytes.includes(0)) {
    throw new MongoInvalidArgumentError(
      `Document sequence identifier ${JSON.stringify(identifier)} contains NUL`,
    );
  }
  return bytes;
}

/** bson serializes into its internal buffer of this size, then copies out: no document is larger. */
const BSON_INTERNAL_BUFFER = 17_825_792;

/** The outgoing message, grown (doubling, one copy) when a size hint fell short. */
class GrowableBuffer {
  buffer: Buffer;

  constructor(
    size: number,
    private readonly allocate: (bytes: number) => Buffer,
  ) {
    this.buffer = allocate(size);
  }

  /** Makes room for `bytes` more after `offset`. */
  reserve(offset: number, bytes: number): void {
    if (offset + bytes > this.buffer.length) this.grow(offset, offset + bytes);
  }

  /** Serializes `doc` at `offset`; returns the offset after it. */
  serialize(doc: Document, offset: number, options: SerializeOptions & { index: number }): number {
    for (;;) {
      try {
        options.index = offset;
        return serializeWithBufferAndIndex(doc, this.buffer, options) + 1;
      } catch (e) {
        // Uint8Array.set past the end: the document did not fit. Anything else is the document's
        // own error (a stack overflow too, once any document would fit).
        if (!(e instanceof RangeError) || this.buffer.length - offset >= BSON_INTERNAL_BUFFER) throw e;
        this.grow(offset, offset + fitFor(doc, options, this.buffer.length - offset));
      }
    }
  }

  private grow(used: number, atLeast: number): void {
    const next = this.allocate(Math.max(atLeast, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, used);
    this.buffer = next;
  }
}

/** Room for `doc` once it did not fit in `room` bytes: its exact size, or double the room when bson cannot size it. */
function fitFor(doc: Document, options: SerializeOptions, room: number): number {
  try {
    return Math.max(calculateObjectSize(doc, options), room + 1);
  } catch {
    return room * 2;
  }
}

/**
 * Decodes the part of an OP_MSG after its header: `buf[start..]` holds flagBits and sections.
 * `start` is 16 for a whole frame, 0 for the payload of an OP_COMPRESSED.
 */
export function decodeOpMsg(
  header: MessageHeader,
  buf: Buffer,
  start: number,
  options: DeserializeOptions | undefined,
): OpMsgMessage {
  if (buf.length - start < FLAG_BITS_LENGTH + 1) {
    throw new MongoProtocolError(`OP_MSG of ${buf.length - start} bytes after the header is too short`);
  }
  const flagBits = buf.readUInt32LE(start);
  if (flagBits & UNKNOWN_REQUIRED_FLAG_BITS) {
    // OP_MSG spec: unknown bits 0-15 are required; the message must be rejected.
    throw new MongoProtocolError(`OP_MSG has unknown required flag bits set (0x${flagBits.toString(16)})`);
  }
  const checksumPresent = (flagBits & CHECKSUM_PRESENT) !== 0;
  // The CRC-32C checksum is accepted but not verified (TCP already checksums).
  const end = buf.length - (checksumPresent ? CHECKSUM_LENGTH : 0);
  let offset = start + FLAG_BITS_LENGTH;
  if (end <= offset) throw new MongoProtocolError('OP_MSG has no sections');

  let body: Document | undefined;
  const sequences: DocumentSequence[] = [];
  while (offset < end) {
    const kind = buf[offset++];
    if (kind === 0) {
      if (body !== undefined) throw new MongoProtocolError('OP_MSG has more than one kind-0 section');
      const read = readDocument(buf, offset, end, 'OP_MSG body section', options);
      body = read.doc;
      offset = read.next;
    } else if (kind === 1) {
      const read = readSequence(buf, offset, end, options);
      sequences.push(read.sequence);
      offset = read.next;
    } else {
      throw new MongoProtocolError(`OP_MSG has a section of unknown kind ${kind}`);
    }
  }
  if (body === undefined) throw new MongoProtocolError('OP_MSG has no kind-0 (body) section');
  return {
    opCode: OP_MSG,
    header,
    flagBits,
    moreToCome: (flagBits & MORE_TO_COME) !== 0,
    exhaustAllowed: (flagBits & EXHAUST_ALLOWED) !== 0,
    checksumPresent,
    body,
    sequences,
  };
}

function readSequence(
  buf: Buffer,
  offset: number,
  end: number,
  options: DeserializeOptions | undefined,
): { sequence: DocumentSequence; next: number } {
  if (end - offset < 4) throw new MongoProtocolError('OP_MSG kind-1 section is truncated');
  const size = buf.readInt32LE(offset);
  // int32 size + at least an empty identifier's NUL.
  if (size < 5 || size > end - offset) {
    throw new MongoProtocolError(`OP_MSG kind-1 section size ${size} does not fit in ${end - offset} bytes`);
  }
  const sectionEnd = offset + size;
  const id = readCString(buf, offset + 4, sectionEnd, 'OP_MSG kind-1 identifier');
  const documents: Document[] = [];
  let pos = id.next;
  while (pos < sectionEnd) {
    const read = readDocument(buf, pos, sectionEnd, `OP_MSG kind-1 section "${id.value}"`, options);
    documents.push(read.doc);
    pos = read.next;
  }
  return { sequence: { identifier: id.value, documents }, next: sectionEnd };
}
