// The transactions spec's state machine and option resolution, as pure functions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoTransactionError } from '../../src/errors.js';
import {
  commitWriteConcern,
  resolveTransactionOptions,
  type TransactionState,
  transitions,
} from '../../src/session/transaction.js';
import { WriteConcern } from '../../src/write-concern.js';

const ALL: readonly TransactionState[] = [
  'none',
  'starting',
  'in_progress',
  'committed',
  'committed_empty',
  'aborted',
];

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof MongoTransactionError && message.test(e.message));
}

describe('transaction state machine', () => {
  it('startTransaction: from none and every ended state; twice is an error', () => {
    for (const s of ALL) {
      if (s === 'starting' || s === 'in_progress') refused(() => transitions.start(s), /already in progress/);
      else assert.equal(transitions.start(s), 'starting');
    }
  });

  it('commitTransaction: empty transactions send nothing; a second commit is a retry', () => {
    refused(() => transitions.commit('none'), /No transaction started/);
    refused(() => transitions.commit('aborted'), /after calling abortTransaction/);
    assert.deepEqual(transitions.commit('starting'), { next: 'committed_empty', send: false, retry: false });
    assert.deepEqual(transitions.commit('committed_empty'), {
      next: 'committed_empty',
      send: false,
      retry: false,
    });
    assert.deepEqual(transitions.commit('in_progress'), { next: 'committed', send: true, retry: false });
    assert.deepEqual(transitions.commit('committed'), { next: 'committed', send: true, retry: true });
  });

  it('abortTransaction: once, never after a commit', () => {
    refused(() => transitions.abort('none'), /No transaction started/);
    refused(() => transitions.abort('committed'), /after calling commitTransaction/);
    refused(() => transitions.abort('committed_empty'), /after calling commitTransaction/);
    refused(() => transitions.abort('aborted'), /twice/);
    assert.deepEqual(transitions.abort('starting'), { next: 'aborted', send: false });
    assert.deepEqual(transitions.abort('in_progress'), { next: 'aborted', send: true });
  });
});

describe('transaction options', () => {
  it('each option from the call, else the session default, else the client', () => {
    const resolved = resolveTransactionOptions(
      { writeConcern: { w: 1 } },
      { readConcern: { level: 'majority' }, writeConcern: { w: 'majority' }, maxCommitTimeMS: 50 },
      { readConcern: { level: 'local' }, readPreference: 'primary' },
    );
    assert.equal(resolved.writeConcern.w, 1);
    assert.equal(resolved.readConcern.level, 'majority');
    assert.equal(resolved.maxCommitTimeMS, 50);
    assert.equal(resolved.readPreference.mode, 'primary');
  });

  it('an unacknowledged write concern is refused', () => {
    refused(
      () => resolveTransactionOptions({ writeConcern: { w: 0 } }, undefined, {}),
      /do not support unacknowledged write concern/,
    );
  });

  it("the commit's write concern; its retry with w: majority and wtimeout 10000 unless one was given", () => {
    assert.equal(commitWriteConcern(WriteConcern.serverDefault, false), undefined);
    assert.deepEqual(commitWriteConcern(new WriteConcern({ w: 2 }), false), { w: 2 });
    assert.deepEqual(commitWriteConcern(new WriteConcern({ w: 2 }), true), {
      w: 'majority',
      wtimeout: 10_000,
    });
    assert.deepEqual(commitWriteConcern(new WriteConcern({ w: 1, wtimeoutMS: 5 }), true), {
      w: 'majority',
      wtimeout: 5,
    });
  });
});
