// CSOT for change streams on virtual time (client-side-operations-timeout "Change Streams"):
// timeoutMS bounds the opening aggregate and each next (getMore) on its own; getMore carries
// min(maxAwaitTimeMS, time left); maxAwaitTimeMS must stay below timeoutMS; a resume runs inside
// the deadline of the next that failed; a timeout does not invalidate the stream: a pull iterator
// resumes on its next call, a subscriber resumes at once, once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document } from 'bson';
import { map } from 'rxjs';
import { cursorTimeout } from '../../src/client/session-scope.js';
import type { WatchOptions } from '../../src/cursor/change-stream.js';
import { MongoInvalidArgumentError, MongoOperationTimeoutError } from '../../src/errors.js';
import { record, testScheduler } from '../cursor/harness.js';
import { errorReply, type FakeChangeStreamOptions, FakeChangeStreamServer, watchOn } from './harness.js';

/** watch()'s options as the client takes them (the operation's timeoutMS included). */
type Options = WatchOptions & { readonly timeoutMS?: number };

function setup(o: FakeChangeStreamOptions, options: Options) {
  const scheduler = testScheduler();
  const server = new FakeChangeStreamServer(scheduler, o);
  // As the client wires it: the operation's timeoutMS, checked on subscribe.
  const stream = watchOn(server, options, [], { timeout: (opts) => cursorTimeout(opts, undefined) });
  return { scheduler, server, stream };
}

/** Blocks the first getMore for `ms` (a failCommand blockConnection with times: 1). */
function blockFirstGetMore(ms: number): (name: string) => number {
  let seen = 0;
  return (name) => (name === 'getMore' && ++seen === 1 ? ms : 0);
}

const ids = map((e: Document) =>
  e.operationType === 'insert' ? String(e.documentKey._id) : e.operationType,
);

/** `frame:name maxTimeMS` of each command (`-` without maxTimeMS). */
const timed = (server: FakeChangeStreamServer) =>
  server.log.map((c) => `${c.at}:${c.name} ${c.command.maxTimeMS ?? '-'}`);

describe('change streams under timeoutMS (marbles)', () => {
  it('maxAwaitTimeMS equal to or above timeoutMS, or any timeoutMode, errors on subscribe; nothing is sent', () => {
    for (const options of [
      { timeoutMS: 100, maxAwaitTimeMS: 100 },
      { timeoutMS: 100, maxAwaitTimeMS: 150 },
      { timeoutMS: 100, timeoutMode: 'iteration' } as Options,
    ]) {
      const { scheduler, server, stream } = setup({}, options);
      let error: unknown;
      scheduler.run(() => {
        stream.subscribe({ error: (e: unknown) => (error = e) });
      });
      assert.ok(error instanceof MongoInvalidArgumentError, JSON.stringify(options));
      assert.deepEqual(server.log, []);
    }
  });

  it('timeoutMS bounds the opening aggregate: maxTimeMS is the time left, expiry errors the stream', () => {
    const { scheduler, server, stream } = setup(
      { block: (name) => (name === 'aggregate' ? 500 : 0) },
      { timeoutMS: 200 },
    );
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, stream, { until: 1000 });
    });
    assert.deepEqual(out, ['200:#MongoOperationTimeoutError']);
    assert.deepEqual(timed(server), ['0:aggregate 200']);
    assert.equal(server.checkedOut, 0);
  });

  it('each getMore has a deadline of its own and carries min(maxAwaitTimeMS, time left): a quiet stream never times out', () => {
    const { scheduler, server, stream } = setup({}, { timeoutMS: 200, maxAwaitTimeMS: 150 });
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(700, 'a');
      out = record(scheduler, stream.pipe(ids), { until: 1000 });
    });
    assert.deepEqual(out, ['701:a']);
    // Each getMore waits its 150 ms (+1 latency) and comes back empty before its 200 ms deadline.
    assert.deepEqual(timed(server).slice(0, 6), [
      '0:aggregate 200',
      '1:getMore 150',
      '152:getMore 150',
      '303:getMore 150',
      '454:getMore 150',
      '605:getMore 150',
    ]);
  });

  it('a resume after a resumable getMore error runs within that next call’s deadline', () => {
    const { scheduler, server, stream } = setup(
      {
        block: (name) => (name === 'getMore' ? 120 : 0),
        failGetMore: (n) => (n === 1 ? { reply: errorReply(7, ['ResumableChangeStreamError']) } : undefined),
      },
      { timeoutMS: 200, maxAwaitTimeMS: 50 },
    );
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, stream, { until: 1000 });
    });
    // getMore at 1 (deadline 201) fails at 122: the resume aggregate gets the 79 ms left, and the
    // getMore after it (blocked 120) runs out of that same deadline at 201. That timeout is resumed
    // once with a fresh deadline; from then on each blocked getMore (170 ms) fits its own 200 ms.
    assert.deepEqual(timed(server), [
      '0:aggregate 200',
      '1:getMore 50',
      '122:killCursors -',
      '122:aggregate 79',
      '123:getMore 50',
      '201:killCursors -',
      '201:aggregate 200',
      '202:getMore 50',
      '373:getMore 50',
      '544:getMore 50',
      '715:getMore 50',
      '886:getMore 50',
      // Unsubscribed at 1000: the getMore in flight finishes, then its cursor is killed.
      '1057:killCursors -',
    ]);
    assert.deepEqual(out, []);
    assert.equal(server.names()[6], 'aggregate resumeAfter=T0');
  });

  it('a subscriber resumes once after a getMore timeout; a second timeout in a row errors the stream', () => {
    // No maxAwaitTimeMS: the server waits its default 1000 ms, longer than timeoutMS.
    const { scheduler, server, stream } = setup({}, { timeoutMS: 200 });
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, stream, { until: 2000 });
    });
    assert.deepEqual(out, ['401:#MongoOperationTimeoutError']);
    assert.deepEqual(timed(server), [
      '0:aggregate 200',
      '1:getMore -',
      '201:killCursors -',
      '201:aggregate 200',
      '202:getMore -',
    ]);
    assert.equal(server.checkedOut, 0);
  });

  it('a subscriber keeps its stream through a getMore timeout: resumed with resumeAfter, no event lost', () => {
    const { scheduler, server, stream } = setup(
      { block: blockFirstGetMore(500) },
      { timeoutMS: 200, maxAwaitTimeMS: 50 },
    );
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(100, 'a');
      server.writeAt(300, 'b');
      out = record(scheduler, stream.pipe(ids), { until: 1000 });
    });
    assert.deepEqual(out, ['202:a', '301:b']);
    assert.deepEqual(server.names().slice(0, 5), [
      'aggregate',
      'getMore',
      'killCursors',
      'aggregate resumeAfter=T0',
      'getMore',
    ]);
  });

  it('a pull iterator: a timed-out next() rejects, the stream stays valid, the next call resumes', async () => {
    const { scheduler, server, stream } = setup(
      { block: blockFirstGetMore(500) },
      { timeoutMS: 200, maxAwaitTimeMS: 50 },
    );
    const it = stream[Symbol.asyncIterator]();
    const calls: Promise<unknown>[] = [];
    scheduler.run(() => {
      scheduler.schedule(() => calls.push(it.next()), 0);
      server.writeAt(250, 'a');
      scheduler.schedule(() => calls.push(it.next()), 300);
      scheduler.schedule(() => calls.push(it.tryNext()), 400);
      scheduler.schedule(() => calls.push(it.return?.() ?? Promise.resolve()), 500);
    });
    const [first, second, third] = await Promise.allSettled(calls);
    assert.ok(first?.status === 'rejected' && first.reason instanceof MongoOperationTimeoutError);
    assert.ok(second?.status === 'fulfilled');
    assert.equal((second.value as IteratorResult<Document>).value?.documentKey._id, 'a');
    // tryNext: one getMore, nothing came, null (the stream is still open).
    assert.deepEqual(third, { status: 'fulfilled', value: null });
    assert.deepEqual(server.timeline(), [
      '0:aggregate',
      '1:getMore',
      // Timed out at 201: the old cursor is killed at once; the resume waits for the next call.
      '201:killCursors',
      // The resume brings `a` in its first batch: no getMore needed for that next().
      '300:aggregate',
      '400:getMore',
      '500:killCursors',
    ]);
    assert.equal(server.names()[3], 'aggregate resumeAfter=T0');
  });
});
