// Change streams on virtual time: the getMore loop, resume-token caching, resume after resumable
// errors (once per error, the start option the spec's rules choose, no duplicated or missing
// event), non-resumable errors, invalidate, a missing _id, demand and unsubscribe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document } from 'bson';
import { map, Subject, take } from 'rxjs';
import type { WatchOptions } from '../../src/cursor/change-stream.js';
import { record, testScheduler } from '../cursor/harness.js';
import {
  errorReply,
  type FakeChangeStreamOptions,
  FakeChangeStreamServer,
  token,
  watchOn,
} from './harness.js';

function setup(o: FakeChangeStreamOptions = {}, options: WatchOptions = {}, pipeline: Document[] = []) {
  const scheduler = testScheduler();
  const server = new FakeChangeStreamServer(scheduler, o);
  const stream = watchOn(server, options, pipeline);
  return { scheduler, server, stream };
}

const ids = map((e: Document) =>
  e.operationType === 'insert' ? String(e.documentKey._id) : e.operationType,
);

describe('change streams (marbles)', () => {
  it('opens one $changeStream aggregate, then loops getMore waiting maxAwaitTimeMS for events', () => {
    const { scheduler, server, stream } = setup({}, { maxAwaitTimeMS: 100 });
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(50, 'a');
      server.writeAt(60, 'b');
      out = record(scheduler, stream.pipe(ids), { until: 300 });
    });
    // aggregate at 0 (reply at 1), getMore at 1 answered when `a` arrives at 50 (+1 latency: 51);
    // `b` is found at once by the next getMore.
    assert.deepEqual(out, ['51:a', '61:b']);
    assert.deepEqual(server.timeline().slice(0, 4), ['0:aggregate', '1:getMore', '51:getMore', '61:getMore']);
    const cmd = server.log[0]?.command as Document;
    assert.deepEqual(cmd.pipeline, [{ $changeStream: {} }]);
    assert.equal(server.log[1]?.command.maxTimeMS, 100);
    // Unsubscribe kills the server cursor.
    assert.equal(server.names().at(-1), 'killCursors');
    assert.equal(server.openCursors, 0);
  });

  it('caches the postBatchResumeToken of empty batches and of the last event of a batch, else the _id', () => {
    const { scheduler, server, stream } = setup({}, { maxAwaitTimeMS: 10, batchSize: 2 });
    const tokens: string[] = [];
    scheduler.run(() => {
      scheduler.schedule(() => {
        server.write('a');
        server.write('b');
        server.write('c');
      }, 15);
      stream
        .withResumeTokens()
        .pipe(take(6))
        .subscribe((u) =>
          tokens.push(`${scheduler.now()}:${u.resumeToken._data}${u.change ? '+event' : ''}`),
        );
    });
    // aggregate reply (empty, pbrt T0), an empty getMore at 12, then a, b (batch of 2: b gets the
    // batch's pbrt T2, which is its own position), then c.
    assert.deepEqual(tokens, ['1:T0', '12:T0', '16:T1+event', '16:T2+event', '17:T3+event', '28:T3']);
  });

  it('resumes once after a network error on getMore with resumeAfter, with no duplicate and no gap', () => {
    const { scheduler, server, stream } = setup(
      { failGetMore: (n) => (n === 2 ? { network: true } : undefined) },
      { maxAwaitTimeMS: 10 },
    );
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(5, 'a');
      server.writeAt(20, 'b');
      server.writeAt(21, 'c');
      out = record(scheduler, stream.pipe(ids, take(3)), { until: 1000 });
    });
    assert.deepEqual(out, ['6:a', '21:b', '21:c', '21:|']);
    // getMore #2 fails at 7: killCursors on the old cursor, then the aggregate resumes after `a`.
    // The stream's subscriber has unbounded demand: after the resumed cursor's first batch each
    // getMore goes out as the previous batch arrives, so one is in flight when take(3) ends.
    assert.deepEqual(server.names(), [
      'aggregate',
      'getMore',
      'getMore',
      'killCursors',
      'aggregate resumeAfter=T1',
      'getMore',
      'getMore',
      'getMore',
      'killCursors',
    ]);
  });

  it('resumes after every resumable error as long as each resume aggregate succeeds', () => {
    const { scheduler, server, stream } = setup(
      {
        failGetMore: (n) => (n <= 3 ? { reply: errorReply(91, ['ResumableChangeStreamError']) } : undefined),
      },
      { maxAwaitTimeMS: 10 },
    );
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(30, 'a');
      out = record(scheduler, stream.pipe(ids, take(1)), { until: 1000 });
    });
    assert.deepEqual(out, ['31:a', '31:|']);
    const names = server.names().filter((n) => n !== 'killCursors');
    // Empty getMores (maxAwaitTimeMS 10) follow until `a` arrives at 30.
    assert.ok(names.slice(8).every((n) => n === 'getMore'));
    assert.deepEqual(names.slice(0, 8), [
      'aggregate',
      'getMore',
      'aggregate resumeAfter=T0',
      'getMore',
      'aggregate resumeAfter=T0',
      'getMore',
      'aggregate resumeAfter=T0',
      'getMore',
    ]);
  });

  it('a server error without the ResumableChangeStreamError label (4.4+) reaches the subscriber', () => {
    const { scheduler, server, stream } = setup({ failGetMore: () => ({ reply: errorReply(91) }) });
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, stream, { until: 1000 });
    });
    assert.deepEqual(out, ['2:#MongoServerError']);
    // A getMore the server refused may leave its cursor open: the run kills it as it ends.
    assert.deepEqual(server.names(), ['aggregate', 'getMore', 'killCursors']);
  });

  it('before 4.4 the listed codes resume and others do not; CursorNotFound always resumes', () => {
    const listed = setup({
      maxWireVersion: 8,
      failGetMore: (n) => (n === 1 ? { reply: errorReply(189) } : undefined),
    });
    const other = setup({ maxWireVersion: 8, failGetMore: () => ({ reply: errorReply(2) }) });
    const notFound = setup({ failGetMore: (n) => (n === 1 ? { reply: errorReply(43) } : undefined) });
    const outs: string[][] = [];
    for (const s of [listed, other, notFound]) {
      s.scheduler.run(() => {
        s.server.writeAt(10, 'a');
        outs.push(record(s.scheduler, s.stream.pipe(ids, take(1)), { until: 1000 }));
      });
    }
    assert.deepEqual(outs, [['11:a', '11:|'], ['2:#MongoServerError'], ['11:a', '11:|']]);
  });

  it('without a token it resumes at the operationTime of the first aggregate; with nothing, as it started', () => {
    const withTime = setup(
      { noPostBatchResumeToken: true, failGetMore: (n) => (n === 1 ? { network: true } : undefined) },
      {},
    );
    withTime.scheduler.run(() => {
      withTime.server.write('x'); // before the stream: not to be seen
      withTime.server.writeAt(3, 'a'); // after the first aggregate (reply at 1) and the failed getMore (2)
      record(withTime.scheduler, withTime.stream.pipe(take(1)), { until: 1000 });
    });
    // operationTime of the first reply: 2*1+1 = 3.
    assert.deepEqual(withTime.server.names().slice(0, 4), [
      'aggregate',
      'getMore',
      'killCursors',
      'aggregate startAtOperationTime=3',
    ]);
  });

  it('startAfter: resumes with startAfter until an event was emitted, then with resumeAfter', () => {
    const before = setup(
      { failGetMore: (n) => (n === 1 ? { network: true } : undefined), noPostBatchResumeToken: true },
      { startAfter: token(0) },
    );
    before.scheduler.run(() => {
      before.server.writeAt(10, 'a');
      record(before.scheduler, before.stream.pipe(take(1)), { until: 1000 });
    });
    assert.deepEqual(before.server.names().slice(0, 4), [
      'aggregate startAfter=T0',
      'getMore',
      'killCursors',
      'aggregate startAfter=T0',
    ]);
    const afterOne = setup(
      { failGetMore: (n) => (n === 2 ? { network: true } : undefined) },
      { startAfter: token(0) },
    );
    afterOne.scheduler.run(() => {
      afterOne.server.writeAt(5, 'a');
      afterOne.server.writeAt(30, 'b');
      record(afterOne.scheduler, afterOne.stream.pipe(take(2)), { until: 1000 });
    });
    assert.deepEqual(afterOne.server.names().slice(0, 5), [
      'aggregate startAfter=T0',
      'getMore',
      'getMore',
      'killCursors',
      'aggregate resumeAfter=T1',
    ]);
  });

  it('ends after emitting invalidate (and kills nothing the server closed)', () => {
    const { scheduler, server, stream } = setup({}, { maxAwaitTimeMS: 10 });
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(5, 'a');
      server.writeAt(6, 'a', { operationType: 'drop' });
      server.writeAt(6, 'a', { operationType: 'invalidate' });
      out = record(scheduler, stream.pipe(ids), { until: 1000 });
    });
    assert.deepEqual(out, ['6:a', '6:drop', '6:invalidate', '6:|']);
    assert.equal(server.openCursors, 0);
    assert.ok(!server.names().includes('killCursors'));
  });

  it('an event without _id errors the stream with MongoChangeStreamError and kills the cursor', () => {
    const { scheduler, server, stream } = setup({}, {}, [{ $project: { _id: 0 } }]);
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(5, 'a');
      out = record(scheduler, stream, { until: 1000 });
    });
    assert.deepEqual(out, ['6:#MongoChangeStreamError']);
    assert.equal(server.names().at(-1), 'killCursors');
    assert.equal(server.openCursors, 0);
  });

  it('withDemand emits no more events than requested; getMore waits for demand', () => {
    const { scheduler, server, stream } = setup({}, { maxAwaitTimeMS: 10 });
    let out: string[] = [];
    const demand = new Subject<number>();
    scheduler.run(() => {
      scheduler.schedule(() => {
        for (const id of ['a', 'b', 'c', 'd']) server.write(id);
      }, 2);
      out = record(scheduler, stream.withDemand(demand).pipe(ids), { until: 100 });
      scheduler.schedule(() => demand.next(1), 0);
      scheduler.schedule(() => demand.next(2), 50);
    });
    assert.deepEqual(out, ['3:a', '50:b', '50:c']);
    // One aggregate, one getMore that brought all four; no getMore while demand was covered.
    assert.deepEqual(server.names(), ['aggregate', 'getMore', 'killCursors']);
  });
});
