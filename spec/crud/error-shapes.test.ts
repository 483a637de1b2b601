// Error shapes as the official driver's: MongoError.code, reply fields on MongoServerError,
// MongoBulkWriteError's counts, WriteError and BulkWriteResult classes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import {
  BulkWriteResult,
  MongoBulkWriteError,
  MongoError,
  MongoInvalidArgumentError,
  MongoServerError,
  WriteError,
} from '../../src/errors.js';
import { bulkWrite } from '../../src/operations/bulk-write-run.js';
import { fakeExecute } from './fakes.js';

describe('error shapes', () => {
  it('MongoError has code (undefined for driver errors); server errors copy the reply fields', () => {
    assert.equal(new MongoInvalidArgumentError('x').code, undefined);
    const e = new MongoServerError({
      ok: 0,
      code: 11000,
      codeName: 'DuplicateKey',
      errmsg: 'E11000 dup',
      keyPattern: { a: 1 },
      keyValue: { a: 2 },
      errorLabels: ['L'],
    });
    assert.ok(e instanceof MongoError);
    assert.equal((e as MongoError).code, 11000);
    assert.equal(e.codeName, 'DuplicateKey');
    assert.deepEqual(e.keyPattern, { a: 1 });
    assert.deepEqual(e.keyValue, { a: 2 });
    assert.equal(e.ok, 0);
    assert.equal(e.message, 'E11000 dup');
    assert.ok(e.hasErrorLabel('L'));
    assert.ok(e.errorLabels instanceof Set, 'errorLabels is not overwritten by the reply array');
  });

  it('reply fields named like inherited members (constructor, toString, hasErrorLabel) are not copied', () => {
    const e = new MongoServerError({
      ok: 0,
      errmsg: 'x',
      constructor: null,
      toString: 1,
      hasErrorLabel: 'no',
      keyValue: { a: 1 },
    });
    assert.equal(e.name, 'MongoServerError');
    assert.equal(String(e), 'MongoServerError: x');
    assert.equal(e.hasErrorLabel('L'), false);
    assert.deepEqual(e.keyValue, { a: 1 });
    assert.equal(e.errorResponse.toString, 1, 'the whole reply is still there');
  });

  it('MongoBulkWriteError carries counts, ids, WriteError instances and a BulkWriteResult', async () => {
    const { execute } = fakeExecute((b) => {
      if (b.command.insert) return { ok: 1, n: 1, writeErrors: [{ index: 1, code: 11000, errmsg: 'dup' }] };
      if (b.command.update) return { ok: 1, n: 2, nModified: 1, upserted: [{ index: 1, _id: 'u' }] };
      return { ok: 1, n: 3 };
    });
    const error = await lastValueFrom(
      bulkWrite(
        execute,
        'db',
        'c',
        [
          { insertOne: { document: { _id: 1 } } },
          { insertOne: { document: { _id: 1 } } },
          { updateOne: { filter: {}, update: { $set: { a: 1 } } } },
          { updateOne: { filter: { x: 1 }, update: { $set: { a: 1 } }, upsert: true } },
          { deleteMany: { filter: {} } },
        ],
        { ordered: false },
      ),
    ).catch((e: unknown) => e);
    assert.ok(error instanceof MongoBulkWriteError);
    assert.equal(error.code, 11000);
    assert.equal(error.insertedCount, 1);
    assert.equal(error.matchedCount, 1);
    assert.equal(error.modifiedCount, 1);
    assert.equal(error.deletedCount, 3);
    assert.equal(error.upsertedCount, 1);
    assert.deepEqual(error.insertedIds, { 0: 1 });
    assert.deepEqual(error.upsertedIds, { 3: 'u' });
    const [w] = error.writeErrors;
    assert.ok(w instanceof WriteError);
    assert.equal(w.index, 1);
    assert.equal(w.code, 11000);
    assert.equal(w.errmsg, 'dup');
    assert.equal(w.errInfo, undefined);
    assert.deepEqual(w.getOperation(), { _id: 1 });
    assert.match(String(w), /^WriteError\(\{"code":11000,"index":1/);
    const result = error.result;
    assert.ok(result instanceof BulkWriteResult);
    assert.equal(result.ok, 0);
    assert.equal(result.isOk(), false);
    assert.equal(result.hasWriteErrors(), true);
    assert.equal(result.getWriteErrorCount(), 1);
    assert.equal(result.getWriteErrorAt(0), w);
    assert.deepEqual(result.getUpsertedIdAt(0), { index: 3, _id: 'u' });
    assert.equal(result.getWriteConcernError(), undefined);
  });

  it('a successful bulk write emits a BulkWriteResult whose own fields are the spec result', async () => {
    const { execute } = fakeExecute(() => ({ ok: 1, n: 1 }));
    const result = await lastValueFrom(
      bulkWrite(execute, 'db', 'c', [{ insertOne: { document: { _id: 7 } } }]),
    );
    assert.ok(result instanceof BulkWriteResult);
    assert.equal(result.isOk(), true);
    assert.deepEqual(Object.keys(result).sort(), [
      'acknowledged',
      'deletedCount',
      'insertedCount',
      'insertedIds',
      'matchedCount',
      'modifiedCount',
      'upsertedCount',
      'upsertedIds',
    ]);
  });
});
