import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Document, Long, serialize } from 'bson';
import {
  decodeBatch,
  layerBsonOptions,
  pickBsonOptions,
  readBsonOptions,
  writeBsonOptions,
} from '../../src/bson-options.js';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import { decodeDocument, parseCursorReply } from '../../src/operations/cursor-commands.js';
import { findOperation } from '../../src/operations/find.js';
import { SERVER } from './fakes.js';

describe('BSON options', () => {
  it('picks only the BSON options that are set, checks their kinds, layers the nearest level over', () => {
    assert.equal(pickBsonOptions({ limit: 1 }), undefined);
    assert.deepEqual(pickBsonOptions({ promoteLongs: false, limit: 1 }), { promoteLongs: false });
    assert.throws(() => pickBsonOptions({ raw: 'yes' }), MongoInvalidArgumentError);
    assert.throws(() => pickBsonOptions({ fieldsAsRaw: true }), MongoInvalidArgumentError);
    assert.deepEqual(layerBsonOptions({ promoteLongs: false, raw: true }, { raw: false }), {
      promoteLongs: false,
      raw: false,
    });
  });

  it('read and write options: undefined when nothing applies (the fast path); bigint wins over promoteLongs', () => {
    assert.equal(readBsonOptions({ ignoreUndefined: true }), undefined);
    assert.equal(writeBsonOptions({ promoteLongs: false }), undefined);
    assert.deepEqual(readBsonOptions({ promoteLongs: false, useBigInt64: true }), { useBigInt64: true });
    assert.deepEqual(readBsonOptions({ enableUtf8Validation: false }), { validation: { utf8: false } });
    assert.deepEqual(writeBsonOptions({ ignoreUndefined: false }), {
      ignoreUndefined: false,
      serializeFunctions: undefined,
    });
  });

  it('a find keeps its batch as bytes, decoded per document with the read options (lazily, as emitted)', () => {
    const raw = { fieldsAsRaw: { firstBatch: true, nextBatch: true } };
    assert.deepEqual(findOperation('db', 'c', {}, {}).build(SERVER).replyBson, raw);
    const op = findOperation<Document>('db', 'c', {}, { promoteLongs: false });
    assert.deepEqual(op.build(SERVER).replyBson, raw);
    const bytes = serialize({ n: Long.fromInt(7) });
    const reply = op.parse({ ok: 1, cursor: { id: 0, ns: 'db.c', firstBatch: [bytes] } }, SERVER);
    assert.deepEqual(reply.batch, []);
    assert.equal(reply.encoded?.docs[0], bytes, 'not decoded by the parse');
    assert.ok(decodeDocument<Document>(bytes, reply.encoded?.options).n instanceof Long);
    assert.equal(decodeDocument<Document>(bytes, undefined).n, 7);
    assert.equal(parseCursorReply<Document>({ cursor: { id: 0, firstBatch: [{ a: 1 }] } }).batch[0]?.a, 1);
    assert.equal(decodeBatch([bytes], { raw: true } as never)[0], bytes, 'raw hands the bytes over');
  });
});
