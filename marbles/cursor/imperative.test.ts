// The official imperative iteration (next/hasNext/tryNext) on virtual time: what each call sends,
// and that a call still waiting settles when rewind() or close() ends the iteration.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSetup as setup } from './harness.js';

describe('imperative iteration (marbles)', () => {
  it('one document per call; a getMore only when the batch is used up', async () => {
    const { scheduler, server, cursor } = setup({ count: 3, latency: 10 }, { batchSize: 2 });
    const got: Promise<unknown>[] = [];
    scheduler.run(() => {
      got.push(cursor.next(), cursor.hasNext());
    });
    // The second call waits behind the first: its step runs once the first has settled.
    const [first, more] = await Promise.all(got);
    assert.deepEqual([first, more], [{ _id: 0 }, true]);
    assert.deepEqual(server.timeline(), ['0:find']);
  });

  it('a next() still waiting when rewind() ends the iteration answers null', async () => {
    const { scheduler, server, cursor } = setup({ count: 3, latency: 10 }, { batchSize: 2 });
    let pending: Promise<unknown> | undefined;
    scheduler.run(() => {
      pending = cursor.next();
      scheduler.schedule(() => cursor.rewind(), 5);
    });
    assert.equal(await pending, null);
    // The find in flight is answered at 10; its cursor is then killed.
    assert.deepEqual(server.timeline(), ['0:find', '10:killCursors']);
    assert.equal(server.openCursors, 0);
    assert.equal(server.checkedOut, 0);
  });

  it('close() ends it too: the waiting call answers null, later calls null without a command', async () => {
    const { scheduler, server, cursor } = setup({ count: 3, latency: 10 }, { batchSize: 2 });
    let pending: Promise<unknown> | undefined;
    scheduler.run(() => {
      pending = cursor.next();
      scheduler.schedule(() => cursor.close().subscribe(), 5);
    });
    assert.equal(await pending, null);
    assert.equal(await cursor.next(), null);
    assert.deepEqual(server.timeline(), ['0:find', '10:killCursors']);
    assert.equal(server.openCursors, 0);
  });
});
