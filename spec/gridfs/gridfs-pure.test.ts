// The pure parts of GridFS: cutting chunks, checking them, ranges, index keys, the deadline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Binary, Long } from 'bson';
import { ChunkChecker, chunkRange } from '../../src/gridfs/chunk-check.js';
import { Chunker } from '../../src/gridfs/chunker.js';
import { GridFSDeadline } from '../../src/gridfs/deadline.js';
import { CHUNKS_INDEX, FILES_INDEX, sameIndexKey } from '../../src/gridfs/indexes.js';
import {
  MongoGridFSChunkError,
  MongoInvalidArgumentError,
  MongoOperationTimeoutError,
} from '../../src/index.js';

const bytes = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);

describe('GridFS chunker', () => {
  it('fills a recycled chunk buffer again, never a view of a piece nor a last shorter chunk', () => {
    const c = new Chunker(4);
    const [first] = c.push(bytes(0, 6)); // a view of the piece; 2 bytes left in a buffer of its own
    c.recycle(first as Uint8Array); // not the Chunker's: ignored
    const [second] = c.push(bytes(6, 2)); // the Chunker's buffer: [4, 5, 6, 7]
    assert.notEqual(second?.buffer, first?.buffer);
    assert.deepEqual([...(second ?? [])], [4, 5, 6, 7]);
    c.push(bytes(8, 1)); // a new buffer (none recycled yet)
    c.recycle(second as Uint8Array);
    const [third] = c.push(bytes(9, 3));
    assert.deepEqual([...(third ?? [])], [8, 9, 10, 11]);
    c.push(bytes(12, 1)); // fills the recycled buffer
    const last = c.flush() as Uint8Array;
    assert.equal(last.buffer, second?.buffer);
    assert.deepEqual([...last], [12]);
    c.recycle(last); // shorter than a chunk: ignored
    c.push(bytes(13, 1));
    assert.notEqual((c.flush() as Uint8Array).buffer, second?.buffer);
  });

  it('cuts pieces of any size into exact chunks, the last one shorter', () => {
    for (const sizes of [[10], [1, 1, 1, 7], [3, 3, 3, 1], [4, 6], [0, 10, 0], [9, 1]]) {
      const c = new Chunker(4);
      const out: Uint8Array[] = [];
      let at = 0;
      for (const n of sizes) {
        out.push(...c.push(bytes(at, n)));
        at += n;
      }
      const last = c.flush();
      if (last) out.push(last);
      assert.deepEqual(
        out.map((x) => x.byteLength),
        [4, 4, 2],
        `pieces ${sizes}`,
      );
      assert.deepEqual(Buffer.concat(out), Buffer.from(bytes(0, 10)));
      assert.equal(c.length, 10);
    }
  });

  it('whole chunks of a large piece are views of it; a spanning chunk is a copy', () => {
    const c = new Chunker(4);
    const piece = bytes(0, 9);
    const [a, b] = c.push(piece);
    assert.equal(a?.buffer, piece.buffer);
    assert.equal(b?.buffer, piece.buffer);
    const [spanning] = c.push(bytes(9, 3));
    assert.notEqual(spanning?.buffer, piece.buffer);
    assert.deepEqual([...(spanning ?? [])], [8, 9, 10, 11]);
    assert.equal(c.flush(), undefined);
  });
});

describe('GridFS ranges and chunk checks', () => {
  const file = { _id: 1, length: Long.fromNumber(10), chunkSize: 4.0 };

  it('maps byte ranges to chunks (numbers of any BSON type)', () => {
    assert.deepEqual(chunkRange(file), {
      start: 0,
      end: 10,
      first: 0,
      last: 3,
      total: 3,
      chunkSize: 4,
      length: 10,
    });
    assert.deepEqual(chunkRange(file, 5, 6), {
      start: 5,
      end: 6,
      first: 1,
      last: 2,
      total: 3,
      chunkSize: 4,
      length: 10,
    });
    assert.equal(chunkRange(file, 7, 7).first, chunkRange(file, 7, 7).last);
    assert.equal(chunkRange({ length: 0, chunkSize: 4 }).total, 0);
    for (const [s, e] of [
      [-1, 3],
      [0, 11],
      [5, 4],
      [0.5, 3],
    ])
      assert.throws(() => chunkRange(file, s, e), MongoInvalidArgumentError);
    assert.throws(() => chunkRange({ length: 'x', chunkSize: 4 }), MongoGridFSChunkError);
  });

  it('takes the expected chunks, cut to the range; names what is wrong otherwise', () => {
    const chunk = (n: number, data: Uint8Array) => ({ n, data: new Binary(data) });
    const check = new ChunkChecker(chunkRange(file, 3, 9));
    assert.deepEqual([...check.take(chunk(0, bytes(0, 4)))], [3]);
    assert.deepEqual([...check.take(chunk(1, bytes(4, 4)))], [4, 5, 6, 7]);
    assert.deepEqual([...check.take(chunk(2, bytes(8, 2)))], [8]);
    check.finish();
    const error = (fn: () => unknown, re: RegExp) =>
      assert.throws(fn, (e) => e instanceof MongoGridFSChunkError && re.test(e.message));
    error(() => new ChunkChecker(chunkRange(file)).take(chunk(1, bytes(0, 4))), /^ChunkIsMissing/);
    error(() => new ChunkChecker(chunkRange(file)).take(chunk(0, bytes(0, 3))), /^ChunkIsWrongSize/);
    error(() => new ChunkChecker(chunkRange(file)).take({ n: 0, data: 'text' }), /^ChunkIsWrongSize/);
    const whole = new ChunkChecker(chunkRange(file));
    whole.take(chunk(0, bytes(0, 4)));
    error(() => whole.finish(), /^ChunkIsMissing/);
    whole.take(chunk(1, bytes(0, 4)));
    whole.take(chunk(2, bytes(0, 2)));
    error(() => whole.take(chunk(3, bytes(0, 1))), /^ExtraChunk/);
  });
});

describe('GridFS index keys and deadline', () => {
  it('compares index keys by name order and numeric value', () => {
    assert.ok(sameIndexKey({ filename: 1.0, uploadDate: Long.fromNumber(1) }, FILES_INDEX));
    assert.ok(sameIndexKey({ files_id: 1, n: 1 }, CHUNKS_INDEX));
    assert.ok(!sameIndexKey({ n: 1, files_id: 1 }, CHUNKS_INDEX));
    assert.ok(!sameIndexKey({ files_id: 1, n: -1 }, CHUNKS_INDEX));
    assert.ok(!sameIndexKey({ files_id: 1 }, CHUNKS_INDEX));
    assert.ok(!sameIndexKey(undefined, CHUNKS_INDEX));
  });

  it('gives each command the time left of one limit, then a timeout error', () => {
    let now = 1000;
    const deadline = new GridFSDeadline({}, 100, () => now);
    assert.deepEqual(deadline.options(), { timeoutMS: 100 });
    now += 60;
    assert.deepEqual(deadline.options(), { timeoutMS: 40 });
    now += 40;
    assert.throws(() => deadline.options(), MongoOperationTimeoutError);
    assert.deepEqual(new GridFSDeadline({ timeoutMS: 0 }, 0, () => now).options(), { timeoutMS: 0 });
  });
});
