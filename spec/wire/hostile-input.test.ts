import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Binary, type Document, Long, serialize } from 'bson';
import { MongoProtocolError } from '../../src/errors.js';
import {
  decodeMessage,
  encodeOpCompressed,
  encodeOpMsg,
  encodeOpQuery,
  encodeOpReply,
  FrameSplitter,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  OP_REPLY,
} from '../../src/wire/index.js';
import { prng } from '../support/fuzz.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 20240601);
const CASES = 100_000;
const MAX = 64 * 1024;
const rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

const INTERESTING = [
  0,
  1,
  4,
  5,
  15,
  16,
  17,
  -1,
  -16,
  0x7fffffff,
  -0x80000000,
  MAX,
  MAX + 1,
  OP_MSG,
  OP_COMPRESSED,
  OP_REPLY,
  OP_QUERY,
];

function randomDoc(depth = 0): Document {
  const doc: Document = {};
  const n = int(5);
  for (let i = 0; i < n; i++) {
    const key = `k${int(100)}`;
    switch (int(7)) {
      case 0:
        doc[key] = int(1000);
        break;
      case 1:
        doc[key] = 'x'.repeat(int(20));
        break;
      case 2:
        doc[key] = depth < 3 ? randomDoc(depth + 1) : null;
        break;
      case 3:
        doc[key] = [int(5), 'a', true];
        break;
      case 4:
        doc[key] = new Long(int(1e6));
        break;
      case 5:
        doc[key] = new Binary(Buffer.from([int(256), int(256)]));
        break;
      default:
        doc[key] = rand() < 0.5;
    }
  }
  return doc;
}

function validFrame(): Buffer {
  switch (int(6)) {
    case 0:
    case 1:
      return encodeOpMsg({
        requestId: int(1000),
        command: { ...randomDoc(), $db: 'test' },
        sequences: rand() < 0.5 ? [{ identifier: 'documents', documents: [randomDoc(), randomDoc()] }] : [],
        moreToCome: rand() < 0.3,
        exhaustAllowed: rand() < 0.3,
      });
    case 2:
      return encodeOpQuery({ requestId: 1, fullCollectionName: 'admin.$cmd', query: randomDoc() });
    case 3:
      return encodeOpReply({ requestId: 1, responseTo: 2, documents: [randomDoc(), randomDoc()] });
    case 4:
      return encodeOpCompressed(encodeOpMsg({ requestId: 3, command: { ...randomDoc(), $db: 'a' } }), 'zlib');
    default:
      return encodeOpCompressed(encodeOpMsg({ requestId: 3, command: { ...randomDoc(), $db: 'a' } }), 'noop');
  }
}

/**
 * Valid frames are built once and each case mutates a copy of one: building (random documents,
 * BSON, deflate) would cost more than the decoding under test.
 */
const FRAME_POOL_SIZE = 512;
let framePool: Buffer[] | undefined;
function validFrames(): readonly Buffer[] {
  framePool ??= Array.from({ length: FRAME_POOL_SIZE }, validFrame);
  return framePool;
}

function writeInt32(b: Buffer, offset: number, v: number): void {
  if (offset >= 0 && offset + 4 <= b.length) b.writeInt32LE(v | 0, offset);
}

/** Returns a hostile frame; the first 4 bytes may or may not be a truthful length. */
function hostileFrame(): Buffer {
  const strategy = int(10);
  if (strategy === 0) {
    // Pure random bytes, sometimes with a truthful length prefix.
    const b = Buffer.alloc(int(120));
    for (let i = 0; i < b.length; i++) b[i] = int(256);
    if (rand() < 0.7) writeInt32(b, 0, b.length);
    return b;
  }
  let b = Buffer.from(pick(validFrames()));
  switch (strategy) {
    case 1: // flip random bytes
      for (let i = 0, n = 1 + int(4); i < n; i++) b[int(b.length)] = int(256);
      break;
    case 2: // truncate, keeping the length truthful
      b = Buffer.from(b.subarray(0, int(b.length)));
      writeInt32(b, 0, b.length);
      break;
    case 3: // overwrite an int32 anywhere with an interesting value (lying BSON/section/length fields)
      writeInt32(b, int(b.length), pick(INTERESTING));
      break;
    case 4: // bad opCode
      writeInt32(
        b,
        12,
        pick([0, OP_REPLY, 2001, 2002, OP_QUERY, OP_COMPRESSED, OP_MSG, 2014, -1, int(5000)]),
      );
      break;
    case 5: // bad section kind / flag bits
      if (b.readInt32LE(12) === OP_MSG) {
        if (rand() < 0.5) b[20] = int(256);
        else b.writeUInt32LE((int(0x10000) << int(16)) >>> 0, 16);
      } else b[int(b.length)] ^= 0xff;
      break;
    case 6: // append garbage
      b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + int(10) }, () => int(256)))]);
      if (rand() < 0.5) writeInt32(b, 0, b.length);
      break;
    case 7: // lying message length
      writeInt32(b, 0, pick(INTERESTING) + (rand() < 0.5 ? 0 : b.length - 1 + int(3)));
      break;
    case 8: // first BSON document length lies
      writeInt32(b, b.readInt32LE(12) === OP_MSG ? 21 : 20 + int(20), pick(INTERESTING));
      break;
    default: // unchanged (valid frames must decode)
      break;
  }
  return b;
}

function chunked(b: Buffer): Buffer[] {
  if (rand() < 0.5) return [b];
  const chunks: Buffer[] = [];
  let off = 0;
  while (off < b.length) {
    const n = 1 + int(rand() < 0.3 ? 4 : 64);
    chunks.push(b.subarray(off, off + n));
    off += n;
  }
  return chunks;
}

describe('hostile input', () => {
  it(`survives ${CASES} random and mutated frames (seed ${SEED})`, (t) => {
    const counts = { decoded: 0, splitterRejected: 0, decodeRejected: 0, incomplete: 0 };
    const check = (e: unknown, what: string, frame: Buffer) => {
      if (!(e instanceof MongoProtocolError)) {
        assert.fail(`${what} threw ${String(e)} (not MongoProtocolError) for ${frame.toString('hex')}`);
      }
    };
    // Stack traces are the main cost of an error; none is looked at here.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    t.after(() => {
      Error.stackTraceLimit = stackTraceLimit;
    });
    // Some cases share one splitter with a run of preceding frames, as on a real socket.
    let splitter = new FrameSplitter(MAX);
    for (let i = 0; i < CASES; i++) {
      if (rand() < 0.8 || splitter.bufferedBytes > 0) splitter = new FrameSplitter(MAX);
      const frame = hostileFrame();
      let out: Buffer[] = [];
      try {
        for (const chunk of chunked(frame)) {
          out.push(...splitter.push(chunk));
          assert.ok(splitter.bufferedBytes <= MAX, 'splitter buffered more than the maximum');
        }
      } catch (e) {
        check(e, 'FrameSplitter', frame);
        counts.splitterRejected++;
        assert.throws(
          () => splitter.push(Buffer.alloc(1)),
          (x) => x === e,
        );
        out = [];
      }
      if (out.length === 0 && splitter.bufferedBytes > 0) counts.incomplete++;
      for (const f of out) {
        try {
          decodeMessage(f, { maxMessageSizeBytes: MAX });
          counts.decoded++;
        } catch (e) {
          check(e, 'decodeMessage', f);
          counts.decodeRejected++;
        }
      }
    }
    // Every path was exercised. Bounded by the case count: no clock is read.
    assert.ok(counts.decoded > 1000, JSON.stringify(counts));
    assert.ok(counts.splitterRejected > 1000, JSON.stringify(counts));
    assert.ok(counts.decodeRejected > 10_000, JSON.stringify(counts));
    assert.ok(counts.incomplete > 100, JSON.stringify(counts));
  });

  it('rejects a deeply nested document without a crash', () => {
    // 10,000 levels of {a: {a: ...}} hand-built: bson may recurse; it must still be a protocol error or decode.
    const depth = 10_000;
    const inner = serialize({});
    let doc = Buffer.from(inner);
    for (let i = 0; i < depth; i++) {
      const next = Buffer.alloc(doc.length + 8);
      next.writeInt32LE(next.length, 0);
      next[4] = 0x03;
      next.write('a\0', 5);
      doc.copy(next, 7);
      next[next.length - 1] = 0;
      doc = next;
    }
    const frame = encodeOpMsg({ requestId: 1, command: { ping: 1, $db: 'a' } });
    const bodyStart = 21;
    const built = Buffer.concat([frame.subarray(0, bodyStart), doc]);
    built.writeInt32LE(built.length, 0);
    try {
      decodeMessage(built);
    } catch (e) {
      assert.ok(e instanceof MongoProtocolError, String(e));
    }
  });
});
