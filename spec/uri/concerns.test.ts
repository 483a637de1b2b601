import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import { ReadConcern, readConcernToDocument } from '../../src/read-concern.js';
import { ReadPreference } from '../../src/read-preference.js';
import { isAcknowledged, WriteConcern, writeConcernToDocument } from '../../src/write-concern.js';

describe('ReadPreference', () => {
  it('builds $readPreference documents', () => {
    const rp = new ReadPreference('secondary', {
      tags: [{ dc: 'ny' }, {}],
      maxStalenessSeconds: 120,
      hedge: { enabled: true },
    });
    assert.deepEqual(rp.toDocument(), {
      mode: 'secondary',
      tags: [{ dc: 'ny' }, {}],
      maxStalenessSeconds: 120,
      hedge: { enabled: true },
    });
    assert.deepEqual(ReadPreference.primary.toDocument(), { mode: 'primary' });
    assert.equal(ReadPreference.primary.secondaryOk, false);
    assert.equal(rp.secondaryOk, true);
  });

  it('validates mode and primary combinations', () => {
    assert.throws(() => new ReadPreference('bogus' as 'primary'), MongoInvalidArgumentError);
    assert.throws(() => new ReadPreference('primary', { tags: [{ a: 'b' }] }), MongoInvalidArgumentError);
    assert.throws(
      () => new ReadPreference('primary', { maxStalenessSeconds: 90 }),
      MongoInvalidArgumentError,
    );
    assert.throws(() => new ReadPreference('primary', { hedge: {} }), MongoInvalidArgumentError);
    assert.throws(
      () => new ReadPreference('nearest', { maxStalenessSeconds: -2 }),
      MongoInvalidArgumentError,
    );
    assert.equal(
      new ReadPreference('primary', { tags: [{}], maxStalenessSeconds: -1 }).maxStalenessSeconds,
      undefined,
    );
  });
});

describe('ReadConcern / WriteConcern', () => {
  it('turn into command documents', () => {
    assert.deepEqual(readConcernToDocument({}), {});
    assert.deepEqual(ReadConcern.from('snapshot').toDocument(), { level: 'snapshot' });
    assert.deepEqual(writeConcernToDocument({ w: 1, wtimeoutMS: 5, journal: false }), {
      w: 1,
      wtimeout: 5,
      j: false,
    });
    assert.equal(isAcknowledged({ w: 0 }), false);
    assert.equal(WriteConcern.from(undefined), WriteConcern.serverDefault);
  });

  it('validate', () => {
    assert.throws(() => new WriteConcern({ w: 1.5 }), MongoInvalidArgumentError);
    assert.throws(() => new WriteConcern({ w: '' }), MongoInvalidArgumentError);
    assert.throws(() => new WriteConcern({ w: 0, journal: true }), MongoInvalidArgumentError);
  });
});
