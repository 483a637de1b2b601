// The official BSON options against a real server: read options decode the user's documents
// (cursor batches, getMore batches, findOneAnd* values) and never the driver's own fields; write
// options encode what is sent. Inherited client -> db -> collection -> operation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deserialize, Int32, Long } from 'bson';
import { lastValueFrom, toArray } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import { testServer } from '../support/ferretdb.js';

describe('BSON options (integration)', () => {
  let uri: string;
  let client: MongoClient;
  let release: () => Promise<void>;
  const dbName = `bson_opts_${process.pid}`;
  const docs = Array.from({ length: 5 }, (_, i) => ({ _id: i, n: Long.fromNumber(10 + i), x: i + 0.5 }));

  before(async () => {
    const server = await testServer();
    release = server.release;
    uri = server.uri;
    client = new MongoClient(uri);
    await lastValueFrom(client.db(dbName).dropDatabase());
    await lastValueFrom(client.db(dbName).collection('c').insertMany(docs));
  });

  after(async () => {
    await lastValueFrom(client.db(dbName).dropDatabase()).catch(() => undefined);
    await lastValueFrom(client.close());
    await release();
  });

  const all = <T>(o: import('rxjs').Observable<T>) => lastValueFrom(o.pipe(toArray()));

  it('defaults: int64 that fits is a number', async () => {
    const got = await all(
      client
        .db(dbName)
        .collection('c')
        .find({}, { sort: { _id: 1 } }),
    );
    assert.equal(got[0]?.n, 10);
  });

  it('find: promoteLongs false / useBigInt64 / promoteValues false decode every batch, getMore included', async () => {
    const c = client.db(dbName).collection('c');
    const longs = await all(c.find({}, { sort: { _id: 1 }, batchSize: 2, promoteLongs: false }));
    assert.equal(longs.length, 5);
    for (const d of longs) assert.ok(d.n instanceof Long, 'first batch and getMore batches alike');
    const bigints = await all(c.find({}, { sort: { _id: 1 }, batchSize: 2, useBigInt64: true }));
    assert.deepEqual(
      bigints.map((d) => d.n),
      [10n, 11n, 12n, 13n, 14n],
    );
    const boxed = await all(c.find({ _id: 1 }, { promoteValues: false }));
    assert.ok(boxed[0]?._id instanceof Int32);
  });

  it('raw: documents arrive as BSON bytes', async () => {
    const raw = await all(
      client
        .db(dbName)
        .collection('c')
        .find({}, { sort: { _id: 1 }, batchSize: 3, raw: true }),
    );
    assert.equal(raw.length, 5);
    for (const d of raw) assert.ok((d as unknown) instanceof Uint8Array);
    assert.equal(deserialize(raw[4] as unknown as Uint8Array)._id, 4);
  });

  it('inherited: client -> db -> collection, the operation wins', async () => {
    const longClient = new MongoClient(uri, { promoteLongs: false });
    try {
      const c = longClient.db(dbName).collection('c');
      assert.ok((await all(c.find({ _id: 0 })))[0]?.n instanceof Long, 'from the client');
      assert.equal((await all(c.find({ _id: 0 }, { promoteLongs: true })))[0]?.n, 10, 'the operation wins');
      const dbLevel = longClient.db(dbName, { promoteLongs: true }).collection('c');
      assert.equal((await all(dbLevel.find({ _id: 0 })))[0]?.n, 10, 'the db wins over the client');
      const big = longClient.db(dbName).collection('c', { useBigInt64: true });
      assert.equal((await all(big.aggregate([{ $match: { _id: 2 } }])))[0]?.n, 12n, 'aggregate too');
    } finally {
      await lastValueFrom(longClient.close());
    }
  });

  it('findOneAndUpdate: the value is decoded with the options, the driver still reads ok', async () => {
    const c = client.db(dbName).collection('c');
    const before = await lastValueFrom(
      c.findOneAndUpdate({ _id: 3 }, { $set: { touched: true } }, { useBigInt64: true }),
    );
    assert.equal(before?.n, 13n);
    const boxed = await lastValueFrom(
      c.findOneAndUpdate({ _id: 3 }, { $set: { again: true } }, { promoteValues: false }),
    );
    assert.ok(boxed?._id instanceof Int32, 'promoteValues false: the driver still reads ok as 1');
  });

  it('ignoreUndefined: false sends undefined fields as null; by default (and with true) they are left out', async () => {
    // The official driver's default is false (null); mongorx leaves them out unless asked.
    const c = client.db(dbName).collection('u');
    await lastValueFrom(c.insertOne({ _id: 1, a: 1, b: undefined }));
    await lastValueFrom(c.insertOne({ _id: 2, a: 1, b: undefined }, { ignoreUndefined: false }));
    const nulls = client.db(dbName).collection('u', { ignoreUndefined: false });
    await lastValueFrom(nulls.insertMany([{ _id: 3, b: undefined }]));
    await lastValueFrom(nulls.insertOne({ _id: 4, b: undefined }, { ignoreUndefined: true }));
    const got = await all(c.find({}, { sort: { _id: 1 } }));
    assert.deepEqual(got, [{ _id: 1, a: 1 }, { _id: 2, a: 1, b: null }, { _id: 3, b: null }, { _id: 4 }]);
  });

  it('a bad BSON option errors the Observable, typed, before anything is sent', async () => {
    const c = client.db(dbName).collection('c');
    await assert.rejects(all(c.find({}, { promoteLongs: 'no' as never })), MongoInvalidArgumentError);
    assert.throws(() => new MongoClient(uri, { raw: 1 as never }), MongoInvalidArgumentError);
  });
});
