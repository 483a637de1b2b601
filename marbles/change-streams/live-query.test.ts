// Live queries on virtual time: the first result, a new one per change burst (one re-read in
// flight at most, optional debounce), the change stream started at the read's operationTime,
// a fresh read and stream after invalidate, and unsubscribe releasing everything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Document } from 'bson';
import { map } from 'rxjs';
import { findCursor } from '../../src/cursor/find-cursor.js';
import { record, testScheduler } from '../cursor/harness.js';
import { type FakeChangeStreamOptions, FakeChangeStreamServer } from './harness.js';

function setup(o: FakeChangeStreamOptions = {}) {
  const scheduler = testScheduler();
  const server = new FakeChangeStreamServer(scheduler, { latency: 1, defaultAwaitMS: 50, ...o });
  const cursor = findCursor<Document>(server.ctx, 'db', 'coll', {});
  return { scheduler, server, cursor };
}

const ids = map((docs: Document[]) => docs.map((d) => d._id).join(','));

describe('live queries (marbles)', () => {
  it('emits the result, then a new result per change; the stream starts at the read operationTime', () => {
    const { scheduler, server, cursor } = setup({ docs: [{ _id: 1 }] });
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(20, 2);
      server.writeAt(40, 1, { operationType: 'delete' });
      out = record(scheduler, cursor.live().pipe(ids), { until: 100 });
    });
    // find at 0 -> [1] at 1; aggregate at 1; the getMore sees `2` at 20 (+1), find at 21 -> 22.
    assert.deepEqual(out, ['1:1', '22:1,2', '42:2']);
    const aggregate = server.log.find((c) => c.name === 'aggregate')?.command as Document;
    const stage = (aggregate.pipeline as Document[])[0]?.$changeStream as Document;
    // The find's operationTime (2 * 0 + 1): no change between the read and the stream is lost.
    assert.equal(stage.startAtOperationTime.high, 1);
    // Unsubscribe kills the change stream cursor; nothing is left open.
    assert.equal(server.openCursors, 0);
    assert.equal(server.checkedOut, 0);
  });

  it('the write a read already reflects (its time is the read time, replayed by the inclusive start) causes no re-read', () => {
    const { scheduler, server, cursor } = setup({ readAtLastWrite: true });
    let out: string[] = [];
    scheduler.run(() => {
      server.write(1);
      server.writeAt(30, 2);
      out = record(scheduler, cursor.live().pipe(ids), { until: 100 });
    });
    // The aggregate's first batch replays `1` (at the read's time): skipped; `2` is a change.
    assert.deepEqual(out, ['1:1', '32:1,2']);
    assert.deepEqual(
      server.names().filter((n) => n === 'find'),
      ['find', 'find'],
    );
  });

  it('a change right after the read (before the stream opened) is not lost', () => {
    const { scheduler, server, cursor } = setup({ docs: [{ _id: 1 }], latency: 2 });
    let out: string[] = [];
    scheduler.run(() => {
      // The find replies at 2 and the aggregate, sent then, is answered at 4; this write lands
      // in between and comes in the aggregate's first batch.
      server.writeAt(3, 2);
      out = record(scheduler, cursor.live().pipe(ids), { until: 60 });
    });
    assert.deepEqual(out, ['2:1', '6:1,2']);
  });

  it('coalesces a burst: at most one re-read in flight, one more after it', () => {
    const { scheduler, server, cursor } = setup({ docs: [], latency: 5 });
    let out: string[] = [];
    scheduler.run(() => {
      // Five writes, one per frame from 30: the first wakes the getMore; the others arrive while the
      // re-read is in flight.
      for (let i = 0; i < 5; i++) server.writeAt(30 + i, i + 1);
      out = record(scheduler, cursor.live().pipe(ids), { until: 200 });
    });
    const finds = server.timeline().filter((t) => t.endsWith(':find'));
    // Initial read, the re-read for the first event, and one more for the events during it.
    assert.equal(finds.length, 3, finds.join(' '));
    assert.deepEqual(out.at(-1)?.split(':')[1], '1,2,3,4,5');
  });

  it('debounceMS waits on the scheduler until a burst is over, then re-reads once', () => {
    const { scheduler, server, cursor } = setup({ docs: [] });
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(10, 1);
      server.writeAt(15, 2);
      server.writeAt(20, 3);
      out = record(scheduler, cursor.live({ debounceMS: 10, scheduler }).pipe(ids), { until: 100 });
    });
    // Events seen at 11, 16 and 21; the debounce ends at 31; find replies at 32.
    assert.deepEqual(out, ['1:', '32:1,2,3']);
    assert.equal(server.timeline().filter((t) => t.endsWith(':find')).length, 2);
  });

  it('after invalidate it reads from scratch and follows a new change stream', () => {
    const { scheduler, server, cursor } = setup({ docs: [{ _id: 1 }] });
    let out: string[] = [];
    scheduler.run(() => {
      server.writeAt(10, 1, { operationType: 'invalidate' });
      server.writeAt(30, 2);
      out = record(scheduler, cursor.live().pipe(ids), { until: 100 });
    });
    assert.deepEqual(out, ['1:1', '12:1', '32:1,2']);
    assert.equal(server.names().filter((n) => n.startsWith('aggregate')).length, 2);
    assert.equal(server.openCursors, 0);
  });

  it('a bad debounceMS errors the Observable before anything is sent', () => {
    const { scheduler, server, cursor } = setup();
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.live({ debounceMS: -1 }));
    });
    assert.deepEqual(out, ['0:#MongoInvalidArgumentError']);
    assert.equal(server.log.length, 0);
  });
});
