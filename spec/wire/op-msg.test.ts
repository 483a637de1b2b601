import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Long, serialize } from 'bson';
import { MongoProtocolError } from '../../src/errors.js';
import {
  decodeMessage,
  encodeOpMsg,
  encodeOpMsgPieces,
  OP_MSG,
  type WireMessage,
} from '../../src/wire/index.js';

/** Builds bytes from hex strings, numbers as int32 LE, and plain strings as UTF-8. */
function bytes(...parts: (string | number | Buffer)[]): Buffer {
  return Buffer.concat(
    parts.map((p) => {
      if (Buffer.isBuffer(p)) return p;
      if (typeof p === 'number') {
        const b = Buffer.alloc(4);
        b.writeInt32LE(p);
        return b;
      }
      return p.startsWith('0x') ? Buffer.from(p.slice(2), 'hex') : Buffer.from(p, 'utf8');
    }),
  );
}

/** {ping: 1, $db: "admin"} as hand-written BSON (30 bytes). */
const PING_BSON = bytes(30, '0x10', 'ping', '0x00', 1, '0x02', '$db', '0x00', 6, 'admin', '0x00', '0x00');

function asMsg(m: WireMessage): Extract<WireMessage, { opCode: 2013 }> {
  assert.equal(m.opCode, OP_MSG);
  return m as Extract<WireMessage, { opCode: 2013 }>;
}

describe('OP_MSG encode', () => {
  it('encodes a small command byte for byte', () => {
    const encoded = encodeOpMsg({ requestId: 7, command: { ping: 1, $db: 'admin' } });
    const expected = bytes(51, 7, 0, 2013, 0, '0x00', PING_BSON);
    assert.deepEqual(encoded, expected);
  });

  it('sets moreToCome (bit 1) and exhaustAllowed (bit 16)', () => {
    const more = encodeOpMsg({ requestId: 1, command: { ping: 1, $db: 'a' }, moreToCome: true });
    assert.equal(more.readUInt32LE(16), 2);
    const ex = encodeOpMsg({ requestId: 1, command: { ping: 1, $db: 'a' }, exhaustAllowed: true });
    assert.equal(ex.readUInt32LE(16), 0x10000);
  });

  it('encodes kind-1 sequences byte for byte', () => {
    const encoded = encodeOpMsg({
      requestId: 3,
      command: { ping: 1, $db: 'admin' },
      sequences: [{ identifier: 'documents', documents: [{}, {}] }],
    });
    const empty = bytes(5, '0x00');
    // size = 4 + "documents\0" (10) + 2 * 5 = 24
    const section = bytes('0x01', 24, 'documents', '0x00', empty, empty);
    const expected = bytes(16 + 4 + 1 + 30 + section.length, 3, 0, 2013, 0, '0x00', PING_BSON, section);
    assert.deepEqual(encoded, expected);
  });
});

describe('OP_MSG decode', () => {
  it('decodes the hand-built bytes', () => {
    const m = asMsg(decodeMessage(bytes(51, 9, 4, 2013, 0, '0x00', PING_BSON)));
    assert.deepEqual(m.header, { messageLength: 51, requestId: 9, responseTo: 4, opCode: 2013 });
    assert.deepEqual(m.body, { ping: 1, $db: 'admin' });
    assert.equal(m.moreToCome, false);
    assert.equal(m.exhaustAllowed, false);
    assert.equal(m.checksumPresent, false);
    assert.deepEqual(m.sequences, []);
  });

  it('round-trips flags, sequences and responseTo', () => {
    const docs = [
      { _id: 1, x: 'a' },
      { _id: 2, n: new Long(5) },
    ];
    const frame = encodeOpMsg({
      requestId: 11,
      responseTo: 10,
      command: { insert: 'c', $db: 'test' },
      sequences: [
        { identifier: 'documents', documents: docs },
        { identifier: 'other', documents: [] },
      ],
      moreToCome: true,
      exhaustAllowed: true,
    });
    const m = asMsg(decodeMessage(frame, { bsonOptions: { promoteLongs: false } }));
    assert.equal(m.header.requestId, 11);
    assert.equal(m.header.responseTo, 10);
    assert.equal(m.moreToCome, true);
    assert.equal(m.exhaustAllowed, true);
    assert.equal(m.flagBits, 0x10002);
    assert.deepEqual(m.body, { insert: 'c', $db: 'test' });
    assert.equal(m.sequences.length, 2);
    assert.equal(m.sequences[0]!.identifier, 'documents');
    assert.deepEqual(m.sequences[0]!.documents, docs);
    assert.deepEqual(m.sequences[1], { identifier: 'other', documents: [] });
  });

  it('accepts a checksum and skips its 4 bytes', () => {
    const m = asMsg(decodeMessage(bytes(55, 1, 0, 2013, 1, '0x00', PING_BSON, '0xdeadbeef')));
    assert.equal(m.checksumPresent, true);
    assert.deepEqual(m.body, { ping: 1, $db: 'admin' });
  });

  it('ignores unknown optional flag bits (16-31)', () => {
    const m = asMsg(decodeMessage(bytes(51, 1, 0, 2013, 0x00f00000, '0x00', PING_BSON)));
    assert.deepEqual(m.body, { ping: 1, $db: 'admin' });
  });

  const bad: Record<string, Buffer> = {
    'unknown required flag bit': bytes(51, 1, 0, 2013, 4, '0x00', PING_BSON),
    'unknown section kind': bytes(51, 1, 0, 2013, 0, '0x02', PING_BSON),
    'no kind-0 section': bytes(16 + 4 + 1 + 15, 1, 0, 2013, 0, '0x01', 15, 'docs', '0x00', bytes(5, '0x00')),
    'two kind-0 sections': bytes(81, 1, 0, 2013, 0, '0x00', PING_BSON, '0x00', PING_BSON),
    'no sections': bytes(20, 1, 0, 2013, 0),
    'BSON length larger than the section': bytes(51, 1, 0, 2013, 0, '0x00', 31, PING_BSON.subarray(4)),
    'BSON length smaller than the document': bytes(51, 1, 0, 2013, 0, '0x00', 29, PING_BSON.subarray(4)),
    'negative BSON length': bytes(51, 1, 0, 2013, 0, '0x00', -1, PING_BSON.subarray(4)),
    'messageLength differs from the frame': bytes(52, 1, 0, 2013, 0, '0x00', PING_BSON),
    'kind-1 size past the end': bytes(
      61,
      1,
      0,
      2013,
      0,
      '0x00',
      PING_BSON,
      '0x01',
      100,
      'd',
      '0x00',
      bytes(5, '0x00'),
    ),
    'kind-1 identifier without NUL': bytes(57, 1, 0, 2013, 0, '0x00', PING_BSON, '0x01', 6, 'dd'),
    'unsupported opCode': bytes(51, 1, 0, 2010, 0, '0x00', PING_BSON),
    'shorter than a header': bytes(12, 1, 0),
    'checksum flag but no room': bytes(21, 1, 0, 2013, 1, '0x00'),
  };
  for (const [name, frame] of Object.entries(bad)) {
    it(`rejects ${name} with MongoProtocolError`, () => {
      assert.throws(() => decodeMessage(frame), MongoProtocolError);
    });
  }

  it('rejects a frame over maxMessageSizeBytes', () => {
    const frame = bytes(51, 1, 0, 2013, 0, '0x00', PING_BSON);
    assert.throws(() => decodeMessage(frame, { maxMessageSizeBytes: 50 }), /exceeds maxMessageSizeBytes/);
  });

  it('sends documents already encoded as pieces of their own, never copied, decoding as one message', () => {
    const docs = [{ _id: 1 }, { _id: 2, s: 'x' }, { _id: 3 }];
    const slab = Buffer.concat(docs.map((d) => serialize(d)));
    const encoded = [slab.subarray(0, serialize(docs[0]).length), slab.subarray(serialize(docs[0]).length)];
    const req = {
      requestId: 9,
      command: { insert: 'c', $db: 'db' },
      sequences: [
        { identifier: 'documents', documents: docs, encoded },
        { identifier: 'more', documents: [{ a: 1 }] },
      ],
    };
    const pieces = encodeOpMsgPieces(req);
    // header + body + first sequence header | the two slab slices as they are | the second sequence
    assert.equal(pieces.length, 4);
    assert.equal(pieces[1]?.buffer, slab.buffer, 'the slab itself, not a copy');
    const whole = Buffer.concat(pieces);
    assert.equal(whole.readInt32LE(0), whole.length);
    assert.deepEqual(whole, encodeOpMsg(req));
    const message = decodeMessage(whole);
    assert.equal(message.opCode, OP_MSG);
    if (message.opCode !== OP_MSG) return;
    assert.deepEqual(message.sequences[0]?.documents, docs);
    assert.deepEqual(message.sequences[1]?.documents, [{ a: 1 }]);
  });

  it('grows once to the exact size for a large document, taking its buffers from `allocate`', () => {
    const doc = { _id: 1, data: new Uint8Array(200_000) };
    const asked: number[] = [];
    const req = {
      requestId: 10,
      command: { insert: 'c', $db: 'db' },
      sequences: [{ identifier: 'documents', documents: [doc] }],
      allocate: (n: number) => {
        asked.push(n);
        return Buffer.allocUnsafe(n);
      },
    };
    const pieces = encodeOpMsgPieces(req);
    // The estimate, then the room the document needs: no doubling from the estimate up.
    assert.equal(asked.length, 2);
    assert.ok((asked[1] as number) < 201_000, `grew to ${asked[1]}`);
    const whole = Buffer.concat(pieces);
    assert.deepEqual(whole, encodeOpMsg({ ...req, allocate: undefined }));
    const message = decodeMessage(whole);
    assert.equal(message.opCode, OP_MSG);
    if (message.opCode !== OP_MSG) return;
    const data = message.sequences[0]?.documents[0]?.data as { position: number } | undefined;
    assert.equal(data?.position, 200_000);
  });

  it('encodes into a larger buffer `allocate` hands out (a reused one), from its byte 0', () => {
    const big = Buffer.alloc(64 * 1024, 0xee);
    const req = { requestId: 11, command: { ping: 1, $db: 'admin' }, allocate: () => big };
    const pieces = encodeOpMsgPieces(req);
    assert.equal(pieces.length, 1);
    assert.equal(pieces[0]?.buffer, big.buffer);
    assert.equal(pieces[0]?.byteOffset, big.byteOffset);
    assert.deepEqual(pieces[0], encodeOpMsg({ requestId: 11, command: { ping: 1, $db: 'admin' } }));
  });
});
