import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSensitiveCommand, isSensitiveReply } from '../../src/events/redact.js';

describe('command monitoring redaction (command-logging-and-monitoring, "Security")', () => {
  for (const name of [
    'authenticate',
    'saslStart',
    'saslContinue',
    'getnonce',
    'createUser',
    'updateUser',
    'copydbgetnonce',
    'copydbsaslstart',
    'copydb',
  ]) {
    it(`redacts ${name}`, () => {
      assert.equal(isSensitiveCommand(name, { [name]: 1 }), true);
      assert.equal(isSensitiveReply(name, { [name]: 1 }, { ok: 1 }), true);
    });
  }
  it('redacts hello and legacy hello only with speculativeAuthenticate', () => {
    assert.equal(isSensitiveCommand('hello', { hello: 1 }), false);
    assert.equal(isSensitiveCommand('hello', { hello: 1, speculativeAuthenticate: {} }), true);
    assert.equal(isSensitiveCommand('isMaster', { isMaster: 1, speculativeAuthenticate: {} }), true);
    assert.equal(isSensitiveReply('hello', { hello: 1 }, { ok: 1, speculativeAuthenticate: {} }), true);
    assert.equal(isSensitiveReply('hello', { hello: 1 }, { ok: 1 }), false);
  });
  it('leaves ordinary commands alone', () => {
    assert.equal(isSensitiveCommand('find', { find: 'c' }), false);
    assert.equal(isSensitiveCommand('insert', { insert: 'c' }), false);
  });
});
