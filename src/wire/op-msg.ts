import { type DeserializeOptions, type Document, type SerializeOptions, serialize } from 'bson';
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

/** Encodes an OP_MSG (header, flagBits, one kind-0 section, then one kind-1 section per sequence). */
export function encodeOpMsg(req: OpMsgRequest): Buffer {
  // The body is the driver's own (undefined fields left out, whatever the user's ignoreUndefined
  // says); the user's encoding options apply to the documents of the sequences.
  const body = req.serializeOptions
    ? serialize(req.command, { ...req.serializeOptions, ignoreUndefined: true })
    : serialize(req.command);
  const sequences = (req.sequences ?? []).map((s) => encodeSequence(s, req.serializeOptions));
  let length = HEADER_LENGTH + FLAG_BITS_LENGTH + 1 + body.length;
  for (const s of sequences) length += 1 + s.size;

  const out = Buffer.allocUnsafe(length);
  writeHeader(out, {
    messageLength: length,
    requestId: req.requestId,
    responseTo: req.responseTo ?? 0,
    opCode: OP_MSG,
  });
  const flags = (req.moreToCome ? MORE_TO_COME : 0) | (req.exhaustAllowed ? EXHAUST_ALLOWED : 0);
  out.writeUInt32LE(flags >>> 0, HEADER_LENGTH);
  let offset = HEADER_LENGTH + FLAG_BITS_LENGTH;
  out[offset++] = 0;
  out.set(body, offset);
  offset += body.length;
  for (const s of sequences) {
    out[offset++] = 1;
    offset = out.writeInt32LE(s.size, offset);
    offset += s.identifier.copy(out, offset);
    out[offset++] = 0;
    for (const doc of s.documents) {
      out.set(doc, offset);
      offset += doc.length;
    }
  }
  return out;
}

interface EncodedSequence {
  identifier: Buffer;
  documents: Uint8Array[];
  /** Section size as written on the wire: int32 size + identifier cstring + documents. */
  size: number;
}

function encodeSequence(seq: DocumentSequence, options: SerializeOptions | undefined): EncodedSequence {
  const identifier = Buffer.from(seq.identifier, 'utf8');
  if (identifier.includes(0)) {
    throw new MongoInvalidArgumentError(
      `Document sequence identifier ${JSON.stringify(seq.identifier)} contains NUL`,
    );
  }
  const documents = seq.documents.map((d) => serialize(d, options));
  let size = 4 + identifier.length + 1;
  for (const d of documents) size += d.length;
  return { identifier, documents, size };
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
