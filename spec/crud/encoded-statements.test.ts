import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calculateObjectSize, type Document, deserialize } from 'bson';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import { groupStatements, toStatements, writeBatchOperation } from '../../src/operations/bulk-write.js';
import { EncodedStatements } from '../../src/operations/encoded-statements.js';
import { decodeMessage, encodeOpMsg, OP_MSG } from '../../src/wire/index.js';
import { SERVER } from './fakes.js';

/** Splits concatenated BSON documents back into documents. */
function decodeAll(pieces: readonly Uint8Array[]): Document[] {
  const docs: Document[] = [];
  for (const p of pieces) {
    const view = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    for (let o = 0; o < view.length; o += view.readInt32LE(o))
      docs.push(deserialize(view.subarray(o, o + view.readInt32LE(o))));
  }
  return docs;
}

/** The bytes of [from, to), which must have been encoded. */
function bytesOf(encoded: EncodedStatements, from: number, to: number): Uint8Array[] {
  const pieces = encoded.bytes(from, to);
  assert.ok(pieces, 'encoded');
  return pieces;
}

describe('statements encoded once', () => {
  it('keeps every statement, in order, across slabs, with its BSON size', () => {
    const docs: Document[] = Array.from({ length: 6000 }, (_, i) => ({ _id: i, pad: 'x'.repeat(1000) }));
    // Larger than a slab (4 MiB): it gets a slab of its own, and the next statement follows it.
    docs.splice(3000, 0, { _id: 'big', pad: 'y'.repeat(5 * 1024 * 1024) });
    const encoded = new EncodedStatements(docs, undefined);
    assert.deepEqual(
      docs.map((_, i) => encoded.sizeOf(i)),
      docs.map((d) => calculateObjectSize(d)),
    );
    const pieces = bytesOf(encoded, 0, docs.length);
    assert.ok(pieces.length > 1, 'spans several slabs');
    assert.deepEqual(decodeAll(pieces), docs);
    assert.deepEqual(decodeAll(bytesOf(encoded, 2999, 3002)), docs.slice(2999, 3002));
  });

  it('encodes lazily: only up to the statement asked for, and releases the slabs of done batches', () => {
    let reads = 0;
    const docs: Document[] = Array.from({ length: 20_000 }, (_, i) => ({
      _id: i,
      get pad() {
        reads++;
        return 'x'.repeat(1000);
      },
    }));
    const encoded = new EncodedStatements(docs, undefined);
    encoded.sizeOf(99);
    assert.equal(reads, 100, 'nothing past statement 99 was encoded');
    // ~20 MB in 4 MiB slabs: once the first 15,000 statements are done, their slabs are released.
    encoded.sizeOf(19_999);
    encoded.releaseBefore(15_000);
    assert.equal(encoded.bytes(0, 10), undefined, 'released');
    assert.deepEqual(
      decodeAll(bytesOf(encoded, 15_000, 20_000)).map((d) => d._id),
      docs.slice(15_000).map((d) => d._id),
    );
  });

  it('a group of one statement (insertOne, a GridFS chunk) gets a slab of its exact size, not 4 MiB', () => {
    const chunk = { _id: 1, n: 0, data: Buffer.alloc(255 * 1024) };
    const pieces = bytesOf(new EncodedStatements([chunk], undefined), 0, 1);
    assert.equal(pieces.length, 1);
    assert.equal(pieces[0]?.buffer.byteLength, calculateObjectSize(chunk));
    assert.deepEqual(decodeAll(pieces)[0]?._id, 1);
  });

  it('applies the BSON options (ignoreUndefined)', () => {
    const encoded = new EncodedStatements([{ a: 1, b: undefined }], { ignoreUndefined: true });
    assert.deepEqual(decodeAll(bytesOf(encoded, 0, 1)), [{ a: 1 }]);
    assert.equal(encoded.sizeOf(0), calculateObjectSize({ a: 1 }));
  });

  it('throws bson’s own error for a statement it cannot encode', () => {
    const cyclic: Document = { a: 1 };
    cyclic.self = cyclic;
    assert.throws(() => new EncodedStatements([cyclic], undefined).sizeOf(0), /circular/i);
  });

  it('a batch sends the encoded bytes as they are, decoding to the same statements', () => {
    const models = Array.from({ length: 50 }, (_, i) => ({
      insertOne: { document: { _id: i, v: `v${i}` } },
    }));
    const [group] = groupStatements(toStatements(models), true);
    assert.ok(group?.encoded);
    const op = writeBatchOperation('db', 'c', group, 10, { ordered: true });
    const built = op.build(SERVER);
    const frame = encodeOpMsg({
      requestId: 1,
      command: { ...built.command, $db: 'db' },
      sequences: built.sequences,
    });
    const message = decodeMessage(frame);
    assert.equal(message.opCode, OP_MSG);
    if (message.opCode !== OP_MSG) return;
    assert.deepEqual(
      message.sequences[0]?.documents,
      models.slice(10).map((m) => m.insertOne.document),
    );
  });

  it('a statement larger than bson can encode still fails as too large for the server', () => {
    // Over bson's 17 MiB buffer: not encoded; its size (from calculateObjectSize) makes its batch
    // fail with the usual MongoInvalidArgumentError, before it is sent.
    const huge = { _id: 1, pad: 'z'.repeat(18 * 1024 * 1024) };
    const groups = groupStatements([{ type: 'insert', statement: huge }], true);
    const group = groups[0];
    assert.ok(group);
    assert.equal(group.encoded.sizeOf(0), calculateObjectSize(huge));
    assert.equal(group.encoded.bytes(0, 1), undefined);
    const op = writeBatchOperation('db', 'c', group, 0, { ordered: true });
    assert.throws(
      () => op.build(SERVER),
      (e: unknown) => e instanceof MongoInvalidArgumentError,
    );
  });
});
