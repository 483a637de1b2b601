import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoProtocolError } from '../../src/errors.js';
import { decodeMessage, encodeOpMsg, FrameSplitter, nextRequestId } from '../../src/wire/index.js';

const frames = [1, 2, 3, 4, 5].map((i) =>
  encodeOpMsg({ requestId: i, command: { ping: 1, $db: 'admin', pad: 'p'.repeat(i * 37) } }),
);
const stream = Buffer.concat(frames);

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  return out;
}

function feed(splitter: FrameSplitter, chunks: Buffer[]): Buffer[] {
  return chunks.flatMap((c) => splitter.push(c));
}

describe('FrameSplitter', () => {
  it('returns whole frames of one chunk as zero-copy subarrays', () => {
    const s = new FrameSplitter();
    const out = s.push(stream);
    assert.deepEqual(out, frames);
    assert.equal(out[1]!.buffer, stream.buffer);
    assert.equal(s.bufferedBytes, 0);
  });

  it('copies frames inside a chunk when the transport reads into one buffer again (copyFrames)', () => {
    const s = new FrameSplitter(undefined, true);
    const reused = Buffer.from(stream);
    const out = s.push(reused);
    assert.deepEqual(out, frames);
    reused.fill(0); // the next read overwrites the buffer: the frames already split are unchanged
    assert.deepEqual(out, frames);
    // A frame spanning reads is assembled in a buffer of its own, as without the flag.
    const split = feed(new FrameSplitter(undefined, true), splitAt(Buffer.from(stream), [7, 150, 151]));
    assert.deepEqual(split, frames);
  });

  it('assembles a frame spanning chunks in the buffer its allocator gives, shown the header', () => {
    const calls: { length: number; head: number[] }[] = [];
    const arenas: Buffer[] = [];
    const s = new FrameSplitter(undefined, false, (length, head) => {
      calls.push({ length, head: [...head.subarray(0, 16)] });
      arenas.push(Buffer.alloc(4096));
      return (arenas.at(-1) as Buffer).subarray(0, length);
    });
    const frame = frames[2] as Buffer;
    // Cut after the header, then inside the length prefix of the next frame (4 bytes only then).
    const out = feed(s, splitAt(Buffer.concat([frame, frames[3] as Buffer]), [20, frame.length + 2]));
    assert.deepEqual(out, [frame, frames[3]]);
    assert.equal(out[0]?.buffer, arenas[0]?.buffer, 'assembled in the allocated buffer');
    assert.deepEqual(calls[0], { length: frame.length, head: [...frame.subarray(0, 16)] });
    assert.equal(calls[1]?.head.length, 4, 'only the length prefix had arrived');
    const wrong = new FrameSplitter(undefined, false, () => Buffer.alloc(1));
    assert.throws(() => wrong.push(frame.subarray(0, 30)), RangeError);
  });

  it('reassembles 1-byte chunks', () => {
    const s = new FrameSplitter();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      out.push(...s.push(stream.subarray(i, i + 1)));
      assert.ok(s.bufferedBytes < 400);
    }
    assert.deepEqual(out, frames);
    assert.equal(s.bufferedBytes, 0);
  });

  it('handles every cut point, including inside the length prefix', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new FrameSplitter();
      assert.deepEqual(feed(s, splitAt(stream, [cut])), frames, `cut at ${cut}`);
    }
  });

  it('handles arbitrary random chunkings', () => {
    let seed = 1;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let round = 0; round < 200; round++) {
      const cuts = Array.from({ length: rand() % 12 }, () => rand() % stream.length).sort((a, b) => a - b);
      const s = new FrameSplitter();
      const out = feed(s, splitAt(stream, cuts));
      assert.deepEqual(out, frames);
      assert.deepEqual(
        out.map((f) => decodeMessage(f).header.requestId),
        [1, 2, 3, 4, 5],
      );
    }
  });

  it('tolerates empty chunks', () => {
    const s = new FrameSplitter();
    assert.deepEqual(
      feed(s, [Buffer.alloc(0), stream.subarray(0, 2), Buffer.alloc(0), stream.subarray(2)]),
      frames,
    );
  });

  for (const [name, length] of [
    ['shorter than a header', 15],
    ['zero', 0],
    ['negative', -1],
    ['over the maximum', 1001],
  ] as const) {
    it(`rejects a declared length ${name} before buffering, and stays failed`, () => {
      const s = new FrameSplitter(1000);
      const head = Buffer.alloc(4);
      head.writeInt32LE(length);
      assert.deepEqual(s.push(head.subarray(0, 2)), []);
      let first: unknown;
      try {
        s.push(head.subarray(2));
      } catch (e) {
        first = e;
      }
      assert.ok(first instanceof MongoProtocolError);
      assert.equal(s.bufferedBytes, 0);
      assert.throws(
        () => s.push(frames[0]!),
        (e) => e === first,
      );
      assert.throws(
        () => s.push(Buffer.alloc(0)),
        (e) => e === first,
      );
    });
  }

  it('accepts a frame exactly maxMessageSizeBytes long', () => {
    const s = new FrameSplitter(frames[2]!.length);
    assert.deepEqual(feed(s, [frames[2]!.subarray(0, 10), frames[2]!.subarray(10)]), [frames[2]]);
    assert.throws(() => s.push(frames[3]!), /exceeds maxMessageSizeBytes/);
  });
});

describe('nextRequestId', () => {
  it('increases', () => {
    const a = nextRequestId();
    const b = nextRequestId();
    assert.ok(b > a && Number.isInteger(b) && b <= 0x7fffffff);
  });
});
