// REUSABLE_REPLIES (GridFS downloads): a cursor hands each reply's bytes back once every document
// of it was emitted, before the getMore that follows, and never while one may still be read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { map, take } from 'rxjs';
import type { FindOptions } from '../../src/operations/find.js';
import { REUSABLE_REPLIES } from '../../src/operations/operation.js';
import { record, findSetup as setup } from './harness.js';

const ids = map((d: { _id?: unknown }) => d._id);
const reusable: FindOptions = { [REUSABLE_REPLIES]: true };

describe('reused replies (marbles)', () => {
  it('hands a reply back once its documents are out, before the next getMore is sent', () => {
    const { scheduler, server, cursor } = setup({ count: 5, latency: 10 }, { batchSize: 2, ...reusable });
    let out: string[] = [];
    scheduler.run(({ cold }) => {
      // One document per 10 ms: a batch is drained before the next getMore goes out.
      const demand$ = cold('a 9ms a 9ms a 9ms a 9ms a', { a: 1 });
      out = record(scheduler, cursor.withDemand(demand$).pipe(ids));
    });
    assert.deepEqual(out, ['10:0', '10:1', '30:2', '30:3', '50:4', '50:|']);
    assert.deepEqual(server.timeline(), ['0:find', '20:getMore', '40:getMore']);
    // Each reply goes back as its last document is out (the find's at 10), so it is free before
    // the next getMore (at 20) is sent, whose reply may be assembled in the same buffer.
    assert.deepEqual(server.released, ['10:find@0', '30:getMore@20', '50:getMore@40']);
  });

  it('with unbounded demand: each reply goes back as its batch is emitted', () => {
    const { scheduler, server, cursor } = setup({ count: 6, latency: 10 }, { batchSize: 2, ...reusable });
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.pipe(ids));
    });
    assert.equal(out.length, 7);
    assert.deepEqual(server.released, ['10:find@0', '20:getMore@10', '30:getMore@20']);
  });

  it('a subscriber leaving hands back the reply whose documents it left behind', () => {
    const { scheduler, server, cursor } = setup({ count: 10, latency: 10 }, { batchSize: 4, ...reusable });
    scheduler.run(() => {
      record(scheduler, cursor.pipe(take(2), ids));
    });
    assert.deepEqual(server.released, ['10:find@0']);
    assert.deepEqual(server.timeline(), ['0:find', '10:killCursors']);
  });

  it('a reply that arrives after the subscriber left goes back at once', () => {
    const { scheduler, server, cursor } = setup({ count: 10, latency: 10 }, { batchSize: 2, ...reusable });
    scheduler.run(() => {
      record(scheduler, cursor.pipe(ids), { until: 15 });
    });
    // The getMore sent at 10 (unbounded demand) is answered at 20, after the unsubscribe at 15.
    assert.deepEqual(server.released, ['10:find@0', '20:getMore@10']);
  });

  it('none without the option, and none for whole batches (toArray, batches())', () => {
    const plain = setup({ count: 5, latency: 1 }, { batchSize: 2 });
    plain.scheduler.run(() => {
      record(plain.scheduler, plain.cursor.pipe(ids));
    });
    assert.deepEqual(plain.server.released, []);
    const whole = setup({ count: 5, latency: 1 }, { batchSize: 2, ...reusable });
    whole.scheduler.run(() => {
      record(whole.scheduler, whole.cursor.batches());
    });
    // The opening find was asked for one (the option is the find's); a batch sink never hands it back.
    assert.deepEqual(whole.server.released, []);
    assert.equal(
      whole.server.log.filter((c) => c.name === 'getMore').length,
      2,
      'the batches were still all read',
    );
  });
});
