import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { Collection } from '../../src/client/collection.js';
import { Db } from '../../src/client/db.js';
import { MongoInvalidArgumentError, MongoServerError } from '../../src/errors.js';
import { ReadPreference } from '../../src/read-preference.js';
import { fakeContext } from './fakes.js';

describe('Collection (fake server)', () => {
  it('is cold: nothing is sent before subscribe, and each subscription sends again', async () => {
    const { context, sent } = fakeContext(() => ({ ok: 1, n: 1 }));
    const insert = new Collection(context, 'db', 'c').insertOne({ _id: 1 });
    assert.equal(sent.length, 0);
    await lastValueFrom(insert);
    await lastValueFrom(insert);
    assert.equal(sent.length, 2);
  });

  it('bad arguments error on subscribe, not on call', async () => {
    const { context, sent } = fakeContext();
    const coll = new Collection(context, 'db', 'c');
    const bad = coll.updateMany({}, { a: 1 } as never);
    await assert.rejects(lastValueFrom(bad), MongoInvalidArgumentError);
    await assert.rejects(lastValueFrom(coll.distinct('')), MongoInvalidArgumentError);
    await assert.rejects(lastValueFrom(coll.rename('bad$name')), MongoInvalidArgumentError);
    await assert.rejects(
      lastValueFrom(coll.insertOne({}, { writeConcern: { w: 0, journal: true } })),
      MongoInvalidArgumentError,
    );
    assert.equal(sent.length, 0);
    assert.throws(() => new Collection(context, 'db', ''), MongoInvalidArgumentError);
  });

  it('options that are not an object (null from JavaScript) error on subscribe, typed, for cursors too', async () => {
    const { context, sent } = fakeContext();
    const coll = new Collection(context, 'db', 'c');
    const db = new Db(context, 'db');
    const nul = null as never;
    // Building the cursor must not throw: the error arrives through the Observable.
    const cursors = [
      coll.find({}, nul),
      coll.aggregate([], nul),
      coll.listIndexes(nul),
      db.listCollections({}, nul),
    ];
    for (const c of cursors) await assert.rejects(lastValueFrom(c), MongoInvalidArgumentError);
    await assert.rejects(lastValueFrom(coll.insertOne({}, nul)), MongoInvalidArgumentError);
    assert.equal(sent.length, 0);
  });

  it('resolves concerns client -> db -> collection -> operation', async () => {
    const { context, sent } = fakeContext(() => ({
      ok: 1,
      n: 0,
      cursor: { id: 0, ns: 'db.c', firstBatch: [] },
    }));
    const db = new Db(
      { ...context, inherited: { writeConcern: { w: 1 }, readConcern: { level: 'local' } } },
      'db',
      {
        readConcern: 'majority',
      },
    );
    const coll = db.collection('c', {
      readPreference: 'secondaryPreferred',
      writeConcern: { w: 2, journal: true },
    });
    assert.deepEqual(coll.writeConcern, { w: 2, j: true });
    assert.deepEqual(coll.readConcern, { level: 'majority' });
    assert.equal(coll.readPreference?.mode, 'secondaryPreferred');

    await lastValueFrom(coll.deleteOne({}));
    assert.deepEqual(sent[0].command.writeConcern, { w: 2, j: true });
    assert.equal(sent[0].criteria.kind, 'write');

    await lastValueFrom(coll.countDocuments({}, { readConcern: { level: 'available' } }));
    assert.deepEqual(sent[1].command.readConcern, { level: 'available' });
    assert.equal((sent[1].criteria.readPreference as ReadPreference).mode, 'secondaryPreferred');

    await lastValueFrom(coll.estimatedDocumentCount({ readPreference: ReadPreference.nearest }));
    assert.deepEqual(sent[2].command.readConcern, { level: 'majority' });
    assert.equal((sent[2].criteria.readPreference as ReadPreference).mode, 'nearest');
  });

  it('pkFactory and forceServerObjectId: inherited db -> collection, the operation flag wins', async () => {
    const { context, sent } = fakeContext(() => ({ ok: 1, n: 1 }));
    let n = 0;
    const pkFactory = { createPk: () => `id-${++n}` };
    const db = new Db(context, 'db', { pkFactory });
    const coll = db.collection('c');
    const one = await lastValueFrom(coll.insertOne({ a: 1 }));
    assert.equal(one.insertedId, 'id-1');
    const many = await lastValueFrom(coll.insertMany([{ a: 2 }, { _id: 'mine', a: 3 }]));
    assert.deepEqual(many.insertedIds, { 0: 'id-2', 1: 'mine' });
    await lastValueFrom(coll.bulkWrite([{ insertOne: { document: { a: 4 } } }]));
    const inserted = sent.flatMap((s) => (s.options?.sequences ?? []).flatMap((q) => q.documents));
    assert.deepEqual(
      inserted.map((d) => d._id),
      ['id-1', 'id-2', 'mine', 'id-3'],
    );
    const serverIds = db.collection('c', { forceServerObjectId: true });
    await lastValueFrom(serverIds.insertOne({ a: 5 }));
    await lastValueFrom(serverIds.insertOne({ a: 6 }, { forceServerObjectId: false }));
    const last = sent.slice(-2).map((s) => s.options?.sequences?.[0].documents[0]);
    assert.deepEqual(last[0], { a: 5 }, 'no _id: the server adds it');
    assert.equal(last[1]?._id, 'id-4');
    assert.throws(() => db.collection('c', { pkFactory: {} as never }), MongoInvalidArgumentError);
  });

  it('search index helpers: the spec commands, no concerns, names emitted, NamespaceNotFound on drop ignored', async () => {
    const { context, sent } = fakeContext((command) => {
      if (command.createSearchIndexes) return { ok: 1, indexesCreated: [{ id: '1', name: 'default' }] };
      if (command.dropSearchIndex) throw new MongoServerError({ ok: 0, code: 26, errmsg: 'ns not found' });
      if (command.aggregate)
        return { ok: 1, cursor: { id: 0, ns: 'db.c', firstBatch: [{ name: 'default' }] } };
      return { ok: 1 };
    });
    const coll = new Collection(context, 'db', 'c', {
      writeConcern: { w: 2 },
      readConcern: { level: 'majority' },
    });
    const definition = { mappings: { dynamic: true } };
    assert.equal(await lastValueFrom(coll.createSearchIndex({ definition })), 'default');
    await lastValueFrom(coll.updateSearchIndex('default', definition));
    await lastValueFrom(coll.dropSearchIndex('default'), { defaultValue: undefined });
    const listed = await lastValueFrom(coll.listSearchIndexes('default', { batchSize: 10 }).toArray());
    assert.deepEqual(listed, [{ name: 'default' }]);
    assert.deepEqual(
      sent.map((s) => s.command),
      [
        { createSearchIndexes: 'c', indexes: [{ definition }] },
        { updateSearchIndex: 'c', name: 'default', definition },
        { dropSearchIndex: 'c', name: 'default' },
        {
          aggregate: 'c',
          pipeline: [{ $listSearchIndexes: { name: 'default' } }],
          cursor: { batchSize: 10 },
        },
      ],
    );
    await assert.rejects(lastValueFrom(coll.createSearchIndexes('x' as never)), MongoInvalidArgumentError);
    await assert.rejects(lastValueFrom(coll.createSearchIndex({} as never)), MongoInvalidArgumentError);
    await assert.rejects(lastValueFrom(coll.dropSearchIndex(3 as never)), MongoInvalidArgumentError);
  });

  it('w:0 writes go out with moreToCome', async () => {
    const { context, sent } = fakeContext(() => ({ ok: 1 }));
    const coll = new Collection(context, 'db', 'c', { writeConcern: { w: 0 } });
    const result = await lastValueFrom(coll.updateOne({}, { $set: { a: 1 } }));
    assert.equal(result.acknowledged, false);
    assert.equal(sent[0].options?.moreToCome, true);
  });

  it('findOneAndDelete emits null once when nothing matched', async () => {
    const { context } = fakeContext(() => ({ ok: 1, value: null }));
    const values: unknown[] = [];
    await new Promise<void>((resolve, reject) =>
      new Collection(context, 'db', 'c').findOneAndDelete({}).subscribe({
        next: (v) => values.push(v),
        error: reject,
        complete: resolve,
      }),
    );
    assert.deepEqual(values, [null]);
  });
});
