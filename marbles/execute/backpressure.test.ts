// client-backpressure on virtual time: retries after retryable overload errors wait
// `jitter * min(10 s, base * 2^attempt)` on the scheduler, stop after maxAdaptiveRetries (2 by
// default), share that budget with the retryable reads/writes retries, respect retryReads /
// retryWrites, never outlive a CSOT deadline, and retarget only when asked to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document } from 'bson';
import { MongoNetworkError, MongoServerError } from '../../src/errors.js';
import type { ExecutionContext } from '../../src/execute/context.js';
import { executeOperation } from '../../src/execute/execute-operation.js';
import { overloadBackoffMS } from '../../src/execute/retry-rules.js';
import type { CommandOperation } from '../../src/operations/operation.js';
import { runCommandOperation } from '../../src/operations/run-command.js';
import { OneServer, outcome, type Script, scoped, testScheduler } from './harness.js';

const BOTH = ['SystemOverloadedError', 'RetryableError'];
const overloaded = (labels = BOTH, extra: Document = {}): Document => ({
  ok: 0,
  code: 462,
  codeName: 'IngressRequestRateLimitExceeded',
  errmsg: 'rate exceeded',
  errorLabels: labels,
  ...extra,
});

/** Fails the first `n` commands with `reply` (every command when n is Infinity). */
const failFirst =
  (n: number, reply: () => Document | Error): Script =>
  (_command, index) => {
    if (index >= n) return {};
    const r = reply();
    return r instanceof Error ? { error: r } : { reply: r };
  };

/** A write retryable under retryable-writes (insert, ...), as data. */
const write = (): CommandOperation<Document> => ({
  commandName: 'insert',
  dbName: 'db',
  kind: 'write',
  retryable: 'write',
  build: () => ({ command: { insert: 'c', documents: [{ _id: 1 }] } }),
  parse: (reply) => reply,
});

/** A read retryable under retryable-reads (count, find, ...), as data. */
const read = (): CommandOperation<Document> => ({
  commandName: 'count',
  dbName: 'db',
  kind: 'read',
  retryable: 'read',
  build: () => ({ command: { count: 'c' } }),
  parse: (reply) => reply,
});

function run(
  script: Script,
  ctx: Partial<ExecutionContext> = {},
  op: CommandOperation<unknown> = runCommandOperation('db', { ping: 1 }),
  timeoutMS?: number,
) {
  const ts = testScheduler();
  const server = new OneServer(ts, { script, ctx: { jitter: () => 1, ...ctx } });
  const { log, errors } = outcome(ts, () => executeOperation(server.ctx, op, scoped(timeoutMS)));
  return { log, errors, at: server.sent.map((s) => s.at), server };
}

describe('client backpressure (marbles)', () => {
  it('the backoff formula: jitter * min(10000, base * 2^attempt), base 100 unless the error gives baseBackoffMS', () => {
    assert.equal(overloadBackoffMS(1, 1, undefined), 200);
    assert.equal(overloadBackoffMS(2, 0.5, undefined), 200);
    assert.equal(overloadBackoffMS(10, 1, undefined), 10_000);
    assert.equal(overloadBackoffMS(1, 1, new MongoServerError(overloaded(BOTH, { baseBackoffMS: 50 }))), 100);
    assert.equal(overloadBackoffMS(1, 1, new MongoServerError(overloaded(BOTH, { baseBackoffMS: 0 }))), 200);
  });

  it('an always-overloaded server: 1 + 2 attempts, the retries after 200 and 400 ms (jitter 1), then its error', () => {
    const { log, at, errors } = run(failFirst(Number.POSITIVE_INFINITY, () => overloaded()));
    // attempt 0 answers at 1; +200 -> sent at 201, answers at 202; +400 -> sent at 602, answers at 603.
    assert.deepEqual(at, [0, 201, 602]);
    assert.deepEqual(log, ['603:#MongoServerError']);
    const error = errors[0] as MongoServerError;
    assert.ok(error.hasErrorLabel('SystemOverloadedError') && error.hasErrorLabel('RetryableError'));
  });

  it('jitter 0 retries at once; jitter 0.5 halves each backoff', () => {
    assert.deepEqual(
      run(
        failFirst(9, () => overloaded()),
        { jitter: () => 0 },
      ).at,
      [0, 1, 2],
    );
    assert.deepEqual(
      run(
        failFirst(9, () => overloaded()),
        { jitter: () => 0.5 },
      ).at,
      [0, 101, 302],
    );
  });

  it("the server's baseBackoffMS replaces the base: 100 and 200 ms", () => {
    const { at } = run(failFirst(9, () => overloaded(BOTH, { baseBackoffMS: 50 })));
    assert.deepEqual(at, [0, 101, 302]);
  });

  it('succeeds on a retry: the result, once', () => {
    const { log, at } = run(failFirst(1, () => overloaded()));
    assert.deepEqual(at, [0, 201]);
    assert.deepEqual(log, ['202:next', '202:|']);
  });

  it('maxAdaptiveRetries: 1 allows one retry, 0 none', () => {
    assert.deepEqual(
      run(
        failFirst(9, () => overloaded()),
        { maxAdaptiveRetries: 1 },
      ).at,
      [0, 201],
    );
    assert.deepEqual(
      run(
        failFirst(9, () => overloaded()),
        { maxAdaptiveRetries: 0 },
      ).at,
      [0],
    );
  });

  it('both labels are needed: SystemOverloadedError alone (or RetryableError alone) is not retried', () => {
    assert.deepEqual(run(failFirst(9, () => overloaded(['SystemOverloadedError']))).at, [0]);
    assert.deepEqual(run(failFirst(9, () => overloaded(['RetryableError']))).at, [0]);
  });

  it('runCommand needs retryReads and retryWrites; a read needs retryReads', () => {
    const always = failFirst(9, () => overloaded());
    assert.deepEqual(run(always, { retryWrites: false }).at, [0]);
    assert.deepEqual(run(always, { retryReads: false }).at, [0]);
    assert.deepEqual(run(always, { retryWrites: false }, read()).at, [0, 201, 602]);
    assert.deepEqual(run(always, { retryReads: false }, read()).at, [0]);
  });

  it('a retryable write on a server without retryable writes (standalone) is still retried on overload, without txnNumber', () => {
    const { at, server } = run(
      failFirst(9, () => overloaded()),
      {},
      write(),
    );
    assert.deepEqual(at, [0, 201, 602]);
    assert.ok(server.sent.every((s) => !('txnNumber' in s.command)));
  });

  it('a retryable-reads error (network) is retried at once, without backoff, and only once', () => {
    const { at, log } = run(
      failFirst(9, () => new MongoNetworkError('reset')),
      {},
      read(),
    );
    assert.deepEqual(at, [0, 1]);
    assert.deepEqual(log, ['2:#MongoNetworkError']);
  });

  it('after an overload error the budget is 2 retries for every policy; backoff only before an overload retry', () => {
    // overload, then a network error (a retryable read), then overload again: 3 attempts in all.
    const script: Script = (_c, i) =>
      i === 1 ? { error: new MongoNetworkError('reset') } : { reply: overloaded() };
    const { at } = run(script, {}, read());
    // 0 -> overload -> 200 ms -> 201 -> network error at 202 -> at once -> 202 -> stop (2 retries).
    assert.deepEqual(at, [0, 201, 202]);
  });

  it('a network error first, then overload errors: the read gets 2 retries in all (not 1)', () => {
    const script: Script = (_c, i) =>
      i === 0 ? { error: new MongoNetworkError('reset') } : { reply: overloaded() };
    const { at } = run(script, {}, read());
    // 0 -> network at 1 -> at once: 1 -> overload at 2 -> 2nd retry after 400 ms: 402 -> stop.
    assert.deepEqual(at, [0, 1, 402]);
  });

  it('CSOT: no retry whose backoff would end after the deadline; the overload error as it is', () => {
    const { at, log } = run(
      failFirst(9, () => overloaded()),
      {},
      undefined,
      300,
    );
    // 0 -> 1 -> +200 -> 201 -> 202: the next backoff (400) would end at 602 > 300.
    assert.deepEqual(at, [0, 201]);
    assert.deepEqual(log, ['202:#MongoServerError']);
  });

  it('CSOT: the overload budget caps retries that CSOT alone would repeat until the deadline', () => {
    const { at } = run(
      failFirst(99, () => overloaded()),
      { jitter: () => 0 },
      undefined,
      10_000,
    );
    assert.deepEqual(at, [0, 1, 2]);
  });

  it('a retry after an overload error selects again, avoiding the server only with enableOverloadRetargeting', () => {
    const off = run(failFirst(1, () => overloaded()));
    assert.deepEqual(off.server.selections, [[], []]);
    const on = run(
      failFirst(1, () => overloaded()),
      { enableOverloadRetargeting: true },
    );
    assert.deepEqual(on.server.selections, [[], ['a:1']]);
  });
});
