import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectId } from 'bson';
import { MongoInvalidArgumentError, MongoServerError, MongoWriteConcernError } from '../../src/errors.js';
import { deleteOperation } from '../../src/operations/delete.js';
import { insertOneOperation } from '../../src/operations/insert.js';
import { replaceOneOperation, updateOperation } from '../../src/operations/update.js';
import { SERVER } from './fakes.js';

describe('insertOne', () => {
  it('sends the document in a documents sequence with a generated _id first', () => {
    const op = insertOneOperation('db', 'c', { a: 1 });
    const built = op.build(SERVER);
    assert.deepEqual(built.command, { insert: 'c', ordered: true });
    const doc = built.sequences?.[0].documents[0];
    assert.equal(built.sequences?.[0].identifier, 'documents');
    assert.ok(doc?._id instanceof ObjectId);
    assert.deepEqual(Object.keys(doc ?? {}), ['_id', 'a']);
    assert.deepEqual(op.parse({ ok: 1, n: 1 }, SERVER), { acknowledged: true, insertedId: doc?._id });
    assert.equal(op.retryable, 'write');
  });

  it('keeps a given _id and sends writeConcern, comment, bypassDocumentValidation', () => {
    const op = insertOneOperation(
      'db',
      'c',
      { _id: 7 },
      {
        writeConcern: { w: 'majority', wtimeoutMS: 100 },
        comment: 'hi',
        bypassDocumentValidation: true,
      },
    );
    const built = op.build(SERVER);
    assert.deepEqual(built.command, {
      insert: 'c',
      ordered: true,
      writeConcern: { w: 'majority', wtimeout: 100 },
      comment: 'hi',
      bypassDocumentValidation: true,
    });
    assert.deepEqual(built.sequences?.[0].documents, [{ _id: 7 }]);
  });

  it('w:0 is sent with moreToCome and reported unacknowledged, without a session', () => {
    const op = insertOneOperation('db', 'c', { _id: 1 }, { writeConcern: { w: 0 } });
    assert.equal(op.build(SERVER).moreToCome, true);
    assert.equal(op.sessionSupport, false);
    assert.deepEqual(op.parse({ ok: 1 }, SERVER), { acknowledged: false, insertedId: 1 });
  });

  it('rejects non-documents, invalid write concerns and oversized documents', () => {
    assert.throws(() => insertOneOperation('db', 'c', [1]), MongoInvalidArgumentError);
    assert.throws(() => insertOneOperation('db', 'c', null), MongoInvalidArgumentError);
    assert.throws(
      () => insertOneOperation('db', 'c', {}, { writeConcern: { w: -1 } }),
      MongoInvalidArgumentError,
    );
    const op = insertOneOperation('db', 'c', { s: 'x'.repeat(2000) });
    assert.throws(() => op.build({ ...SERVER, maxBsonObjectSize: 1000 }), /maxBsonObjectSize/);
  });

  it('turns write errors and write concern errors into typed errors', () => {
    const op = insertOneOperation('db', 'c', { _id: 1 });
    assert.throws(
      () => op.parse({ ok: 1, n: 0, writeErrors: [{ index: 0, code: 11000, errmsg: 'dup' }] }, SERVER),
      (e: unknown) => e instanceof MongoServerError && e.code === 11000,
    );
    assert.throws(
      () => op.parse({ ok: 1, n: 1, writeConcernError: { code: 64, errmsg: 'wtimeout' } }, SERVER),
      MongoWriteConcernError,
    );
  });
});

describe('updateOne / updateMany / replaceOne', () => {
  it('builds update statements with options', () => {
    const op = updateOperation(
      'db',
      'c',
      { a: 1 },
      { $set: { b: 2 } },
      { upsert: true, arrayFilters: [{ 'x.y': 1 }], collation: { locale: 'fr' }, hint: 'a_1', let: { v: 1 } },
      false,
    );
    const built = op.build(SERVER);
    assert.deepEqual(built.command, { update: 'c', ordered: true, let: { v: 1 } });
    assert.deepEqual(built.sequences?.[0], {
      identifier: 'updates',
      documents: [
        {
          q: { a: 1 },
          u: { $set: { b: 2 } },
          upsert: true,
          arrayFilters: [{ 'x.y': 1 }],
          collation: { locale: 'fr' },
          hint: 'a_1',
        },
      ],
    });
  });

  it('updateMany sets multi and is not retryable; updateOne sort becomes 1/-1', () => {
    const many = updateOperation('db', 'c', {}, { $inc: { n: 1 } }, {}, true);
    assert.equal(many.build(SERVER).sequences?.[0].documents[0].multi, true);
    assert.equal(many.retryable, false);
    const one = updateOperation('db', 'c', {}, { $inc: { n: 1 } }, { sort: { a: 'desc' } }, false);
    assert.deepEqual(one.build(SERVER).sequences?.[0].documents[0].sort, { a: -1 });
    assert.throws(() => updateOperation('db', 'c', {}, { $inc: { n: 1 } }, { sort: { a: 1 } }, true));
  });

  it('accepts an update pipeline', () => {
    const op = updateOperation('db', 'c', {}, [{ $set: { a: 1 } }], {}, false);
    assert.deepEqual(op.build(SERVER).sequences?.[0].documents[0].u, [{ $set: { a: 1 } }]);
  });

  it('requires operators in updates and forbids them in replacements', () => {
    assert.throws(() => updateOperation('db', 'c', {}, { a: 1 }, {}, false), MongoInvalidArgumentError);
    assert.throws(() => updateOperation('db', 'c', {}, {}, {}, true), MongoInvalidArgumentError);
    assert.throws(
      () => replaceOneOperation('db', 'c', {}, { $set: { a: 1 } }, {}),
      MongoInvalidArgumentError,
    );
    assert.throws(() => replaceOneOperation('db', 'c', 'x', { a: 1 }, {}), MongoInvalidArgumentError);
  });

  it('parses n / nModified / upserted into an UpdateResult', () => {
    const op = updateOperation('db', 'c', {}, { $set: { a: 1 } }, { upsert: true }, false);
    assert.deepEqual(op.parse({ ok: 1, n: 1, nModified: 0, upserted: [{ index: 0, _id: 5 }] }, SERVER), {
      acknowledged: true,
      matchedCount: 0,
      modifiedCount: 0,
      upsertedCount: 1,
      upsertedId: 5,
    });
    assert.deepEqual(op.parse({ ok: 1, n: 3, nModified: 2 }, SERVER), {
      acknowledged: true,
      matchedCount: 3,
      modifiedCount: 2,
      upsertedCount: 0,
      upsertedId: null,
    });
  });

  it('refuses hint on an unacknowledged update to a pre-4.2 server', () => {
    const op = updateOperation(
      'db',
      'c',
      {},
      { $set: { a: 1 } },
      { hint: 'a_1', writeConcern: { w: 0 } },
      false,
    );
    assert.throws(() => op.build({ ...SERVER, maxWireVersion: 7 }), MongoInvalidArgumentError);
    assert.equal(op.build(SERVER).moreToCome, true);
  });
});

describe('deleteOne / deleteMany', () => {
  it('builds delete statements with limit 1 or 0', () => {
    const one = deleteOperation(
      'db',
      'c',
      { a: 1 },
      { collation: { locale: 'en' }, hint: { a: 1 }, comment: 'c' },
      false,
    );
    const built = one.build(SERVER);
    assert.deepEqual(built.command, { delete: 'c', ordered: true, comment: 'c' });
    assert.deepEqual(built.sequences?.[0], {
      identifier: 'deletes',
      documents: [{ q: { a: 1 }, limit: 1, collation: { locale: 'en' }, hint: { a: 1 } }],
    });
    assert.deepEqual(one.parse({ ok: 1, n: 1 }, SERVER), { acknowledged: true, deletedCount: 1 });
    const many = deleteOperation('db', 'c', {}, {}, true);
    assert.equal(many.build(SERVER).sequences?.[0].documents[0].limit, 0);
    assert.equal(many.retryable, false);
  });

  it('refuses hint on an unacknowledged delete to a pre-4.4 server', () => {
    const op = deleteOperation('db', 'c', {}, { hint: 'a_1', writeConcern: { w: 0 } }, false);
    assert.throws(() => op.build({ ...SERVER, maxWireVersion: 8 }), MongoInvalidArgumentError);
    assert.doesNotThrow(() => op.build({ ...SERVER, maxWireVersion: 9 }));
  });
});
