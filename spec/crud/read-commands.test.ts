import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import {
  createCollectionOperation,
  listCollectionsOperation,
  renameCollectionOperation,
} from '../../src/operations/collections.js';
import { countOperation, estimatedDocumentCountOperation } from '../../src/operations/count.js';
import { countDocumentsOperation } from '../../src/operations/count-documents.js';
import { distinctOperation } from '../../src/operations/distinct.js';
import {
  findOneAndDeleteOperation,
  findOneAndUpdateOperation,
} from '../../src/operations/find-and-modify.js';
import {
  createIndexesOperation,
  indexEntry,
  indexKeyDocument,
  indexName,
  splitIndexOptions,
} from '../../src/operations/indexes.js';
import { listDatabasesOperation } from '../../src/operations/list-databases.js';
import { ReadPreference } from '../../src/read-preference.js';
import { SERVER } from './fakes.js';

const cursorReply = (batch: unknown[]) => ({ ok: 1, cursor: { id: 0, ns: 'db.c', firstBatch: batch } });

describe('countDocuments / estimatedDocumentCount / distinct', () => {
  it('countDocuments is an aggregate with $match, $skip, $limit and a counting $group', () => {
    const op = countDocumentsOperation(
      'db',
      'c',
      { a: 1 },
      {
        skip: 1,
        limit: 5,
        hint: 'a_1',
        collation: { locale: 'en' },
        maxTimeMS: 10,
        comment: 'x',
        readConcern: 'majority',
        readPreference: 'secondary',
      },
    );
    assert.deepEqual(op.build(SERVER).command, {
      aggregate: 'c',
      pipeline: [{ $match: { a: 1 } }, { $skip: 1 }, { $limit: 5 }, { $group: { _id: 1, n: { $sum: 1 } } }],
      cursor: {},
      collation: { locale: 'en' },
      hint: 'a_1',
      maxTimeMS: 10,
      comment: 'x',
      readConcern: { level: 'majority' },
    });
    assert.ok(op.readPreference instanceof ReadPreference);
    assert.equal(op.retryable, 'read');
    assert.equal(op.parse(cursorReply([{ _id: 1, n: 4 }]), SERVER), 4);
    assert.equal(op.parse(cursorReply([]), SERVER), 0);
    assert.throws(() => countDocumentsOperation('db', 'c', {}, { skip: -1 }), MongoInvalidArgumentError);
    assert.throws(() => countDocumentsOperation('db', 'c', {}, { limit: 1.5 }), MongoInvalidArgumentError);
  });

  it('estimatedDocumentCount is a count command', () => {
    const op = estimatedDocumentCountOperation('db', 'c', { maxTimeMS: 5 });
    assert.deepEqual(op.build(SERVER).command, { count: 'c', maxTimeMS: 5 });
    assert.equal(op.parse({ ok: 1, n: 12 }, SERVER), 12);
  });

  it('the deprecated count sends query, skip and limit', () => {
    const op = countOperation('db', 'c', { a: 1 }, { skip: 1, limit: 3 });
    assert.deepEqual(op.build(SERVER).command, { count: 'c', query: { a: 1 }, skip: 1, limit: 3 });
    assert.equal(op.parse({ ok: 1, n: 2 }, SERVER), 2);
  });

  it('distinct sends key and query and emits the values', () => {
    const op = distinctOperation('db', 'c', 'x', { y: 1 }, { collation: { locale: 'fr' } });
    assert.deepEqual(op.build(SERVER).command, {
      distinct: 'c',
      key: 'x',
      query: { y: 1 },
      collation: { locale: 'fr' },
    });
    assert.deepEqual(op.parse({ ok: 1, values: [1, 2] }, SERVER), [1, 2]);
    assert.throws(() => distinctOperation('db', 'c', '', {}, {}), MongoInvalidArgumentError);
  });
});

describe('findAndModify', () => {
  it('findOneAndUpdate maps returnDocument, projection and sort', () => {
    const op = findOneAndUpdateOperation(
      'db',
      'c',
      { a: 1 },
      { $set: { b: 1 } },
      {
        returnDocument: 'after',
        projection: { b: 1 },
        sort: { a: 'asc' },
        upsert: true,
        arrayFilters: [{ e: 1 }],
        writeConcern: { w: 'majority' },
      },
    );
    assert.deepEqual(op.build(SERVER).command, {
      findAndModify: 'c',
      query: { a: 1 },
      sort: { a: 1 },
      update: { $set: { b: 1 } },
      new: true,
      upsert: true,
      fields: { b: 1 },
      arrayFilters: [{ e: 1 }],
      writeConcern: { w: 'majority' },
    });
    assert.deepEqual(op.parse({ ok: 1, value: { _id: 1 } }, SERVER), { _id: 1 });
    assert.equal(op.parse({ ok: 1, value: null }, SERVER), null);
    assert.equal(op.retryable, 'write');
  });

  it('findOneAndDelete sends remove; includeResultMetadata emits the whole result', () => {
    const op = findOneAndDeleteOperation('db', 'c', {}, { includeResultMetadata: true });
    assert.deepEqual(op.build(SERVER).command, { findAndModify: 'c', query: {}, remove: true });
    assert.deepEqual(op.parse({ ok: 1, value: { _id: 1 }, lastErrorObject: { n: 1 } }, SERVER), {
      value: { _id: 1 },
      lastErrorObject: { n: 1 },
      ok: 1,
    });
  });

  it('validates update, returnDocument and unacknowledged hints', () => {
    assert.throws(() => findOneAndUpdateOperation('db', 'c', {}, { a: 1 }, {}), MongoInvalidArgumentError);
    assert.throws(
      () => findOneAndUpdateOperation('db', 'c', {}, { $set: {} }, { returnDocument: 'later' as never }),
      MongoInvalidArgumentError,
    );
    const op = findOneAndDeleteOperation('db', 'c', {}, { hint: 'a_1', writeConcern: { w: 0 } });
    assert.throws(() => op.build({ ...SERVER, maxWireVersion: 8 }), MongoInvalidArgumentError);
    assert.equal(op.build(SERVER).moreToCome, true);
    assert.equal(op.parse({ ok: 1 }, SERVER), null);
  });
});

describe('indexes', () => {
  it('generates names from keys (index-management "Index Name Generation")', () => {
    assert.equal(indexName({ a: 1, b: -1 }), 'a_1_b_-1');
    assert.equal(indexName({ loc: '2dsphere' }), 'loc_2dsphere');
    assert.equal(indexName({ 'a.b': 1, c: 'text' }), 'a.b_1_c_text');
  });

  it('accepts the key forms of the official driver', () => {
    assert.deepEqual(indexKeyDocument('a'), { a: 1 });
    assert.deepEqual(indexKeyDocument(['a', ['b', -1]]), { a: 1, b: -1 });
    assert.deepEqual(indexKeyDocument(new Map([['x', 'hashed']])), { x: 'hashed' });
    assert.throws(() => indexKeyDocument([['a']] as never), MongoInvalidArgumentError);
  });

  it('builds createIndexes with options and version as v', () => {
    assert.deepEqual(indexEntry({ key: { a: 1 }, unique: true, version: 2 }), {
      key: { a: 1 },
      name: 'a_1',
      unique: true,
      v: 2,
    });
    const op = createIndexesOperation('db', 'c', [{ key: { a: 1 }, name: 'x' }], {
      writeConcern: { w: 1 },
      commitQuorum: 'majority',
    });
    assert.deepEqual(op.build(SERVER).command, {
      createIndexes: 'c',
      indexes: [{ key: { a: 1 }, name: 'x' }],
      commitQuorum: 'majority',
      writeConcern: { w: 1 },
    });
    assert.deepEqual(op.parse({ ok: 1 }, SERVER), ['x']);
    assert.throws(() => createIndexesOperation('db', 'c', []), MongoInvalidArgumentError);
    assert.throws(() => createIndexesOperation('db', 'c', [{ key: {} }]), MongoInvalidArgumentError);
  });

  it('separates index options from command options', () => {
    assert.deepEqual(splitIndexOptions({ unique: true, comment: 'c', writeConcern: { w: 1 } }), {
      index: { unique: true },
      command: { comment: 'c', writeConcern: { w: 1 } },
    });
  });
});

describe('collections and databases', () => {
  it('create sends collection options, not read options', () => {
    const op = createCollectionOperation('db', 'c', {
      capped: true,
      size: 4096,
      writeConcern: { w: 1 },
      readPreference: 'primary',
    } as never);
    assert.deepEqual(op.build(SERVER).command, {
      create: 'c',
      capped: true,
      size: 4096,
      writeConcern: { w: 1 },
    });
  });

  it('renameCollection runs on admin with namespaces', () => {
    const op = renameCollectionOperation('db', 'a', 'b', { dropTarget: true });
    assert.equal(op.dbName, 'admin');
    assert.deepEqual(op.build(SERVER).command, { renameCollection: 'db.a', to: 'db.b', dropTarget: true });
  });

  it('listCollections and listDatabases', () => {
    const lc = listCollectionsOperation('db', { name: 'x' }, { nameOnly: true, batchSize: 2 });
    assert.deepEqual(lc.build(SERVER).command, {
      listCollections: 1,
      filter: { name: 'x' },
      cursor: { batchSize: 2 },
      nameOnly: true,
    });
    const ld = listDatabasesOperation({ nameOnly: true, filter: { name: 'a' } });
    assert.equal(ld.dbName, 'admin');
    assert.deepEqual(ld.build(SERVER).command, { listDatabases: 1, filter: { name: 'a' }, nameOnly: true });
    assert.deepEqual(ld.parse({ ok: 1, databases: [{ name: 'a' }], totalSize: 5 }, SERVER), {
      databases: [{ name: 'a' }],
      totalSize: 5,
      totalSizeMb: undefined,
      ok: 1,
    });
  });
});
