// Cold cursors, batching, take/kill, limit and errors on virtual time against a fake server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Long } from 'bson';
import { map, take } from 'rxjs';
import { aggregationCursor } from '../../src/cursor/aggregation-cursor.js';
import { commandCursor } from '../../src/cursor/command-cursor.js';
import { parseCursorReply } from '../../src/operations/cursor-commands.js';
import type { FindOptions } from '../../src/operations/find.js';
import { FakeCursorServer, failWith, findSetup, record, testScheduler } from './harness.js';

const setup = findSetup;

const ids = map((d: { _id?: unknown }) => d._id);

describe('cursor basics (marbles)', () => {
  it('is cold: nothing is sent before subscribe, each subscription opens its own server cursor', () => {
    const { scheduler, server, cursor } = setup({ count: 3 }, { batchSize: 2 });
    let first: string[] = [];
    let second: string[] = [];
    scheduler.run(() => {
      first = record(scheduler, cursor.pipe(ids), { at: 2 });
      second = record(scheduler, cursor.pipe(ids), { at: 5 });
    });
    assert.deepEqual(first, ['3:0', '3:1', '4:2', '4:|']);
    assert.deepEqual(second, ['6:0', '6:1', '7:2', '7:|']);
    assert.deepEqual(server.timeline(), ['2:find', '3:getMore', '5:find', '6:getMore']);
    assert.notEqual((server.cmd(1).getMore as Long).toString(), (server.cmd(3).getMore as Long).toString());
    assert.equal(server.openCursors, 0);
    assert.equal(server.checkedOut, 0);
  });

  it('emits one document at a time and sends getMore only when the batch is used up', () => {
    const { scheduler, server, cursor } = setup({ count: 5, latency: 10 }, { batchSize: 2 });
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.pipe(ids));
    });
    assert.deepEqual(out, ['10:0', '10:1', '20:2', '20:3', '30:4', '30:|']);
    assert.deepEqual(server.names(), ['find 2', 'getMore 2', 'getMore 2']);
  });

  it('take(5) sends one find, no getMore and one killCursors, then nothing', () => {
    const { scheduler, server, cursor } = setup({ count: 100 }, { batchSize: 10 });
    scheduler.run(({ expectObservable }) => {
      expectObservable(cursor.pipe(take(5), ids)).toBe('-(abcde|)', { a: 0, b: 1, c: 2, d: 3, e: 4 });
    });
    assert.deepEqual(server.names(), ['find 10', 'killCursors']);
    const kill = server.cmd(1);
    assert.equal(kill?.killCursors, 'coll');
    assert.deepEqual(kill?.cursors, [Long.fromNumber(42)]);
    assert.equal(server.openCursors, 0);
    assert.equal(server.checkedOut, 0);
  });

  it('unsubscribing while a getMore is in flight waits for its reply, then kills the cursor', () => {
    const { scheduler, server, cursor } = setup({ count: 100, latency: 10 }, { batchSize: 2 });
    scheduler.run(({ expectObservable }) => {
      expectObservable(cursor.pipe(ids), '^ 14ms !').toBe('10ms (ab)', { a: 0, b: 1 });
    });
    assert.deepEqual(server.timeline(), ['0:find', '10:getMore', '20:killCursors']);
    assert.equal(server.openCursors, 0);
    assert.equal(server.checkedOut, 0);
  });

  it('does not send killCursors when the server cursor is exhausted', () => {
    const { scheduler, server, cursor } = setup({ count: 3 });
    scheduler.run(({ expectObservable }) => {
      expectObservable(cursor.pipe(ids)).toBe('-(abc|)', { a: 0, b: 1, c: 2 });
    });
    assert.deepEqual(server.names(), ['find']);
  });

  it('limit is exact: the remaining limit caps getMore batchSize, and a cursor left open at the limit is killed', () => {
    const { scheduler, server, cursor } = setup({ count: 100 }, { batchSize: 3, limit: 4 });
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.pipe(ids));
    });
    assert.deepEqual(out, ['1:0', '1:1', '1:2', '2:3', '2:|']);
    assert.deepEqual(server.names(), ['find 3', 'getMore 1', 'killCursors']);
    assert.equal(server.cmd(0).limit, 4);
  });

  it('batchSize equal to limit asks for limit + 1 so the server closes the cursor', () => {
    const { scheduler, server, cursor } = setup({ count: 100 }, { batchSize: 4, limit: 4 });
    scheduler.run(({ expectObservable }) => {
      expectObservable(cursor.pipe(ids)).toBe('-(abcd|)', { a: 0, b: 1, c: 2, d: 3 });
    });
    assert.deepEqual(server.names(), ['find 5', 'killCursors']);
  });

  it('a negative limit means a single batch', () => {
    const { scheduler, server, cursor } = setup({ count: 100 }, { limit: -3 });
    scheduler.run(({ expectObservable }) => {
      expectObservable(cursor.pipe(ids)).toBe('-(abc|)', { a: 0, b: 1, c: 2 });
    });
    assert.deepEqual(server.names(), ['find 3']);
    assert.equal(server.cmd(0).singleBatch, true);
  });

  it('passes skip, sort, projection, hint, maxTimeMS, comment, allowDiskUse and collation through', () => {
    const options: FindOptions = {
      skip: 2,
      sort: { a: 1 },
      projection: { _id: 1 },
      hint: { a: 1 },
      maxTimeMS: 500,
      comment: 'c',
      allowDiskUse: true,
      collation: { locale: 'fr' },
    };
    const { scheduler, server, cursor } = setup({ count: 4 }, options);
    scheduler.run(({ expectObservable }) => {
      expectObservable(cursor.pipe(ids)).toBe('-(ab|)', { a: 2, b: 3 });
    });
    const { find, filter, ...rest } = server.cmd(0);
    assert.deepEqual({ find, filter }, { find: 'coll', filter: {} });
    assert.deepEqual(rest, options);
  });

  it('a server error ends the stream with MongoServerError and kills the cursor (the server may keep it open)', () => {
    const { scheduler, server, cursor } = setup(
      { count: 10, fail: (c) => (c.getMore ? failWith(96, 'getMore failed') : undefined) },
      { batchSize: 2 },
    );
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.pipe(ids));
    });
    assert.deepEqual(out, ['1:0', '1:1', '2:#MongoServerError']);
    assert.deepEqual(server.names(), ['find 2', 'getMore 2', 'killCursors']);
  });

  it('an error downstream unsubscribes and kills the cursor once', () => {
    const { scheduler, server, cursor } = setup({ count: 10 }, { batchSize: 5 });
    const boom = new Error('downstream');
    scheduler.run(({ expectObservable }) => {
      const out = cursor.pipe(
        map((d) => {
          if (d._id === 2) throw boom;
          return d._id;
        }),
      );
      expectObservable(out).toBe('-(ab#)', { a: 0, b: 1 }, boom);
    });
    assert.deepEqual(server.names(), ['find 5', 'killCursors']);
  });

  it('keeps cursor ids above 2^53 exact', () => {
    const big = 2n ** 60n + 7n;
    const { scheduler, server, cursor } = setup({ count: 10, firstId: big }, { batchSize: 2 });
    let out: string[] = [];
    scheduler.run(() => {
      out = record(scheduler, cursor.pipe(take(3), ids));
    });
    assert.deepEqual(out, ['1:0', '1:1', '2:2', '2:|']);
    assert.equal((server.cmd(1).getMore as Long).toBigInt(), big);
    // The second batch sent the next getMore as it arrived (unbounded demand); then killCursors.
    assert.equal((server.cmd(2).getMore as Long).toBigInt(), big);
    assert.deepEqual(
      (server.cmd(3).cursors as Long[]).map((l) => l.toBigInt()),
      [big],
    );
    // And through the codec: an int64 id beyond 2^53 decodes as an exact Long.
    const reply = parseCursorReply({ cursor: { id: Long.fromBigInt(big), ns: 'a.b', firstBatch: [] } });
    assert.equal(Long.isLong(reply.id) ? reply.id.toBigInt() : undefined, big);
  });

  it('serves aggregate and any cursor command with the same machinery', () => {
    const scheduler = testScheduler();
    const server = new FakeCursorServer(scheduler, { count: 5 });
    const agg = aggregationCursor(server.ctx, 'db', 'coll', [{ $match: {} }], { batchSize: 2 });
    const list = commandCursor(server.ctx, 'db', () => ({
      commandName: 'aggregate',
      dbName: 'db',
      kind: 'read',
      retryable: 'read',
      build: () => ({ command: { aggregate: 1, pipeline: [], cursor: { batchSize: 4 } } }),
      parse: (reply) => parseCursorReply(reply),
    }));
    let a: string[] = [];
    let b: string[] = [];
    scheduler.run(() => {
      a = record(scheduler, agg.pipe(take(3), ids));
      b = record(scheduler, list.pipe(ids), { at: 5 });
    });
    assert.deepEqual(a, ['1:0', '1:1', '2:2', '2:|']);
    assert.deepEqual(b, ['6:0', '6:1', '6:2', '6:3', '7:4', '7:|']);
    // take(3) ends in the second batch, whose arrival already sent the next getMore (unbounded
    // demand); that one exhausted the 5 documents (id 0), so there is nothing to kill.
    assert.deepEqual(server.names(), ['aggregate', 'getMore 2', 'getMore 2', 'aggregate', 'getMore']);
    assert.deepEqual(server.cmd(0).cursor, { batchSize: 2 });
  });
});
