// client-side-operations-timeout on virtual time: one deadline across selection, check-out and the
// command; maxTimeMS from the remaining time minus the minimum RTT; expiry closes a connection that
// may still get a reply; timeout() and takeUntil() release exactly as expiry does; legacy options
// without timeoutMS; retries until the deadline; cursor timeout modes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Document, Long } from 'bson';
import { takeUntil, timeout, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { findCursor } from '../../src/cursor/find-cursor.js';
import { MongoOperationTimeoutError, MongoServerError } from '../../src/errors.js';
import { executeOperation } from '../../src/execute/execute-operation.js';
import { runCommandOperation } from '../../src/operations/run-command.js';
import { OneServer, outcome, scoped, testScheduler } from './harness.js';

interface FakeOptions {
  readonly selectMS?: number;
  /** Virtual ms before each reply. */
  readonly latency?: number;
  readonly minRoundTripTime?: number;
  /** Answer with this reply (an `ok: 0` one errors). */
  readonly reply?: (command: Document, n: number) => Document;
}

/** One server answering every command after `latency` (the shared harness's scripted server). */
function fakeServer(ts: TestScheduler, o: FakeOptions = {}): OneServer {
  return new OneServer(ts, {
    selectMS: o.selectMS,
    minRoundTripTime: o.minRoundTripTime,
    script: (command, n) => ({ delay: o.latency ?? 1, reply: o.reply?.(command, n) }),
  });
}

const ping = () => runCommandOperation('admin', { ping: 1, maxTimeMS: 999 });

describe('CSOT (marbles)', () => {
  it('one deadline: maxTimeMS is the time left after selection minus the minimum RTT', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { selectMS: 10, minRoundTripTime: 5, latency: 3 });
    const { log } = outcome(ts, () => executeOperation(fake.ctx, ping(), scoped(100)));
    assert.deepEqual(log, ['13:next', '13:|']);
    assert.equal(fake.sent[0]?.at, 10);
    // 100 - 10 elapsed - 5 RTT; the deprecated maxTimeMS option is replaced; socketTimeoutMS unused.
    assert.equal(fake.sent[0]?.command.maxTimeMS, 85);
    assert.equal(fake.sent[0]?.socketTimeoutMS, 0);
  });

  it('expiry while the reply is awaited: MongoOperationTimeoutError at the deadline, connection closed and released', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 500 });
    const { log, errors } = outcome(ts, () => executeOperation(fake.ctx, ping(), scoped(100)));
    assert.deepEqual(log, ['100:#MongoOperationTimeoutError']);
    assert.match(String((errors[0] as Error).message), /during command/);
    assert.equal(fake.closed, 1);
    assert.equal(fake.checkedOut, 0);
  });

  it('expiry during server selection: the same error, nothing sent, nothing checked out', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { selectMS: Number.POSITIVE_INFINITY });
    const { log, errors } = outcome(ts, () => executeOperation(fake.ctx, ping(), scoped(50)));
    assert.deepEqual(log, ['50:#MongoOperationTimeoutError']);
    assert.match(String((errors[0] as Error).message), /during server selection/);
    assert.equal(fake.sent.length, 0);
    assert.equal(fake.checkedOut, 0);
  });

  it('less time left than the minimum RTT: not sent, the connection goes back unclosed', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { selectMS: 95, minRoundTripTime: 10 });
    const { log } = outcome(ts, () => executeOperation(fake.ctx, ping(), scoped(100)));
    assert.deepEqual(log, ['95:#MongoOperationTimeoutError']);
    assert.equal(fake.sent.length, 0);
    assert.equal(fake.closed, 0);
    assert.equal(fake.checkedOut, 0);
  });

  it('timeoutMS 0: no limit and no maxTimeMS, and the deprecated options are still ignored', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 10_000 });
    const { log } = outcome(ts, () => executeOperation(fake.ctx, ping(), scoped(0)));
    assert.deepEqual(log, ['10000:next', '10000:|']);
    assert.equal('maxTimeMS' in (fake.sent[0]?.command ?? {}), false);
    assert.equal(fake.sent[0]?.socketTimeoutMS, 0);
  });

  it('without timeoutMS the legacy options keep their meaning (maxTimeMS sent as given, socketTimeoutMS)', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 10_000 });
    const { log } = outcome(ts, () => executeOperation(fake.ctx, ping(), scoped(undefined)));
    assert.deepEqual(log, ['10000:next', '10000:|']);
    assert.equal(fake.sent[0]?.command.maxTimeMS, 999);
    assert.equal(fake.sent[0]?.socketTimeoutMS, 7);
  });

  it('timeoutMS drops wtimeout from the write concern', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts);
    const op = runCommandOperation('db', { insert: 'c', writeConcern: { w: 1, wtimeout: 50 } });
    outcome(ts, () => executeOperation(fake.ctx, op, scoped(100)));
    assert.deepEqual(fake.sent[0]?.command.writeConcern, { w: 1 });
  });

  it('MaxTimeMSExpired (code 50) from the server becomes MongoOperationTimeoutError with the server error as cause', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { reply: () => ({ ok: 0, code: 50, errmsg: 'x' }) });
    const { log, errors } = outcome(ts, () => executeOperation(fake.ctx, ping(), scoped(100)));
    assert.deepEqual(log, ['1:#MongoOperationTimeoutError']);
    assert.ok((errors[0] as Error).cause instanceof MongoServerError);
  });

  it('a retryable read is retried as often as the deadline allows, then times out', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 30, reply: () => ({ ok: 0, code: 91, errmsg: 'shutdown' }) });
    const op = {
      ...runCommandOperation('db', { count: 'c' }),
      kind: 'read' as const,
      retryable: 'read' as const,
    };
    const { log } = outcome(ts, () => executeOperation(fake.ctx, op, scoped(100)));
    assert.deepEqual(log, ['100:#MongoOperationTimeoutError']);
    assert.deepEqual(
      fake.sent.map((s) => s.at),
      [0, 30, 60, 90],
    );
    assert.equal(fake.checkedOut, 0);
  });

  it('a retryable error that arrives once the deadline has passed ends as a timeout, with that error as cause', () => {
    const ts = testScheduler();
    // The reply lands exactly at the deadline (a loaded machine makes this common): no retry, and
    // the caller sees the timeout, not the server error it could not retry.
    const fake = fakeServer(ts, { latency: 100, reply: () => ({ ok: 0, code: 91, errmsg: 'shutdown' }) });
    const op = {
      ...runCommandOperation('db', { count: 'c' }),
      kind: 'read' as const,
      retryable: 'read' as const,
    };
    const { log, errors } = outcome(ts, () => executeOperation(fake.ctx, op, scoped(100)));
    assert.deepEqual(log, ['100:#MongoOperationTimeoutError']);
    assert.equal(fake.sent.length, 1);
    assert.ok((errors[0] as Error).cause instanceof MongoServerError);
  });

  it('without timeoutMS a retryable read is retried once', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 30, reply: () => ({ ok: 0, code: 91, errmsg: 'shutdown' }) });
    const op = {
      ...runCommandOperation('db', { count: 'c' }),
      kind: 'read' as const,
      retryable: 'read' as const,
    };
    const { log } = outcome(ts, () => executeOperation(fake.ctx, op, scoped(undefined)));
    assert.deepEqual(log, ['60:#MongoServerError']);
    assert.equal(fake.sent.length, 2);
  });

  it('op.pipe(timeout(40)) cancels and releases exactly as expiry: connection closed, checked in', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 500 });
    const { log } = outcome(ts, () =>
      executeOperation(fake.ctx, ping(), scoped(undefined)).pipe(timeout({ first: 40 })),
    );
    assert.deepEqual(log, ['40:#TimeoutErrorImpl']);
    assert.equal(fake.closed, 1);
    assert.equal(fake.checkedOut, 0);
  });

  it('takeUntil() cancels the same way', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 500 });
    const { log } = outcome(ts, () =>
      executeOperation(fake.ctx, ping(), scoped(undefined)).pipe(takeUntil(timer(25))),
    );
    assert.deepEqual(log, ['25:|']);
    assert.equal(fake.closed, 1);
    assert.equal(fake.checkedOut, 0);
  });

  it('a reply in time keeps the connection (nothing closed)', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 5 });
    outcome(ts, () => executeOperation(fake.ctx, ping(), scoped(100)));
    assert.equal(fake.closed, 0);
  });
});

/** Cursor replies: find opens a cursor of `batches` batches of one document, getMore continues it. */
function cursorReply(command: Document, n: number, batches: number): Document {
  const last = n + 1 >= batches;
  const id = last ? Long.ZERO : Long.fromNumber(7);
  const batch = [{ _id: n }];
  if ('find' in command) return { ok: 1, cursor: { id, ns: 'db.c', firstBatch: batch } };
  if ('getMore' in command) return { ok: 1, cursor: { id, ns: 'db.c', nextBatch: batch } };
  return { ok: 1 };
}

describe('CSOT cursors (marbles)', () => {
  it('cursorLifetime: find carries maxTimeMS, getMores do not, and the lifetime ends them all', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 40, reply: (c, n) => cursorReply(c, n, 5) });
    const cursor = findCursor(
      fake.ctx,
      'db',
      'c',
      {},
      {},
      {
        timeout: () => ({ timeoutMS: 100, mode: 'cursorLifetime' }),
      },
    );
    const { log } = outcome(ts, () => cursor);
    assert.deepEqual(log, ['40:next', '80:next', '100:#MongoOperationTimeoutError']);
    assert.equal(fake.sent[0]?.command.maxTimeMS, 100);
    assert.equal('maxTimeMS' in (fake.sent[1]?.command ?? {}), false);
    assert.equal(fake.checkedOut, 0);
  });

  it('iteration: no maxTimeMS on any command, each getMore has a deadline of its own', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 40, reply: (c, n) => cursorReply(c, n, 5) });
    const cursor = findCursor(
      fake.ctx,
      'db',
      'c',
      {},
      {},
      { timeout: () => ({ timeoutMS: 100, mode: 'iteration' }) },
    );
    const { log } = outcome(ts, () => cursor);
    assert.deepEqual(log, ['40:next', '80:next', '120:next', '160:next', '200:next', '200:|']);
    assert.ok(fake.sent.every((s) => !('maxTimeMS' in s.command)));
  });

  it('tailable awaitData getMore carries min(maxAwaitTimeMS, time left)', () => {
    const ts = testScheduler();
    const fake = fakeServer(ts, { latency: 10, reply: (c, n) => cursorReply(c, n, 2) });
    const cursor = findCursor(
      fake.ctx,
      'db',
      'c',
      {},
      { tailable: true, awaitData: true, maxAwaitTimeMS: 60 },
      { timeout: () => ({ timeoutMS: 50, mode: 'iteration' }) },
    );
    outcome(ts, () => cursor);
    const getMore = fake.sent.find((s) => 'getMore' in s.command);
    // The getMore's own deadline is 50 ms from when it starts: min(60, 50 - 0 RTT).
    assert.equal(getMore?.command.maxTimeMS, 50);
  });
});

describe('CSOT errors', () => {
  it('the timeout error names its cause in its message', () => {
    const cause = new MongoServerError({ ok: 0, code: 50, errmsg: 'operation exceeded time limit' });
    const e = new MongoOperationTimeoutError('timed out', { cause });
    assert.match(e.message, /MongoServerError: operation exceeded time limit/);
    assert.equal(e.cause, cause);
  });
});
