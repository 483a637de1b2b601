import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { createCodecs } from '../../src/connection/compressors.js';
import { MongoProtocolError } from '../../src/errors.js';
import {
  type CompressionCodec,
  compressiblePart,
  compressorId,
  decodeFrame,
  decodeMessage,
  encodeOpCompressed,
  encodeOpMsg,
  encodeOpQuery,
  frameOpCompressed,
  OP_COMPRESSED,
  type WireMessage,
} from '../../src/wire/index.js';

const command = { insert: 'c', $db: 'test', comment: 'x'.repeat(500) };
const msg = encodeOpMsg({
  requestId: 42,
  responseTo: 41,
  command,
  sequences: [{ identifier: 'documents', documents: [{ _id: 1 }, { _id: 2 }] }],
  moreToCome: true,
});

describe('OP_COMPRESSED', () => {
  it('maps compressor names to spec ids', () => {
    assert.deepEqual(
      (['noop', 'snappy', 'zlib', 'zstd'] as const).map((c) => compressorId(c)),
      [0, 1, 2, 3],
    );
  });

  for (const compressor of ['zlib', 'noop'] as const) {
    it(`round-trips OP_MSG with ${compressor}`, () => {
      const frame = encodeOpCompressed(msg, compressor);
      assert.equal(frame.readInt32LE(0), frame.length);
      assert.equal(frame.readInt32LE(4), 42);
      assert.equal(frame.readInt32LE(8), 41);
      assert.equal(frame.readInt32LE(12), OP_COMPRESSED);
      assert.equal(frame.readInt32LE(16), 2013);
      assert.equal(frame.readInt32LE(20), msg.length - 16);
      assert.equal(frame[24], compressorId(compressor));
      const m = decodeMessage(frame) as Extract<WireMessage, { opCode: 2013 }>;
      assert.equal(m.opCode, 2013);
      assert.equal(m.compressor, compressor);
      assert.deepEqual(m.header, { messageLength: msg.length, requestId: 42, responseTo: 41, opCode: 2013 });
      assert.equal(m.moreToCome, true);
      assert.deepEqual(m.body, command);
      assert.deepEqual(m.sequences[0]!.documents, [{ _id: 1 }, { _id: 2 }]);
    });
  }

  it('zlib actually compresses and noop is the payload verbatim', () => {
    assert.ok(encodeOpCompressed(msg, 'zlib', 9).length < msg.length);
    assert.deepEqual(encodeOpCompressed(msg, 'noop').subarray(25), msg.subarray(16));
    assert.deepEqual(
      encodeOpCompressed(msg, 'zlib', 6).subarray(25),
      deflateSync(msg.subarray(16), { level: 6 }),
    );
  });

  it('wraps OP_QUERY too', () => {
    const q = encodeOpQuery({ requestId: 3, fullCollectionName: 'admin.$cmd', query: { hello: 1 } });
    const m = decodeMessage(encodeOpCompressed(q, 'zlib')) as Extract<WireMessage, { opCode: 2004 }>;
    assert.equal(m.opCode, 2004);
    assert.deepEqual(m.query, { hello: 1 });
  });

  function tamper(compressor: 'zlib' | 'noop', edit: (b: Buffer) => void): Buffer {
    const b = Buffer.from(encodeOpCompressed(msg, compressor));
    edit(b);
    return b;
  }

  const bad: Record<string, Buffer> = {
    snappy: tamper('noop', (b) => {
      b[24] = 1;
    }),
    zstd: tamper('noop', (b) => {
      b[24] = 3;
    }),
    'unknown compressor id': tamper('noop', (b) => {
      b[24] = 77;
    }),
    'uncompressedSize too small': tamper('zlib', (b) => b.writeInt32LE(b.readInt32LE(20) - 1, 20)),
    'uncompressedSize too large': tamper('zlib', (b) => b.writeInt32LE(b.readInt32LE(20) + 1, 20)),
    'negative uncompressedSize': tamper('zlib', (b) => b.writeInt32LE(-5, 20)),
    'huge uncompressedSize': tamper('zlib', (b) => b.writeInt32LE(2_000_000_000, 20)),
    'nested OP_COMPRESSED': tamper('noop', (b) => b.writeInt32LE(OP_COMPRESSED, 16)),
    'corrupt zlib data': tamper('zlib', (b) => b.fill(0xff, 25, 35)),
    'truncated prefix': Buffer.from([20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xdc, 7, 0, 0, 0, 0, 0, 0]),
  };
  for (const [name, frame] of Object.entries(bad)) {
    it(`rejects ${name} with MongoProtocolError`, () => {
      assert.throws(() => decodeMessage(frame), MongoProtocolError);
    });
  }

  it('names the unsupported compressor', () => {
    assert.throws(() => decodeMessage(bad.snappy!), /unsupported compressor.*snappy/);
  });
});

/** A codec that answers later, as the snappy and zstd packages do (here: noop bytes, reversed). */
function asyncCodec(name: 'snappy' | 'zstd'): CompressionCodec & { calls: number } {
  const reversed = (b: Buffer) => Buffer.from(b).reverse();
  const codec = {
    name,
    calls: 0,
    compress: async (b: Buffer) => reversed(b),
    decompress: async (b: Buffer) => {
      codec.calls++;
      return reversed(b);
    },
  };
  return codec;
}

describe('OP_COMPRESSED with asynchronous codecs (snappy, zstd)', () => {
  it('frames any codec output with the compressor id of its name', async () => {
    for (const [name, id] of [
      ['snappy', 1],
      ['zstd', 3],
    ] as const) {
      const codec = asyncCodec(name);
      const frame = frameOpCompressed(msg, name, await codec.compress(compressiblePart(msg)));
      assert.equal(frame.readInt32LE(0), frame.length);
      assert.equal(frame.readInt32LE(4), 42);
      assert.equal(frame.readInt32LE(12), OP_COMPRESSED);
      assert.equal(frame.readInt32LE(16), 2013);
      assert.equal(frame.readInt32LE(20), msg.length - 16);
      assert.equal(frame[24], id);
      assert.deepEqual(frame.subarray(25), Buffer.from(msg.subarray(16)).reverse());
    }
  });

  it('decodeFrame answers a Promise only for an asynchronous codec', async () => {
    const codec = asyncCodec('zstd');
    const frame = frameOpCompressed(msg, 'zstd', await codec.compress(compressiblePart(msg)));
    const pending = decodeFrame(frame, { codecs: (n) => (n === 'zstd' ? codec : undefined) });
    assert.ok(pending instanceof Promise);
    const m = (await pending) as Extract<WireMessage, { opCode: 2013 }>;
    assert.equal(m.compressor, 'zstd');
    assert.deepEqual(m.body, command);
    assert.deepEqual(m.header, { messageLength: msg.length, requestId: 42, responseTo: 41, opCode: 2013 });
    const plain = decodeFrame(encodeOpCompressed(msg, 'zlib'));
    assert.ok(!(plain instanceof Promise), 'zlib stays synchronous');
  });

  it('decodeMessage (synchronous) refuses an asynchronous codec with MongoProtocolError', async () => {
    const codec = asyncCodec('snappy');
    const frame = frameOpCompressed(msg, 'snappy', await codec.compress(compressiblePart(msg)));
    assert.throws(() => decodeMessage(frame, { codecs: () => codec }), MongoProtocolError);
  });

  it('a wrong size or a failing codec rejects with MongoProtocolError', async () => {
    const codec = asyncCodec('snappy');
    const good = frameOpCompressed(msg, 'snappy', await codec.compress(compressiblePart(msg)));
    const lying = Buffer.from(good);
    lying.writeInt32LE(lying.readInt32LE(20) + 3, 20);
    await assert.rejects(
      Promise.resolve(decodeFrame(lying, { codecs: () => codec })),
      (e: unknown) => e instanceof MongoProtocolError && /declared/.test(e.message),
    );
    const broken: CompressionCodec = {
      name: 'snappy',
      compress: (b) => b,
      decompress: async () => {
        throw new Error('bad snappy input');
      },
    };
    await assert.rejects(
      Promise.resolve(decodeFrame(good, { codecs: () => broken })),
      (e: unknown) =>
        e instanceof MongoProtocolError && /snappy data is invalid: bad snappy input/.test(e.message),
    );
  });

  it('the real snappy and zstd packages round-trip through the frame', async () => {
    const codecs = createCodecs();
    for (const name of ['snappy', 'zstd'] as const) {
      const codec = codecs(name)!;
      const frame = frameOpCompressed(msg, name, await codec.compress(compressiblePart(msg)));
      assert.ok(frame.length < msg.length + 9, `${name} compresses the 500-byte comment`);
      const m = (await decodeFrame(frame, { codecs })) as Extract<WireMessage, { opCode: 2013 }>;
      assert.equal(m.compressor, name);
      assert.deepEqual(m.body, command);
      assert.deepEqual(m.sequences[0]!.documents, [{ _id: 1 }, { _id: 2 }]);
    }
  });
});
