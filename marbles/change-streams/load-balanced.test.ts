// Change streams behind a load balancer on virtual time: the stream's cursor pins the connection
// of its aggregate (getMore and killCursors go on it), a resume pins a new one, and every pinned
// connection is back once the stream is unsubscribed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document } from 'bson';
import { map, take } from 'rxjs';
import { record, testScheduler } from '../cursor/harness.js';
import { FakeChangeStreamServer, watchOn } from './harness.js';

const ids = map((e: Document) => String(e.documentKey._id));

describe('change streams in load-balanced mode (marbles)', () => {
  it('pins its connection; a resume pins a new one; killCursors goes on the pinned connection', () => {
    const scheduler = testScheduler();
    const server = new FakeChangeStreamServer(scheduler, {
      type: 'LoadBalancer',
      failGetMore: (n) => (n === 2 ? { network: true } : undefined),
    });
    const stream = watchOn(server, { maxAwaitTimeMS: 10 });
    let out: string[] = [];
    const held: number[] = [];
    scheduler.run(() => {
      server.writeAt(5, 'a');
      server.writeAt(20, 'b');
      scheduler.schedule(() => held.push(server.checkedOut), 15);
      out = record(scheduler, stream.pipe(ids, take(2)), { until: 1000 });
    });
    assert.deepEqual(out, ['6:a', '21:b', '21:|']);
    // One connection pinned while the stream waits, whatever the number of getMores.
    assert.deepEqual(held, [1]);
    assert.deepEqual(
      server.log.map((c) => `${c.name}@${c.connection}`),
      [
        'aggregate@1',
        'getMore@1',
        'getMore@1',
        // The old cursor is killed on its own pinned connection; the resume pins connection 2.
        'killCursors@1',
        'aggregate@2',
        // An unbounded subscriber gets its next getMore ahead of emitting a batch (cursor-run
        // fetch rule), so one more getMore is out when take(2) ends the stream.
        'getMore@2',
        'getMore@2',
        'getMore@2',
        'killCursors@2',
      ],
    );
    assert.equal(server.pins, 2);
    assert.equal(server.checkedOut, 0);
  });
});
