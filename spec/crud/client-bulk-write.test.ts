// MongoClient.bulkWrite's pure parts: model validation, the batcher (bulk-write.md "Command
// Batching"), the reply parser and the result builder. The commands on the wire: client-bulk-write.mock.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calculateObjectSize, type Document, Long, ObjectId } from 'bson';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import {
  bulkWriteCommand,
  clientBulkWriteOperation,
  MESSAGE_OVERHEAD_BYTES,
  opSizes,
  parseBulkWriteReply,
  planBatch,
} from '../../src/operations/client-bulk-write-batch.js';
import { toClientOps } from '../../src/operations/client-bulk-write-models.js';
import { ClientBulkWriteError, ClientResultBuilder } from '../../src/operations/client-bulk-write-results.js';
import { clientBulkWriteFields } from '../../src/operations/client-bulk-write-run.js';
import { SERVER } from './fakes.js';

const NS = 'db.coll';

describe('client bulk write models', () => {
  it('builds ops entries in both model shapes, options sent only when given', () => {
    const ops = toClientOps([
      { name: 'insertOne', namespace: NS, document: { _id: 1 } },
      { updateOne: { namespace: NS, filter: { a: 1 }, update: { $set: { b: 1 } }, upsert: true } },
      { name: 'updateMany', namespace: 'other.c', filter: {}, update: [{ $set: { c: 1 } }] },
      { replaceOne: { namespace: NS, filter: { _id: 1 }, replacement: { x: 1 }, sort: { a: -1 } } },
      { name: 'deleteOne', namespace: NS, filter: { _id: 2 }, collation: { locale: 'simple' } },
      { deleteMany: { namespace: NS, filter: {}, hint: 'a_1' } },
    ]);
    assert.deepEqual(
      ops.map((o) => [o.kind, o.namespace, o.multi]),
      [
        ['insert', NS, false],
        ['update', NS, false],
        ['update', 'other.c', true],
        ['update', NS, false],
        ['delete', NS, false],
        ['delete', NS, true],
      ],
    );
    assert.deepEqual(ops[1].body, {
      filter: { a: 1 },
      updateMods: { $set: { b: 1 } },
      multi: false,
      upsert: true,
    });
    assert.deepEqual(ops[3].body, {
      filter: { _id: 1 },
      updateMods: { x: 1 },
      multi: false,
      sort: { a: -1 },
    });
    assert.deepEqual(ops[4].body, { filter: { _id: 2 }, multi: false, collation: { locale: 'simple' } });
    assert.deepEqual(ops[5].body, { filter: {}, multi: true, hint: 'a_1' });
  });

  it('gives inserts an _id first, and remembers it', () => {
    const [op] = toClientOps([{ name: 'insertOne', namespace: NS, document: { a: 1 } }]);
    assert.ok(op.insertedId instanceof ObjectId);
    assert.deepEqual(Object.keys(op.body.document), ['_id', 'a']);
    const [kept] = toClientOps([{ name: 'insertOne', namespace: NS, document: { a: 1 } }], {
      forceServerObjectId: true,
    });
    assert.equal(kept.insertedId, undefined);
  });

  for (const [what, models] of [
    ['an empty list', []],
    ['not a list', { name: 'insertOne' }],
    ['an unknown model', [{ name: 'findOne', namespace: NS, filter: {} }]],
    ['no namespace', [{ name: 'insertOne', document: {} }]],
    ['a namespace without a collection', [{ name: 'insertOne', namespace: 'db', document: {} }]],
    ['an update without operators', [{ name: 'updateOne', namespace: NS, filter: {}, update: { a: 1 } }]],
    ['an empty update', [{ name: 'updateMany', namespace: NS, filter: {}, update: {} }]],
    [
      'a replacement with operators',
      [{ name: 'replaceOne', namespace: NS, filter: {}, replacement: { $set: {} } }],
    ],
    [
      'updateMany with sort',
      [{ name: 'updateMany', namespace: NS, filter: {}, update: { $set: {} }, sort: { a: 1 } }],
    ],
    ['a delete without filter', [{ name: 'deleteOne', namespace: NS }]],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(() => toClientOps(models), MongoInvalidArgumentError);
    });
  }

  it('w:0 needs ordered: false and no verbose results (bulk-write.md)', () => {
    assert.throws(
      () => clientBulkWriteFields({ writeConcern: { w: 0 } }),
      /Cannot request unacknowledged write concern and ordered writes/,
    );
    assert.throws(
      () => clientBulkWriteFields({ writeConcern: { w: 0 }, ordered: false, verboseResults: true }),
      /Cannot request unacknowledged write concern and verbose results/,
    );
    assert.equal(clientBulkWriteFields({ writeConcern: { w: 0 }, ordered: false }).ordered, false);
  });

  it('the command: errorsOnly is !verboseResults, ordered always sent, options only when given', () => {
    assert.deepEqual(bulkWriteCommand(clientBulkWriteFields({})), {
      bulkWrite: 1,
      errorsOnly: true,
      ordered: true,
    });
    assert.deepEqual(
      bulkWriteCommand(
        clientBulkWriteFields({
          verboseResults: true,
          ordered: false,
          bypassDocumentValidation: false,
          comment: 'c',
          let: { v: 1 },
          writeConcern: { w: 'majority' },
        }),
      ),
      {
        bulkWrite: 1,
        errorsOnly: false,
        ordered: false,
        bypassDocumentValidation: false,
        comment: 'c',
        let: { v: 1 },
        writeConcern: { w: 'majority' },
      },
    );
  });
});

const inserts = (n: number, namespace = (_i: number) => NS, pad = 0) =>
  toClientOps(
    Array.from({ length: n }, (_, i) => ({
      name: 'insertOne' as const,
      namespace: namespace(i),
      document: { _id: i, s: 'x'.repeat(pad) },
    })),
  );

describe('client bulk write batching', () => {
  it('splits at maxWriteBatchSize', () => {
    const ops = inserts(7);
    const sizes = opSizes(ops);
    const limits = { maxMessageSizeBytes: 48_000_000, maxWriteBatchSize: 3 };
    const batches = [0, 3, 6].map((start) => planBatch(ops, sizes, start, limits, 50));
    assert.deepEqual(
      batches.map((b) => [b.start, b.count]),
      [
        [0, 3],
        [3, 3],
        [6, 1],
      ],
    );
    assert.deepEqual(batches[1].ops[0], { insert: 0, document: { _id: 3, s: '' } });
  });

  it('keeps command, ops and nsInfo within maxMessageSizeBytes - 1000', () => {
    const ops = inserts(10, () => NS, 1000);
    const sizes = opSizes(ops);
    const nsBytes = calculateObjectSize({ ns: NS });
    const commandBytes = 60;
    // Room for exactly 3 ops and the one namespace.
    const maxMessageSizeBytes = MESSAGE_OVERHEAD_BYTES + commandBytes + nsBytes + 3 * sizes[0];
    const limits = { maxMessageSizeBytes, maxWriteBatchSize: 100_000 };
    assert.equal(planBatch(ops, sizes, 0, limits, commandBytes).count, 3);
    assert.equal(
      planBatch(ops, sizes, 0, { ...limits, maxMessageSizeBytes: maxMessageSizeBytes - 1 }, commandBytes)
        .count,
      2,
    );
  });

  it('lists each namespace once, only those of the batch, and counts a new one against the size', () => {
    const spaces = ['a.x', 'b.y', 'a.x', 'c.z'];
    const ops = inserts(4, (i) => spaces[i]);
    const sizes = opSizes(ops);
    const all = planBatch(ops, sizes, 0, SERVER, 50);
    assert.deepEqual(all.nsInfo, [{ ns: 'a.x' }, { ns: 'b.y' }, { ns: 'c.z' }]);
    assert.deepEqual(
      all.ops.map((o) => o.insert),
      [0, 1, 0, 2],
    );
    const late = planBatch(ops, sizes, 2, SERVER, 50);
    assert.deepEqual(late.nsInfo, [{ ns: 'a.x' }, { ns: 'c.z' }]);
    // prose test "batch splits when the addition of a new namespace exceeds the maximum message size"
    const tight = {
      maxWriteBatchSize: 100,
      maxMessageSizeBytes:
        MESSAGE_OVERHEAD_BYTES + 50 + sizes[0] * 3 + calculateObjectSize({ ns: 'a.x' }) * 2 + 1,
    };
    assert.equal(planBatch(ops, sizes, 0, tight, 50).count, 3);
  });

  it('errors when not one op fits (bulk-write.md)', () => {
    const ops = inserts(1, () => NS, 2000);
    assert.throws(
      () => planBatch(ops, opSizes(ops), 0, { maxMessageSizeBytes: 2500, maxWriteBatchSize: 10 }, 50),
      MongoInvalidArgumentError,
    );
  });

  it('a batch is retryable without multi-writes; the one sent never outgrows the one decided on', () => {
    const ops = toClientOps([
      { name: 'insertOne', namespace: NS, document: { _id: 1 } },
      { name: 'insertOne', namespace: NS, document: { _id: 2 } },
      { name: 'deleteMany', namespace: NS, filter: {} },
    ]);
    const sizes = opSizes(ops);
    const fields = clientBulkWriteFields({});
    const small = { maxMessageSizeBytes: 48_000_000, maxWriteBatchSize: 2 };
    const single = clientBulkWriteOperation(ops, sizes, 0, fields, small);
    assert.equal(single.retryable, 'write');
    assert.equal(single.build({ ...SERVER, maxWriteBatchSize: 100 }).sequences?.[0].documents.length, 2);
    const multi = clientBulkWriteOperation(ops, sizes, 0, fields, SERVER);
    assert.equal(multi.retryable, false);
    const built = multi.build(SERVER);
    assert.equal(built.command.bulkWrite, 1);
    assert.equal(multi.dbName, 'admin');
    assert.deepEqual(
      built.sequences?.map((s) => [s.identifier, s.documents.length]),
      [
        ['ops', 3],
        ['nsInfo', 1],
      ],
    );
    // planned once: a retry on another server sends the same ops
    assert.equal(multi.build({ ...SERVER, maxWriteBatchSize: 1 }).sequences?.[0].documents.length, 3);
  });

  it('w:0 batches go out with moreToCome and no session', () => {
    const ops = inserts(2);
    const op = clientBulkWriteOperation(
      ops,
      opSizes(ops),
      0,
      clientBulkWriteFields({ writeConcern: { w: 0 }, ordered: false }),
      SERVER,
    );
    assert.equal(op.build(SERVER).moreToCome, true);
    assert.equal(op.sessionSupport, false);
    assert.deepEqual(op.parse({ ok: 1 }, SERVER).nInserted, 0);
  });
});

const reply = (cursor: Document[], extra: Document = {}, id = 0): Document => ({
  ok: 1,
  cursor: { id: Long.fromNumber(id), ns: 'admin.$cmd.bulkWrite', firstBatch: cursor },
  nErrors: 0,
  nInserted: 0,
  nUpserted: 0,
  nMatched: 0,
  nModified: 0,
  nDeleted: 0,
  ...extra,
});

describe('client bulk write results', () => {
  const ops = toClientOps([
    { name: 'insertOne', namespace: NS, document: { _id: 'a' } },
    { name: 'updateOne', namespace: NS, filter: {}, update: { $set: { x: 1 } }, upsert: true },
    { name: 'updateOne', namespace: NS, filter: {}, update: { $set: { x: 1 } } },
    { name: 'deleteMany', namespace: NS, filter: {} },
  ]);
  const batch = planBatch(ops, opSizes(ops), 0, SERVER, 50);

  it('verbose: results by model index, typed by the model; an upserted null _id is told apart', () => {
    const results = new ClientResultBuilder(ops, true, true, true);
    const parsed = parseBulkWriteReply(
      reply([], { nInserted: 1, nUpserted: 1, nMatched: 1, nModified: 1, nDeleted: 3 }),
      batch,
      true,
    );
    results.addReply(parsed);
    for (const doc of [
      { ok: 1, idx: 0, n: 1 },
      { ok: 1, idx: 1, n: 0, nModified: 0, upserted: { _id: null } },
      { ok: 1, idx: 2, n: 1, nModified: 1 },
      { ok: 1, idx: 3, n: 3 },
    ])
      results.addResult(doc, 0);
    const r = results.finish();
    assert.deepEqual(
      [r.insertedCount, r.upsertedCount, r.matchedCount, r.modifiedCount, r.deletedCount],
      [1, 1, 1, 1, 3],
    );
    assert.deepEqual(r.insertResults?.get(0), { insertedId: 'a' });
    assert.deepEqual(r.updateResults?.get(1), {
      matchedCount: 0,
      modifiedCount: 0,
      upsertedId: null,
    });
    assert.deepEqual(r.updateResults?.get(2), { matchedCount: 1, modifiedCount: 1 });
    assert.deepEqual(r.deleteResults?.get(3), { deletedCount: 3 });
  });

  it('summary: no verbose maps at all', () => {
    const results = new ClientResultBuilder(ops, true, true, false);
    results.addReply(parseBulkWriteReply(reply([], { nInserted: 1 }), batch, true));
    const r = results.finish();
    assert.equal(r.insertResults, undefined);
    assert.equal(r.insertedCount, 1);
  });

  it('write errors by index with a partial result when a write succeeded (unordered)', () => {
    const results = new ClientResultBuilder(ops, true, false, false);
    results.addReply(parseBulkWriteReply(reply([], { nErrors: 1, nInserted: 1 }), batch, true));
    results.addResult({ ok: 0, idx: 2, code: 11000, errmsg: 'dup', errInfo: { a: 1 } }, 10);
    assert.equal(results.stopped, false);
    const e = assertThrows(() => results.finish());
    assert.deepEqual(e.writeErrors.get(12), { index: 12, code: 11000, message: 'dup', errInfo: { a: 1 } });
    assert.equal(e.code, 11000);
    assert.equal(e.partialResult?.insertedCount, 1);
  });

  it('ordered: an error at idx 0 of the first batch leaves no partial result; later, it does', () => {
    const first = new ClientResultBuilder(ops, true, true, false);
    first.addReply(parseBulkWriteReply(reply([], { nErrors: 1 }), batch, true));
    first.addResult({ ok: 0, idx: 0, code: 2, errmsg: 'bad' }, 0);
    assert.equal(first.stopped, true);
    assert.equal(assertThrows(() => first.finish()).partialResult, undefined);
    const later = new ClientResultBuilder(ops, true, true, false);
    later.addReply(parseBulkWriteReply(reply([], { nErrors: 1, nInserted: 1 }), batch, true));
    later.addResult({ ok: 0, idx: 1, code: 2, errmsg: 'bad' }, 0);
    assert.equal(assertThrows(() => later.finish()).partialResult?.insertedCount, 1);
  });

  it('write concern errors do not stop the write but end it in an error', () => {
    const results = new ClientResultBuilder(ops, true, true, false);
    results.addReply(
      parseBulkWriteReply(
        reply([], { nInserted: 1, writeConcernError: { code: 64, errmsg: 'wc' } }),
        batch,
        true,
      ),
    );
    assert.equal(results.stopped, false);
    const e = assertThrows(() => results.finish());
    assert.deepEqual(e.writeConcernErrors, [{ code: 64, message: 'wc' }]);
    assert.equal(e.code, 64);
  });

  it('a top-level error is passed on as it is when nothing is known, wrapped when something is', () => {
    const boom = new MongoInvalidArgumentError('boom');
    const none = new ClientResultBuilder(ops, true, true, false);
    assert.equal(none.stoppedBy(boom), boom);
    const some = new ClientResultBuilder(ops, true, true, false);
    some.addReply(parseBulkWriteReply(reply([], { nInserted: 1 }), batch, true));
    const wrapped = some.stoppedBy(boom);
    assert.ok(wrapped instanceof ClientBulkWriteError);
    assert.equal(wrapped.error, boom);
    assert.equal(wrapped.partialResult?.insertedCount, 1);
  });

  it('a reply without a cursor is a typed error', () => {
    assert.throws(() => parseBulkWriteReply({ ok: 1 }, batch, true), /cursor/);
  });
});

function assertThrows(fn: () => unknown): ClientBulkWriteError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ClientBulkWriteError);
    return e;
  }
  assert.fail('expected a ClientBulkWriteError');
}
