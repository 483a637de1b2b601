import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal128, Int32, Long, ObjectId } from 'bson';
import { matches } from './match.js';
import { checkSchemaVersion, compareVersions, requirementsUnmet, type ServerInfo } from './requirements.js';

describe('unified matcher', () => {
  it('allows extra keys in root documents only', () => {
    assert.ok(matches({ x: 1 }, { x: 1, y: 1 }));
    assert.ok(!matches({ x: { y: 1 } }, { x: { y: 1, z: 1 } }));
    assert.ok(!matches({ x: 1, y: 1 }, { x: 1 }));
  });
  it('compares numbers flexibly, but not with Decimal128', () => {
    assert.ok(matches({ n: 1 }, { n: new Long(1) }));
    assert.ok(matches({ n: new Int32(2) }, { n: 2.0 }));
    assert.ok(!matches({ n: 1 }, { n: 1.5 }));
    assert.ok(!matches({ n: 1 }, { n: Decimal128.fromString('1') }));
  });
  it('requires arrays of the same length; elements of root arrays are root documents', () => {
    assert.ok(!matches([1, 2], [1, 2, 3]));
    assert.ok(matches([{ x: 1 }], [{ x: 1, y: 2 }], true));
    assert.ok(!matches([{ x: 1 }], [{ x: 1, y: 2 }], false));
  });
  it('implements $$exists, $$type, $$unsetOrMatches, $$lte', () => {
    assert.ok(matches({ a: { $$exists: false } }, { b: 1 }));
    assert.ok(!matches({ a: { $$exists: true } }, { b: 1 }));
    assert.ok(matches({ a: { $$type: ['int', 'long'] } }, { a: 3 }));
    assert.ok(matches({ a: { $$type: 'objectId' } }, { a: new ObjectId() }));
    assert.ok(!matches({ a: { $$type: 'string' } }, { a: 3 }));
    assert.ok(matches({ a: { $$unsetOrMatches: 2 } }, {}));
    assert.ok(!matches({ a: { $$unsetOrMatches: 2 } }, { a: 3 }));
    assert.ok(matches({ $$unsetOrMatches: { n: 1 } }, undefined));
    assert.ok(matches({ a: { $$lte: 2 } }, { a: 1.0 }));
    assert.ok(!matches({ a: { $$lte: 1 } }, { a: 1.1 }));
  });
  it('implements $$matchAsDocument and $$matchAsRoot', () => {
    assert.ok(matches({ j: { $$matchAsDocument: { x: 1 } } }, { j: '{"x": 1}' }));
    assert.ok(!matches({ j: { $$matchAsDocument: { x: 1 } } }, { j: '{"x": 1, "y": 2}' }));
    assert.ok(matches({ d: { $$matchAsRoot: { x: 1 } } }, { d: { x: 1, y: 2 } }));
  });
});

describe('unified requirements', () => {
  const server: ServerInfo = {
    version: '7.0.42',
    topology: 'single',
    auth: false,
    serverParameters: async () => undefined,
  };
  it('compares versions and checks requirements', async () => {
    assert.ok(compareVersions('7.0.42', '7.0') > 0);
    assert.equal(
      await requirementsUnmet([{ minServerVersion: '4.2', topologies: ['single'] }], server),
      undefined,
    );
    assert.match(String(await requirementsUnmet([{ minServerVersion: '8.0' }], server)), /minServerVersion/);
    assert.equal(
      await requirementsUnmet([{ minServerVersion: '8.0' }, { maxServerVersion: '7.9' }], server),
      undefined,
    );
  });
  it('accepts schema versions 1.x up to the supported one', () => {
    checkSchemaVersion('1.0');
    assert.throws(() => checkSchemaVersion('0.1'));
    assert.throws(() => checkSchemaVersion('2.0'));
    assert.throws(() => checkSchemaVersion('1.99'));
  });
});
