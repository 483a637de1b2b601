// Sessions on virtual time: server-session expiry by the clock, when a retried write goes out,
// and which $clusterTime each command carries as replies arrive.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Document, Long, Timestamp } from 'bson';
import { defer, map, mergeMap, type Observable, of, switchMap, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { sessionContext } from '../../spec/support/session-context.js';
import { Collection } from '../../src/client/collection.js';
import type { Connection } from '../../src/connection/types.js';
import { MongoNetworkError } from '../../src/errors.js';
import { ClusterClock } from '../../src/execute/cluster-clock.js';
import { executeOperation } from '../../src/execute/execute-operation.js';
import { unknownServerDescription } from '../../src/sdam/description/server-description.js';
import type { TopologyLike } from '../../src/sdam/topology-contract.js';
import type { SessionOwner } from '../../src/session/client-session.js';
import { ServerSessionPool } from '../../src/session/server-session-pool.js';

const MINUTE = 60_000;

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** Answers command `index` after `delay` virtual ms with `reply`, or fails it with `error`. */
type Script = (command: Document, index: number) => { delay: number; reply?: Document; error?: Error };

/** A one-member replica set on the test scheduler's clock; `sent` records each command and when it left. */
function deployment(scheduler: TestScheduler, script: Script) {
  const sent: Array<{ at: number; command: Document }> = [];
  const owner: SessionOwner = {
    pool: new ServerSessionPool(),
    clusterClock: new ClusterClock(),
    now: () => scheduler.now(),
    execute: (op, scope) => executeOperation(ctx, op, scope),
  };
  const description = {
    ...unknownServerDescription('a:1'),
    type: 'RSPrimary' as const,
    maxWireVersion: 21,
    logicalSessionTimeoutMinutes: 30,
  };
  const connection: Connection = {
    id: 1,
    address: 'a:1',
    generation: 0,
    hello: undefined,
    serverConnectionId: undefined,
    closed: false,
    command: (_db, command) =>
      defer(() => {
        const index = sent.length;
        sent.push({ at: scheduler.now(), command });
        const { delay, reply, error } = script(command, index);
        return timer(delay, scheduler).pipe(
          switchMap(() => (error ? throwError(() => error) : of(reply ?? { ok: 1, n: 1 }))),
        );
      }),
    close: () => {},
  };
  const topology: TopologyLike = {
    description$: of(),
    selectServer: () =>
      of({
        description,
        topologyType: 'ReplicaSetWithPrimary' as const,
        withConnection: <T>(fn: (c: Connection) => Observable<T>) => fn(connection),
        reportError: () => {},
      }),
    connect: () => {},
    close: () => of(undefined),
  };
  const { ctx, context } = sessionContext(owner, topology);
  return { sent, coll: new Collection(context, 'db', 'c') };
}

const lsidOf = (command: Document) =>
  (command.lsid as { id: { toString(enc: string): string } }).id.toString('hex');
const clusterTime = (t: number) => ({
  clusterTime: new Timestamp({ t, i: 1 }),
  signature: { keyId: Long.ZERO },
});

describe('server sessions on virtual time', () => {
  it('a pooled session is reused until it would expire within a minute of logicalSessionTimeoutMinutes', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll } = deployment(scheduler, () => ({ delay: 1 }));
      // Inserts at 0, 28 min (idle 28 min: still 2 min left, reused) and 57.5 min (idle 29.5 min
      // since its last use at 28 min: expires within a minute, so a new one).
      const at = (ms: number) => timer(ms, scheduler).pipe(switchMap(() => coll.insertOne({ x: ms })));
      const out = of(0, 28 * MINUTE, 57.5 * MINUTE).pipe(
        mergeMap((ms) => at(ms)),
        map(() => 'ok'),
      );
      expectObservable(out).toBe(`- a ${28 * MINUTE - 1}ms a ${29.5 * MINUTE - 1}ms (a|)`, { a: 'ok' });
      flush();
      const ids = sent.map((s) => lsidOf(s.command));
      assert.equal(ids[0], ids[1]);
      assert.notEqual(ids[1], ids[2]);
    });
  });
});

describe('retryable writes on virtual time', () => {
  it('the retry goes out the moment the first attempt fails, with the same lsid and txnNumber', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll } = deployment(scheduler, (_c, index) =>
        index === 0 ? { delay: 5, error: new MongoNetworkError('connection reset') } : { delay: 3 },
      );
      expectObservable(coll.insertOne({ _id: 1 }).pipe(map(() => 'ok'))).toBe('8ms (a|)', { a: 'ok' });
      flush();
      assert.deepEqual(
        sent.map((s) => s.at),
        [0, 5],
      );
      assert.equal(lsidOf(sent[0].command), lsidOf(sent[1].command));
      assert.deepEqual(sent[0].command.txnNumber, sent[1].command.txnNumber);
    });
  });
});

describe('cluster time gossip on virtual time', () => {
  it('a command carries the highest $clusterTime of the replies that arrived before it left', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { sent, coll } = deployment(scheduler, (_c, index) => ({
        delay: 3,
        reply: { ok: 1, n: 1, $clusterTime: clusterTime(10 + index) },
      }));
      // Commands leave at 0 and 1 (before any reply), at 4 (after the reply at 3; the one due at 4 is
      // scheduled later in that frame) and at 5 (after both).
      const out = of(0, 1, 4, 5).pipe(
        mergeMap((ms) => timer(ms, scheduler).pipe(switchMap(() => coll.insertOne({ x: ms })))),
        map(() => 'ok'),
      );
      expectObservable(out).toBe('---aa--a(a|)', { a: 'ok' });
      flush();
      const times = sent.map((s) => (s.command.$clusterTime as Document | undefined)?.clusterTime?.t);
      assert.deepEqual(times, [undefined, undefined, 10, 11]);
    });
  });
});
