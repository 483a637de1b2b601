// Transactions on virtual time: the convenient API's retry loop and its 120-second limit, the
// commit retry, unsubscribe-aborts, and what each command of a transaction carries (transactions
// and transactions-convenient-api specs), against a scripted deployment on the TestScheduler's clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Document, Long } from 'bson';
import { concat, defer, ignoreElements, NEVER, type Observable, of, throwError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { sessionContext } from '../../spec/support/session-context.js';
import { Collection } from '../../src/client/collection.js';
import type { Connection } from '../../src/connection/types.js';
import {
  MongoNetworkError,
  MongoServerError,
  TRANSIENT_TRANSACTION_ERROR,
  UNKNOWN_TRANSACTION_COMMIT_RESULT,
} from '../../src/errors.js';
import { ClusterClock } from '../../src/execute/cluster-clock.js';
import { executeOperation } from '../../src/execute/execute-operation.js';
import { unknownServerDescription } from '../../src/sdam/description/server-description.js';
import type { SelectedServer, TopologyLike } from '../../src/sdam/topology-contract.js';
import { ClientSession, type SessionOwner } from '../../src/session/client-session.js';
import { ServerSessionPool } from '../../src/session/server-session-pool.js';
import { nameOf, type Script, type Sent, scriptedConnection, testScheduler } from '../execute/harness.js';

const SECOND = 1000;

/**
 * Servers of a replica set (one primary), of a sharded cluster (routers chosen in turn), or one
 * load balancer; `held` lists the connections checked out for longer than a command (pinned).
 */
function deployment(scheduler: TestScheduler, script: Script, routers = 0, loadBalanced = false) {
  const sent: Sent[] = [];
  const held = new Set<number>();
  let connections = 0;
  const owner: SessionOwner = {
    pool: new ServerSessionPool(),
    clusterClock: new ClusterClock(),
    now: () => scheduler.now(),
    execute: (op, scope) => executeOperation(ctx, op, scope),
  };
  const connect = (address: string): Connection =>
    scriptedConnection(scheduler, ++connections, address, script, sent);
  const server = (address: string): SelectedServer => ({
    description: {
      ...unknownServerDescription(address),
      type: loadBalanced ? 'LoadBalancer' : routers > 0 ? 'Mongos' : 'RSPrimary',
      maxWireVersion: 21,
      logicalSessionTimeoutMinutes: 30,
    },
    topologyType: loadBalanced ? 'LoadBalanced' : routers > 0 ? 'Sharded' : 'ReplicaSetWithPrimary',
    withConnection: <T>(fn: (c: Connection) => Observable<T>) => defer(() => fn(connect(address))),
    reportError: () => {},
    hold: () =>
      defer(() => {
        const connection = connect(address);
        held.add(connection.id);
        return of({ connection, release: () => held.delete(connection.id) });
      }),
  });
  const servers =
    routers > 0 ? Array.from({ length: routers }, (_, i) => server(`m${i}:1`)) : [server('a:1')];
  let selections = 0;
  const topology: TopologyLike = {
    description$: of(),
    selectServer: () => of(servers[selections++ % servers.length]),
    connect: () => {},
    close: () => of(undefined),
  };
  const { ctx, context } = sessionContext(owner, topology, scheduler);
  return {
    sent,
    held,
    coll: new Collection(context, 'db', 'c'),
    session: new ClientSession(owner, {}, true),
  };
}

const failure = (code: number, labels: string[] = []) =>
  new MongoServerError({ ok: 0, code, errmsg: `error ${code}`, errorLabels: labels });

describe('withTransaction on virtual time', () => {
  it('runs the callback again on TransientTransactionError until 120 s have passed, then fails with that error', () => {
    const scheduler = testScheduler();
    const transient = failure(112, [TRANSIENT_TRANSACTION_ERROR]);
    scheduler.run(({ expectObservable, flush }) => {
      // Each insert fails 30 s after it was sent; each abort is answered at once.
      const { sent, coll, session } = deployment(scheduler, (c) =>
        nameOf(c) === 'insert' ? { delay: 30 * SECOND, error: transient } : { delay: 0 },
      );
      const out = session.withTransaction((s) => coll.insertOne({ x: 1 }, { session: s }));
      expectObservable(out).toBe(`${120 * SECOND}ms #`, undefined, transient);
      flush();
      const inserts = sent.filter((s) => nameOf(s.command) === 'insert');
      assert.deepEqual(
        inserts.map((s) => s.at),
        [0, 30 * SECOND, 60 * SECOND, 90 * SECOND],
      );
      // Each attempt is a new transaction (txnNumber 1..4) that starts, and each failed one is aborted.
      assert.deepEqual(
        inserts.map((s) => [Number(s.command.txnNumber), s.command.startTransaction]),
        [
          [1, true],
          [2, true],
          [3, true],
          [4, true],
        ],
      );
      assert.equal(sent.filter((s) => nameOf(s.command) === 'abortTransaction').length, 4);
      assert.equal(sent.filter((s) => nameOf(s.command) === 'commitTransaction').length, 0);
    });
  });

  it('commits again on UnknownTransactionCommitResult (w: majority, wtimeout 10000) until the limit', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      // Every commit fails with a network error 20 s after it was sent.
      const { sent, coll, session } = deployment(scheduler, (c) =>
        nameOf(c) === 'commitTransaction'
          ? { delay: 20 * SECOND, error: new MongoNetworkError('connection reset') }
          : {},
      );
      let error: unknown;
      let failedAt = -1;
      session
        .withTransaction((s) => coll.insertOne({ x: 1 }, { session: s }))
        .subscribe({
          error: (e) => {
            error = e;
            failedAt = scheduler.now();
          },
        });
      flush();
      // Each commitTransaction is sent, then retried once at once; withTransaction commits again
      // while less than 120 s have passed (the third call's retry fails at 120.001 s).
      const commits = sent.filter((s) => nameOf(s.command) === 'commitTransaction');
      assert.deepEqual(
        commits.map((s) => s.at),
        [1, 1 + 20 * SECOND, 1 + 40 * SECOND, 1 + 60 * SECOND, 1 + 80 * SECOND, 1 + 100 * SECOND],
      );
      assert.equal(failedAt, 1 + 120 * SECOND);
      assert.equal(commits[0].command.writeConcern, undefined);
      for (const retry of commits.slice(1))
        assert.deepEqual(retry.command.writeConcern, { w: 'majority', wtimeout: 10_000 });
      assert.ok(commits.every((c) => c.db === 'admin' && Number(c.command.txnNumber) === 1));
      assert.ok(error instanceof MongoNetworkError);
      assert.ok(error.hasErrorLabel(UNKNOWN_TRANSACTION_COMMIT_RESULT));
    });
  });

  it('does not commit again after MaxTimeMSExpired', () => {
    const scheduler = testScheduler();
    const maxTime = failure(50);
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll, session } = deployment(scheduler, (c) =>
        nameOf(c) === 'commitTransaction' ? { delay: 5, error: maxTime } : {},
      );
      const out = session.withTransaction((s) => coll.insertOne({ x: 1 }, { session: s }));
      expectObservable(out).toBe('6ms #', undefined, maxTime);
      flush();
      assert.equal(sent.filter((s) => nameOf(s.command) === 'commitTransaction').length, 1);
      assert.ok(maxTime.hasErrorLabel(UNKNOWN_TRANSACTION_COMMIT_RESULT));
    });
  });

  it("emits the callback's last value once the commit succeeded", () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll, session } = deployment(scheduler, (c) =>
        nameOf(c) === 'commitTransaction' ? { delay: 7 } : { delay: 2 },
      );
      const out = session.withTransaction((s) =>
        concat(coll.insertOne({ x: 1 }, { session: s }).pipe(ignoreElements()), of('a', 'b', 'c')),
      );
      // insert 0-2, commit 2-9: 'c' at 9, then complete.
      expectObservable(out).toBe('9ms (c|)');
      flush();
      assert.deepEqual(
        sent.map((s) => nameOf(s.command)),
        ['insert', 'commitTransaction'],
      );
    });
  });

  it('a callback error aborts the transaction and reaches the subscriber unchanged', () => {
    const scheduler = testScheduler();
    const mine = new Error('callback failed');
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll, session } = deployment(scheduler, () => ({ delay: 2 }));
      const out = session.withTransaction((s) =>
        concat(
          coll.insertOne({ x: 1 }, { session: s }),
          throwError(() => mine),
        ),
      );
      // insert 0-2, abort 2-4, then the callback's own error.
      expectObservable(out).toBe('4ms #', undefined, mine);
      flush();
      assert.deepEqual(
        sent.map((s) => [nameOf(s.command), s.at]),
        [
          ['insert', 0],
          ['abortTransaction', 2],
        ],
      );
      assert.equal(session.transactionState, 'aborted');
    });
  });

  it('unsubscribing aborts the transaction: the statement in flight is cancelled and nothing follows the abort', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll, session } = deployment(scheduler, (c) =>
        nameOf(c) === 'insert' ? { delay: 10 } : { delay: 3 },
      );
      // A first insert (0-10), then a second one still in flight when the subscriber leaves at 15.
      const out = session.withTransaction((s) =>
        concat(
          coll.insertOne({ x: 1 }, { session: s }).pipe(ignoreElements()),
          coll.insertOne({ x: 2 }, { session: s }),
          NEVER,
        ),
      );
      expectObservable(out, '15ms !').toBe('');
      flush();
      assert.deepEqual(
        sent.map((s) => [nameOf(s.command), s.at]),
        [
          ['insert', 0],
          ['insert', 10],
          ['abortTransaction', 15],
        ],
      );
      assert.equal(session.transactionState, 'aborted');
    });
  });

  it('unsubscribing after the commit was sent aborts nothing', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll, session } = deployment(scheduler, (c) =>
        nameOf(c) === 'commitTransaction' ? { delay: 50 } : { delay: 1 },
      );
      const out = session.withTransaction((s) => coll.insertOne({ x: 1 }, { session: s }));
      expectObservable(out, '20ms !').toBe('');
      flush();
      assert.deepEqual(
        sent.map((s) => nameOf(s.command)),
        ['insert', 'commitTransaction'],
      );
    });
  });
});

describe('the commands of a transaction', () => {
  it('startTransaction and readConcern on the first statement only, autocommit on each, no writeConcern; commit to admin', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll, session } = deployment(scheduler, () => ({}));
      session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
      const out = concat(
        coll.insertOne({ x: 1 }, { session, writeConcern: { w: 1 } }),
        coll.insertOne({ x: 2 }, { session }),
        session.commitTransaction(),
      ).pipe(ignoreElements());
      expectObservable(out).toBe('3ms |');
      flush();
      const [first, second, commit] = sent.map((s) => s.command);
      assert.equal(first.startTransaction, true);
      assert.deepEqual(first.readConcern, { level: 'snapshot' });
      assert.equal(second.startTransaction, undefined);
      assert.equal(second.readConcern, undefined);
      for (const c of [first, second]) {
        assert.equal(c.autocommit, false);
        assert.equal(c.writeConcern, undefined);
      }
      assert.equal(sent[2].db, 'admin');
      assert.deepEqual(commit.writeConcern, { w: 'majority' });
      assert.equal(commit.autocommit, false);
      assert.ok([first, second, commit].every((c) => Number(c.txnNumber) === 1));
      assert.equal(session.transactionState, 'committed');
    });
  });

  it('statements are not retried inside a transaction, and a network error is labelled TransientTransactionError', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const reset = new MongoNetworkError('connection reset');
      const { sent, coll, session } = deployment(scheduler, () => ({ delay: 2, error: reset }));
      session.startTransaction();
      expectObservable(coll.insertOne({ x: 1 }, { session })).toBe('2ms #', undefined, reset);
      flush();
      assert.equal(sent.length, 1);
      assert.ok(reset.hasErrorLabel(TRANSIENT_TRANSACTION_ERROR));
    });
  });

  it('a read preference other than primary is refused before anything is sent', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { sent, coll, session } = deployment(scheduler, () => ({}));
      session.startTransaction({ readPreference: 'secondary' });
      let message = '';
      coll.findOne({}, { session }).subscribe({ error: (e: Error) => (message = e.message) });
      flush();
      assert.match(message, /Read preference in a transaction must be primary/);
      assert.equal(sent.length, 0);
    });
  });

  it('mongos pinning: every command of the transaction goes to the first router; recoveryToken goes back on commit', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const token = { recoveryShardId: 'shard0' };
      const { sent, coll, session } = deployment(
        scheduler,
        (c) => (nameOf(c) === 'insert' ? { reply: { ok: 1, n: 1, recoveryToken: token } } : {}),
        2,
      );
      session.startTransaction();
      concat(
        coll.insertOne({ x: 1 }, { session }),
        coll.insertOne({ x: 2 }, { session }),
        defer(() => {
          assert.equal(session.isPinned, true);
          return session.commitTransaction();
        }),
        // An operation outside a transaction unpins: it goes wherever selection says.
        coll.insertOne({ x: 3 }, { session }),
        coll.insertOne({ x: 4 }, { session }),
      ).subscribe();
      flush();
      assert.deepEqual(
        sent.map((s) => [nameOf(s.command), s.address]),
        [
          ['insert', 'm0:1'],
          ['insert', 'm0:1'],
          ['commitTransaction', 'm0:1'],
          ['insert', 'm1:1'],
          ['insert', 'm0:1'],
        ],
      );
      assert.deepEqual(sent[2].command.recoveryToken, token);
      assert.equal(session.isPinned, false);
    });
  });

  it('endSession aborts an open transaction', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { sent, coll, session } = deployment(scheduler, () => ({}));
      session.startTransaction();
      concat(coll.insertOne({ x: 1 }, { session }), session.endSession()).subscribe();
      flush();
      assert.deepEqual(
        sent.map((s) => nameOf(s.command)),
        ['insert', 'abortTransaction'],
      );
      assert.equal(session.hasEnded, true);
    });
  });

  it('load-balanced: the first statement pins a connection that the whole transaction uses, kept after commit until the session runs something else', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { sent, held, coll, session } = deployment(scheduler, () => ({}), 0, true);
      session.startTransaction();
      const pinnedAfterCommit: number[] = [];
      concat(
        coll.insertOne({ x: 1 }, { session }),
        coll.insertOne({ x: 2 }, { session }),
        session.commitTransaction(),
        defer(() => {
          pinnedAfterCommit.push(...held);
          return coll.insertOne({ x: 3 }, { session });
        }),
      ).subscribe();
      flush();
      const ids = sent.map((s) => s.connectionId);
      assert.equal(ids[0], ids[1]);
      assert.equal(ids[1], ids[2], 'the commit goes on the pinned connection');
      assert.deepEqual(pinnedAfterCommit, [ids[0]]);
      assert.notEqual(ids[3], ids[0], 'an operation outside the transaction checks out its own');
      assert.equal(held.size, 0);
      assert.equal(session.isPinned, false);
    });
  });

  it('load-balanced: abort releases the pinned connection', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const { held, coll, session } = deployment(scheduler, () => ({}), 0, true);
      session.startTransaction();
      concat(coll.insertOne({ x: 1 }, { session }), session.abortTransaction()).subscribe();
      flush();
      assert.equal(held.size, 0);
    });
  });

  it('load-balanced: a cursor keeps its connection for find and getMore and gives it back when exhausted', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const batch = (id: number, docs: Document[]) => ({
        ok: 1,
        cursor: { id: Long.fromNumber(id), ns: 'db.c', firstBatch: docs, nextBatch: docs },
      });
      const { sent, held, coll } = deployment(
        scheduler,
        (c) => ({ reply: nameOf(c) === 'find' ? batch(7, [{ _id: 1 }]) : batch(0, [{ _id: 2 }]) }),
        0,
        true,
      );
      const during: number[] = [];
      coll.find({}, { batchSize: 1 }).subscribe({ next: () => during.push(held.size) });
      flush();
      assert.deepEqual(
        sent.map((s) => nameOf(s.command)),
        ['find', 'getMore'],
      );
      assert.equal(sent[0].connectionId, sent[1].connectionId);
      assert.equal(during[0], 1);
      assert.equal(held.size, 0, 'released once the server cursor is exhausted');
    });
  });
});

describe('load-balanced cursors: the pinned connection', () => {
  const batch = (id: number, docs: Document[]) => ({
    ok: 1,
    cursor: { id: Long.fromNumber(id), ns: 'db.c', firstBatch: docs, nextBatch: docs },
  });

  it('closing the iterator (return) resolves only once killCursors answered and the connection is back', async () => {
    const scheduler = testScheduler();
    const { sent, held, coll } = deployment(
      scheduler,
      (c) => {
        if (nameOf(c) === 'find') return { reply: batch(7, [{ _id: 1 }, { _id: 2 }]) };
        return { delay: 10, reply: { ok: 1, cursorsKilled: [7] } };
      },
      0,
      true,
    );
    const iterator = coll.find({}, { batchSize: 2 })[Symbol.asyncIterator]();
    const first = iterator.next();
    scheduler.flush();
    assert.deepEqual((await first).value, { _id: 1 });
    let closed = false;
    const closing = iterator.return?.().then(() => {
      closed = true;
    });
    await Promise.resolve();
    assert.equal(closed, false, 'close waits for killCursors');
    assert.equal(held.size, 1, 'the connection stays pinned while killCursors is in flight');
    scheduler.flush();
    await closing;
    assert.equal(closed, true);
    assert.equal(held.size, 0);
    assert.deepEqual(
      sent.map((s) => [nameOf(s.command), s.connectionId]),
      [
        ['find', 1],
        ['killCursors', 1],
      ],
    );
  });

  /** A cursor of one-document batches on a load balancer whose getMore fails with `getMoreError`. */
  function failingGetMore(getMoreError: Error) {
    const scheduler = testScheduler();
    let result: { sent: string[][]; held: number; errors: unknown[] } | undefined;
    scheduler.run(({ flush }) => {
      const { sent, held, coll } = deployment(
        scheduler,
        (c) => {
          if (nameOf(c) === 'find') return { reply: batch(7, [{ _id: 1 }]) };
          if (nameOf(c) === 'getMore') return { error: getMoreError };
          return { reply: { ok: 1 } };
        },
        0,
        true,
      );
      const errors: unknown[] = [];
      coll.find({}, { batchSize: 1 }).subscribe({ error: (e: unknown) => errors.push(e) });
      flush();
      result = {
        sent: sent.map((s) => [nameOf(s.command), String(s.connectionId)]),
        held: held.size,
        errors,
      };
    });
    return result as { sent: string[][]; held: number; errors: unknown[] };
  }

  it('a getMore refused by the server: killCursors on the pinned connection, then it goes back; the error reaches the subscriber', () => {
    const { sent, held, errors } = failingGetMore(failure(7));
    assert.equal((errors[0] as MongoServerError).code, 7);
    assert.deepEqual(sent, [
      ['find', '1'],
      ['getMore', '1'],
      ['killCursors', '1'],
    ]);
    assert.equal(held, 0);
  });

  it('a getMore that fails on the network: no killCursors (the connection is gone), the connection goes back at once', () => {
    const { sent, held, errors } = failingGetMore(new MongoNetworkError('reset'));
    assert.ok(errors[0] instanceof MongoNetworkError);
    assert.deepEqual(sent, [
      ['find', '1'],
      ['getMore', '1'],
    ]);
    assert.equal(held, 0);
  });
});
