// $readPreference on reads sent with OP_MSG, per topology and server type (server-selection spec).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPreferenceField } from '../../src/execute/decorate.js';
import { ReadPreference } from '../../src/read-preference.js';

const secondary = ReadPreference.secondary;
const tagged = new ReadPreference('nearest', { tags: [{ dc: 'ny' }] });

describe('readPreferenceField', () => {
  it('never goes to a standalone, whatever the mode', () => {
    assert.equal(readPreferenceField('Single', 'Standalone', undefined), undefined);
    assert.equal(readPreferenceField('Single', 'Standalone', secondary), undefined);
  });

  it('a direct connection to a member reads with primaryPreferred when the preference is primary or absent', () => {
    for (const type of ['RSPrimary', 'RSSecondary', 'RSArbiter', 'RSOther'] as const) {
      assert.deepEqual(readPreferenceField('Single', type, undefined), { mode: 'primaryPreferred' });
      assert.deepEqual(readPreferenceField('Single', type, ReadPreference.primary), {
        mode: 'primaryPreferred',
      });
      assert.deepEqual(readPreferenceField('Single', type, secondary), { mode: 'secondary' });
    }
  });

  it('replica set members get every mode but primary', () => {
    assert.equal(
      readPreferenceField('ReplicaSetWithPrimary', 'RSPrimary', ReadPreference.primary),
      undefined,
    );
    assert.deepEqual(readPreferenceField('ReplicaSetWithPrimary', 'RSSecondary', secondary), {
      mode: 'secondary',
    });
    assert.deepEqual(readPreferenceField('ReplicaSetNoPrimary', 'RSSecondary', tagged), {
      mode: 'nearest',
      tags: [{ dc: 'ny' }],
    });
  });

  it('mongos (direct or sharded) and load balancers get every mode but primary', () => {
    assert.equal(readPreferenceField('Sharded', 'Mongos', undefined), undefined);
    assert.equal(readPreferenceField('Single', 'Mongos', ReadPreference.primary), undefined);
    assert.deepEqual(readPreferenceField('Sharded', 'Mongos', secondary), { mode: 'secondary' });
    assert.deepEqual(readPreferenceField('LoadBalanced', 'LoadBalancer', tagged), {
      mode: 'nearest',
      tags: [{ dc: 'ny' }],
    });
  });
});
