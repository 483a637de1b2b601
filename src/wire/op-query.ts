import { type DeserializeOptions, type Document, serialize } from 'bson';
import { MongoProtocolError } from '../errors.js';
import { readCString, readDocument } from './bson-reader.js';
import { HEADER_LENGTH, OP_QUERY, OP_REPLY } from './constants.js';
import { type MessageHeader, writeHeader } from './header.js';

/** Legacy OP_QUERY: only used for the first `hello`/`isMaster` when the server API version is unknown. */
export interface OpQueryRequest {
  requestId: number;
  /** e.g. "admin.$cmd". */
  fullCollectionName: string;
  query: Document;
  /** -1 for commands (one document, close the cursor). */
  numberToReturn?: number;
  flags?: number;
  numberToSkip?: number;
}

export interface OpQueryMessage {
  opCode: typeof OP_QUERY;
  header: MessageHeader;
  flags: number;
  fullCollectionName: string;
  numberToSkip: number;
  numberToReturn: number;
  query: Document;
}

export interface OpReplyMessage {
  opCode: typeof OP_REPLY;
  header: MessageHeader;
  responseFlags: number;
  cursorId: bigint;
  startingFrom: number;
  documents: Document[];
}

export function encodeOpQuery(req: OpQueryRequest): Buffer {
  const name = Buffer.from(req.fullCollectionName, 'utf8');
  const query = serialize(req.query);
  const length = HEADER_LENGTH + 4 + name.length + 1 + 8 + query.length;
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, { messageLength: length, requestId: req.requestId, responseTo: 0, opCode: OP_QUERY });
  let offset = out.writeInt32LE(req.flags ?? 0, HEADER_LENGTH);
  offset += name.copy(out, offset);
  out[offset++] = 0;
  offset = out.writeInt32LE(req.numberToSkip ?? 0, offset);
  offset = out.writeInt32LE(req.numberToReturn ?? -1, offset);
  out.set(query, offset);
  return out;
}

export function decodeOpQuery(
  header: MessageHeader,
  buf: Buffer,
  start: number,
  options: DeserializeOptions | undefined,
): OpQueryMessage {
  const end = buf.length;
  if (end - start < 4) throw new MongoProtocolError('OP_QUERY is truncated');
  const flags = buf.readInt32LE(start);
  const name = readCString(buf, start + 4, end, 'OP_QUERY fullCollectionName');
  if (end - name.next < 8) throw new MongoProtocolError('OP_QUERY is truncated');
  const numberToSkip = buf.readInt32LE(name.next);
  const numberToReturn = buf.readInt32LE(name.next + 4);
  const query = readDocument(buf, name.next + 8, end, 'OP_QUERY query', options);
  // An optional returnFieldsSelector may follow; it must be a well-formed document filling the rest.
  if (query.next < end) readDocument(buf, query.next, end, 'OP_QUERY returnFieldsSelector', options);
  return {
    opCode: OP_QUERY,
    header,
    flags,
    fullCollectionName: name.value,
    numberToSkip,
    numberToReturn,
    query: query.doc,
  };
}

/** Encodes an OP_REPLY (servers only; the mock server answers legacy hellos with it). */
export function encodeOpReply(reply: {
  requestId: number;
  responseTo: number;
  documents: readonly Document[];
  responseFlags?: number;
  cursorId?: bigint;
  startingFrom?: number;
}): Buffer {
  const docs = reply.documents.map((d) => serialize(d));
  let length = HEADER_LENGTH + 20;
  for (const d of docs) length += d.length;
  const out = Buffer.allocUnsafe(length);
  writeHeader(out, {
    messageLength: length,
    requestId: reply.requestId,
    responseTo: reply.responseTo,
    opCode: OP_REPLY,
  });
  let offset = out.writeInt32LE(reply.responseFlags ?? 0, HEADER_LENGTH);
  offset = out.writeBigInt64LE(reply.cursorId ?? 0n, offset);
  offset = out.writeInt32LE(reply.startingFrom ?? 0, offset);
  offset = out.writeInt32LE(docs.length, offset);
  for (const d of docs) {
    out.set(d, offset);
    offset += d.length;
  }
  return out;
}

export function decodeOpReply(
  header: MessageHeader,
  buf: Buffer,
  start: number,
  options: DeserializeOptions | undefined,
): OpReplyMessage {
  const end = buf.length;
  if (end - start < 20) throw new MongoProtocolError('OP_REPLY is truncated');
  const responseFlags = buf.readInt32LE(start);
  const cursorId = buf.readBigInt64LE(start + 4);
  const startingFrom = buf.readInt32LE(start + 12);
  const numberReturned = buf.readInt32LE(start + 16);
  // Each document needs at least 5 bytes, so this bounds the loop before any allocation.
  if (numberReturned < 0 || numberReturned * 5 > end - start - 20) {
    throw new MongoProtocolError(`OP_REPLY numberReturned ${numberReturned} does not fit the message`);
  }
  const documents: Document[] = [];
  let offset = start + 20;
  for (let i = 0; i < numberReturned; i++) {
    const read = readDocument(buf, offset, end, `OP_REPLY document ${i}`, options);
    documents.push(read.doc);
    offset = read.next;
  }
  if (offset !== end) {
    throw new MongoProtocolError(`OP_REPLY has ${end - offset} bytes after its ${numberReturned} documents`);
  }
  return { opCode: OP_REPLY, header, responseFlags, cursorId, startingFrom, documents };
}
