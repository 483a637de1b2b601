// What close() does with sessions, on virtual time: endSessions cannot hold close() beyond its
// bound when the server does not answer (or cannot be selected), and server-session expiry runs
// on the client's clock (the scheduler's), so it is tested without waiting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { END_SESSIONS_BOUND_MS, endServerSessions } from '../../src/client/end-sessions.js';
import { MongoClient } from '../../src/client/mongo-client.js';
import { nameOf, OneServer, outcome, testScheduler } from '../execute/harness.js';

const ids = [[{ id: 1 }], [{ id: 2 }]];

describe('close() and sessions (marbles)', () => {
  it('endSessions answered: one command per batch, in order, then complete', () => {
    const ts = testScheduler();
    const server = new OneServer(ts);
    const { log } = outcome(ts, () => endServerSessions(server.ctx, ids));
    assert.deepEqual(log, ['2:|']);
    assert.deepEqual(
      server.sent.map((s) => [s.at, nameOf(s.command), s.command.endSessions]),
      [
        [0, 'endSessions', ids[0]],
        [1, 'endSessions', ids[1]],
      ],
    );
    assert.equal('maxTimeMS' in (server.sent[0]?.command ?? {}), false);
  });

  it('a server that never answers: complete at the bound, the waiting connection closed, nothing left checked out', () => {
    const ts = testScheduler();
    const server = new OneServer(ts, { script: () => ({ delay: 10 * 60_000 }) });
    const { log } = outcome(ts, () => endServerSessions(server.ctx, ids));
    assert.deepEqual(log, [`${END_SESSIONS_BOUND_MS}:|`]);
    assert.equal(server.sent.length, 1, 'the second batch is not sent after the deadline');
    assert.equal(server.closed, 1);
    assert.equal(server.checkedOut, 0);
  });

  it('no server to select: complete at the bound, nothing sent', () => {
    const ts = testScheduler();
    const server = new OneServer(ts, { selectMS: Number.POSITIVE_INFINITY });
    const { log } = outcome(ts, () => endServerSessions(server.ctx, ids));
    assert.deepEqual(log, [`${END_SESSIONS_BOUND_MS}:|`]);
    assert.equal(server.sent.length, 0);
  });

  it("the client's shorter timeoutMS bounds it instead; errors are ignored", () => {
    const ts = testScheduler();
    const slow = new OneServer(ts, { script: () => ({ delay: 10 * 60_000 }), ctx: { timeoutMS: 200 } });
    assert.deepEqual(outcome(ts, () => endServerSessions(slow.ctx, ids)).log, ['200:|']);
    const ts2 = testScheduler();
    const failing = new OneServer(ts2, { script: () => ({ reply: { ok: 0, code: 8000, errmsg: 'no' } }) });
    assert.deepEqual(outcome(ts2, () => endServerSessions(failing.ctx, ids)).log, ['2:|']);
  });

  it('server sessions expire on the client clock: reused 20 minutes later, not 29.5 minutes later', () => {
    const ts = testScheduler();
    ts.run(({ flush }) => {
      const client = new MongoClient('mongodb://a:1');
      const lsidAfter = (ms: number): unknown => {
        const first = client.startSession();
        first.startTransaction();
        const id = first.id;
        first.endSession().subscribe();
        let next: unknown;
        ts.schedule(() => {
          const later = client.startSession();
          later.startTransaction();
          next = later.id;
          later.endSession().subscribe();
        }, ms);
        flush();
        return JSON.stringify(next) === JSON.stringify(id);
      };
      assert.equal(lsidAfter(20 * 60_000), true, 'a session with 10 minutes left is reused');
      assert.equal(lsidAfter(29.5 * 60_000), false, 'a session expiring within a minute is not');
    });
  });
});
