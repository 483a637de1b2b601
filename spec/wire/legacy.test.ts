import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serialize } from 'bson';
import { MongoProtocolError } from '../../src/errors.js';
import { decodeMessage, encodeOpQuery, encodeOpReply, type WireMessage } from '../../src/wire/index.js';

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

describe('OP_QUERY', () => {
  it('encodes a legacy hello byte for byte', () => {
    const query = serialize({ isMaster: 1 });
    const encoded = encodeOpQuery({
      requestId: 5,
      fullCollectionName: 'admin.$cmd',
      query: { isMaster: 1 },
      numberToReturn: -1,
    });
    const expected = Buffer.concat([
      int32(16 + 4 + 11 + 8 + query.length),
      int32(5),
      int32(0),
      int32(2004),
      int32(0),
      Buffer.from('admin.$cmd\0'),
      int32(0),
      int32(-1),
      query,
    ]);
    assert.deepEqual(encoded, expected);
  });

  it('round-trips', () => {
    const frame = encodeOpQuery({
      requestId: 8,
      fullCollectionName: 'admin.$cmd',
      query: { hello: 1 },
      flags: 4,
    });
    const m = decodeMessage(frame) as Extract<WireMessage, { opCode: 2004 }>;
    assert.equal(m.opCode, 2004);
    assert.equal(m.flags, 4);
    assert.equal(m.fullCollectionName, 'admin.$cmd');
    assert.equal(m.numberToSkip, 0);
    assert.equal(m.numberToReturn, -1);
    assert.deepEqual(m.query, { hello: 1 });
  });

  it('accepts a returnFieldsSelector and rejects trailing garbage', () => {
    const frame = encodeOpQuery({ requestId: 1, fullCollectionName: 'a.$cmd', query: { hello: 1 } });
    const withSelector = Buffer.concat([frame, serialize({ x: 1 })]);
    withSelector.writeInt32LE(withSelector.length, 0);
    assert.deepEqual((decodeMessage(withSelector) as { query: unknown }).query, { hello: 1 });
    const garbage = Buffer.concat([frame, Buffer.from([1, 2, 3])]);
    garbage.writeInt32LE(garbage.length, 0);
    assert.throws(() => decodeMessage(garbage), MongoProtocolError);
  });

  it('rejects a collection name without NUL', () => {
    const frame = Buffer.concat([int32(24), int32(1), int32(0), int32(2004), int32(0), Buffer.from('abcd')]);
    assert.throws(() => decodeMessage(frame), MongoProtocolError);
  });
});

describe('OP_REPLY', () => {
  it('decodes hand-built bytes', () => {
    const doc = serialize({ ok: 1, isWritablePrimary: true });
    const frame = Buffer.concat([
      int32(16 + 20 + doc.length),
      int32(100),
      int32(5),
      int32(1),
      int32(8),
      Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]),
      int32(0),
      int32(1),
      doc,
    ]);
    const m = decodeMessage(frame) as Extract<WireMessage, { opCode: 1 }>;
    assert.equal(m.opCode, 1);
    assert.deepEqual(m.header, { messageLength: frame.length, requestId: 100, responseTo: 5, opCode: 1 });
    assert.equal(m.responseFlags, 8);
    assert.equal(m.cursorId, 1n);
    assert.equal(m.startingFrom, 0);
    assert.deepEqual(m.documents, [{ ok: 1, isWritablePrimary: true }]);
    assert.deepEqual(
      encodeOpReply({
        requestId: 100,
        responseTo: 5,
        responseFlags: 8,
        cursorId: 1n,
        documents: [m.documents[0]!],
      }),
      frame,
    );
  });

  it('round-trips several documents', () => {
    const frame = encodeOpReply({ requestId: 1, responseTo: 2, documents: [{ a: 1 }, { b: 2 }, {}] });
    const m = decodeMessage(frame) as Extract<WireMessage, { opCode: 1 }>;
    assert.deepEqual(m.documents, [{ a: 1 }, { b: 2 }, {}]);
  });

  it('rejects a lying numberReturned', () => {
    for (const n of [-1, 2, 1_000_000, 0]) {
      const frame = encodeOpReply({ requestId: 1, responseTo: 2, documents: [{ a: 1 }] });
      frame.writeInt32LE(n, 32);
      assert.throws(() => decodeMessage(frame), MongoProtocolError, `numberReturned ${n}`);
    }
  });
});
