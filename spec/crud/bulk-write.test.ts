import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document } from 'bson';
import { lastValueFrom } from 'rxjs';
import {
  MongoBulkWriteError,
  MongoInvalidArgumentError,
  MongoNetworkTimeoutError,
  MongoServerError,
} from '../../src/errors.js';
import { batchLength, groupStatements, toStatements } from '../../src/operations/bulk-write.js';
import { bulkWrite, insertMany } from '../../src/operations/bulk-write-run.js';
import type { BuiltCommand } from '../../src/operations/operation.js';
import { fakeExecute, SERVER } from './fakes.js';

const docsOf = (b: BuiltCommand): readonly Document[] => b.sequences?.[0].documents ?? [];
const ok = (b: BuiltCommand): Document => ({ ok: 1, n: docsOf(b).length });

describe('bulk write planning', () => {
  const models = [
    { insertOne: { document: { _id: 1 } } },
    { updateOne: { filter: { _id: 1 }, update: { $set: { a: 1 } } } },
    { insertOne: { document: { _id: 2 } } },
    { deleteMany: { filter: {} } },
    { replaceOne: { filter: { _id: 2 }, replacement: { b: 1 }, upsert: true } },
  ];

  it('ordered keeps runs of one type in model order', () => {
    const groups = groupStatements(toStatements(models), true);
    assert.deepEqual(
      groups.map((g) => [g.type, g.indexes]),
      [
        ['insert', [0]],
        ['update', [1]],
        ['insert', [2]],
        ['delete', [3]],
        ['update', [4]],
      ],
    );
  });

  it('unordered groups by type and remembers each model index', () => {
    const groups = groupStatements(toStatements(models), false);
    assert.deepEqual(
      groups.map((g) => [g.type, g.indexes]),
      [
        ['insert', [0, 2]],
        ['update', [1, 4]],
        ['delete', [3]],
      ],
    );
  });

  it('validates every model', () => {
    assert.throws(() => toStatements([]), MongoInvalidArgumentError);
    assert.throws(
      () => toStatements([{ updateOne: { filter: {}, update: { a: 1 } } }]),
      MongoInvalidArgumentError,
    );
    assert.throws(() => toStatements([{ replaceOne: { filter: {}, replacement: { $set: {} } } }]), /atomic/);
    assert.throws(() => toStatements([{ insertOne: { document: 3 } }]), MongoInvalidArgumentError);
    assert.throws(() => toStatements([{ upsertOne: {} }]), /unknown/);
    assert.throws(
      () => toStatements([{ insertOne: { document: {} }, deleteOne: { filter: {} } }]),
      /one key/,
    );
  });

  it('splits by maxWriteBatchSize and by maxMessageSizeBytes', () => {
    const [group] = groupStatements(
      toStatements(
        Array.from({ length: 10 }, (_, i) => ({ insertOne: { document: { _id: i, s: 'x'.repeat(100) } } })),
      ),
      true,
    );
    assert.equal(batchLength(group, 0, { ...SERVER, maxWriteBatchSize: 4 }, 50), 4);
    assert.equal(batchLength(group, 8, { ...SERVER, maxWriteBatchSize: 4 }, 50), 2);
    const size = group.encoded.sizeOf(0);
    // 2048 bytes of overhead are reserved for the header and the fields execute adds.
    assert.equal(batchLength(group, 0, { ...SERVER, maxMessageSizeBytes: 2048 + 50 + 3 * size }, 50), 3);
    // A statement larger than the budget still goes alone (its size was checked against maxBsonObjectSize).
    assert.equal(batchLength(group, 0, { ...SERVER, maxMessageSizeBytes: 10 }, 50), 1);
  });
});

describe('bulkWrite execution', () => {
  it('sends each batch and sums the results', async () => {
    const { execute, sent } = fakeExecute((b) => {
      if (b.command.update) return { ok: 1, n: 2, nModified: 1, upserted: [{ index: 1, _id: 'u' }] };
      if (b.command.delete) return { ok: 1, n: 4 };
      return ok(b);
    });
    const result = await lastValueFrom(
      bulkWrite(execute, 'db', 'c', [
        { insertOne: { document: { _id: 'a' } } },
        { updateOne: { filter: { x: 1 }, update: { $set: { y: 1 } } } },
        { updateOne: { filter: { x: 2 }, update: { $set: { y: 1 } }, upsert: true } },
        { deleteMany: { filter: {} } },
      ]),
    );
    assert.deepEqual(
      sent.map((b) => Object.keys(b.command)[0]),
      ['insert', 'update', 'delete'],
    );
    assert.deepEqual(
      { ...result },
      {
        acknowledged: true,
        insertedCount: 1,
        matchedCount: 1,
        modifiedCount: 1,
        deletedCount: 4,
        upsertedCount: 1,
        insertedIds: { 0: 'a' },
        upsertedIds: { 2: 'u' },
      },
    );
  });

  it('splits insertMany into batches by maxWriteBatchSize', async () => {
    const { execute, sent } = fakeExecute(ok, { ...SERVER, maxWriteBatchSize: 3 });
    const docs = Array.from({ length: 7 }, (_, i) => ({ _id: i }));
    const result = await lastValueFrom(insertMany(execute, 'db', 'c', docs));
    assert.deepEqual(
      sent.map((b) => docsOf(b).map((d) => d._id)),
      [[0, 1, 2], [3, 4, 5], [6]],
    );
    assert.equal(result.insertedCount, 7);
    assert.deepEqual(Object.keys(result.insertedIds).map(Number), [0, 1, 2, 3, 4, 5, 6]);
  });

  it('ordered stops at the first write error and reports its original index', async () => {
    const { execute, sent } = fakeExecute(
      (b, i) =>
        i === 1 ? { ok: 1, n: 1, writeErrors: [{ index: 1, code: 11000, errmsg: 'dup key' }] } : ok(b),
      { ...SERVER, maxWriteBatchSize: 2 },
    );
    const docs = Array.from({ length: 6 }, (_, i) => ({ _id: i }));
    const error = await lastValueFrom(insertMany(execute, 'db', 'c', docs)).catch((e: unknown) => e);
    assert.ok(error instanceof MongoBulkWriteError);
    assert.equal(sent.length, 2);
    assert.equal(error.code, 11000);
    assert.deepEqual(
      error.writeErrors.map((w) => [w.index, w.code]),
      [[3, 11000]],
    );
    assert.equal(error.result.insertedCount, 3);
    assert.deepEqual(Object.keys(error.result.insertedIds).map(Number), [0, 1, 2]);
  });

  it('a network error keeps its class and carries what was written before it; a server error is wrapped', async () => {
    const docs = Array.from({ length: 6 }, (_, i) => ({ _id: i }));
    const failing = (error: Error) =>
      fakeExecute(
        (b, i) => {
          if (i === 1) throw error;
          return ok(b);
        },
        { ...SERVER, maxWriteBatchSize: 2 },
      ).execute;
    const timeout = new MongoNetworkTimeoutError('timed out');
    const e1 = await lastValueFrom(insertMany(failing(timeout), 'db', 'c', docs)).catch((e: unknown) => e);
    assert.equal(e1, timeout, 'the same MongoNetworkTimeoutError reaches the subscriber');
    assert.equal(timeout.partialResult?.insertedCount, 2);
    assert.deepEqual(Object.keys(timeout.partialResult?.insertedIds ?? {}).map(Number), [0, 1]);
    const server = new MongoServerError({ ok: 0, code: 91, errmsg: 'shutting down' });
    const e2 = await lastValueFrom(insertMany(failing(server), 'db', 'c', docs)).catch((e: unknown) => e);
    assert.ok(e2 instanceof MongoBulkWriteError);
    assert.equal(e2.code, 91);
    assert.equal(e2.cause, server);
    assert.equal(e2.result.insertedCount, 2);
  });

  it('unordered continues after errors and maps every error to its model index', async () => {
    const { execute, sent } = fakeExecute((b) => {
      if (b.command.insert) return { ok: 1, n: 1, writeErrors: [{ index: 1, code: 11000, errmsg: 'dup' }] };
      return { ok: 1, n: 0, writeErrors: [{ index: 0, code: 2, errmsg: 'bad' }] };
    });
    const error = await lastValueFrom(
      bulkWrite(
        execute,
        'db',
        'c',
        [
          { insertOne: { document: { _id: 1 } } },
          { deleteOne: { filter: { $bad: 1 } } },
          { insertOne: { document: { _id: 1 } } },
        ],
        { ordered: false },
      ),
    ).catch((e: unknown) => e);
    assert.ok(error instanceof MongoBulkWriteError);
    assert.equal(sent.length, 2);
    assert.equal(sent[0].command.ordered, false);
    assert.deepEqual(
      error.writeErrors.map((w) => [w.index, w.code]),
      [
        [2, 11000],
        [1, 2],
      ],
    );
    assert.deepEqual(error.result.insertedIds, { 0: 1 });
  });

  it('write concern errors do not stop an ordered write but are reported', async () => {
    const { execute, sent } = fakeExecute(
      (b, i) =>
        i === 0
          ? { ...ok(b), writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' } }
          : ok(b),
      { ...SERVER, maxWriteBatchSize: 1 },
    );
    const error = await lastValueFrom(insertMany(execute, 'db', 'c', [{ _id: 1 }, { _id: 2 }])).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof MongoBulkWriteError);
    assert.equal(sent.length, 2);
    assert.equal(error.writeErrors.length, 0);
    assert.equal(error.writeConcernError?.code, 64);
    assert.equal(error.code, 64);
    assert.equal(error.result.insertedCount, 2);
  });

  it('w:0 sends every batch with moreToCome and reports unacknowledged', async () => {
    const { execute, sent } = fakeExecute(() => ({ ok: 1 }), { ...SERVER, maxWriteBatchSize: 1 });
    const result = await lastValueFrom(
      insertMany(execute, 'db', 'c', [{ _id: 1 }, { _id: 2 }], { writeConcern: { w: 0 } }),
    );
    assert.deepEqual(
      sent.map((b) => b.moreToCome),
      [true, true],
    );
    assert.deepEqual(result, { acknowledged: false, insertedCount: 0, insertedIds: { 0: 1, 1: 2 } });
  });

  it('is cold and validates on subscribe: nothing is sent for bad input', async () => {
    const { execute, sent } = fakeExecute(ok);
    const empty = bulkWrite(execute, 'db', 'c', []);
    assert.equal(sent.length, 0);
    await assert.rejects(lastValueFrom(empty), MongoInvalidArgumentError);
    await assert.rejects(lastValueFrom(insertMany(execute, 'db', 'c', [])), MongoInvalidArgumentError);
    const big = { _id: 1, s: 'x'.repeat(5000) };
    const { execute: small, sent: smallSent } = fakeExecute(ok, { ...SERVER, maxBsonObjectSize: 4096 });
    await assert.rejects(lastValueFrom(insertMany(small, 'db', 'c', [{ _id: 0 }, big])), /maxBsonObjectSize/);
    assert.equal(smallSent.length, 0);
    assert.equal(sent.length, 0);
  });
});
