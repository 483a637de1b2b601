import { MongoProtocolError } from '../errors.js';
import { HEADER_LENGTH } from './constants.js';

export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export function readHeader(frame: Uint8Array): MessageHeader {
  if (frame.length < HEADER_LENGTH) {
    throw new MongoProtocolError(`Message of ${frame.length} bytes is shorter than the 16-byte header`);
  }
  const view = new DataView(frame.buffer, frame.byteOffset, HEADER_LENGTH);
  return {
    messageLength: view.getInt32(0, true),
    requestId: view.getInt32(4, true),
    responseTo: view.getInt32(8, true),
    opCode: view.getInt32(12, true),
  };
}

export function writeHeader(target: Buffer, header: MessageHeader): void {
  target.writeInt32LE(header.messageLength, 0);
  target.writeInt32LE(header.requestId | 0, 4);
  target.writeInt32LE(header.responseTo | 0, 8);
  target.writeInt32LE(header.opCode, 12);
}
