// 100 MB up and down through GridFS with bounded memory. Memory is sampled by count (every few
// pieces or chunks, never on a timer) after full GCs, so garbage the collector has not reached
// yet does not count, and a busy machine only makes the test slower, never different.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lastValueFrom } from 'rxjs';
import { batchSizeFor } from '../../src/gridfs/download.js';
import { DEFAULT_CHUNK_SIZE_BYTES, GridFSBucket, MongoClient } from '../../src/index.js';
import { testServer } from '../support/ferretdb.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TOTAL = 100 * 1024 * 1024;
const PIECE = 64 * 1024;
const CHUNK = DEFAULT_CHUNK_SIZE_BYTES;

/**
 * Live bytes: the JS heap and every ArrayBuffer (Buffers, chunk data, socket frames). V8 frees
 * the backing stores of dead ArrayBuffers after the collection itself, so a second collection one
 * turn of the event loop later is what makes `arrayBuffers` count only live ones.
 */
async function live(): Promise<number> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const m = process.memoryUsage();
  rssPeak = Math.max(rssPeak, m.rss);
  return m.heapUsed + m.arrayBuffers;
}
/** Highest RSS seen at a sample (reported, not asserted: freed pages need not go back to the OS). */
let rssPeak = 0;

/** The byte at offset i of the file. */
const byteAt = (i: number) => (i * 13 + (i >>> 16)) & 255;

describe('GridFS memory (integration)', () => {
  let client: MongoClient;
  let release: () => Promise<void>;
  const dbName = `gridfs_mem_${process.pid}`;

  before(async () => {
    const server = await testServer();
    release = server.release;
    client = new MongoClient(server.uri);
  });
  after(async () => {
    await lastValueFrom(client.db(dbName).dropDatabase()).catch(() => undefined);
    await lastValueFrom(client.close());
    await release();
  });

  it('uploads and downloads 100 MB with live memory growth under 4 chunks plus one batch', async () => {
    const bucket = new GridFSBucket(client.db(dbName));
    const batchBytes = batchSizeFor(CHUNK) * CHUNK;
    const bound = 4 * CHUNK + batchBytes;
    // Warm up the connection, the indexes and the code paths, then take the baseline.
    const warm = await lastValueFrom(bucket.upload('warm', new Uint8Array(3 * CHUNK)));
    for await (const _ of bucket.download(warm._id));
    const baseline = await live();
    const rssBase = process.memoryUsage().rss;
    let peakUp = 0;
    let pieces = 0;
    async function* source() {
      for (let offset = 0; offset < TOTAL; offset += PIECE) {
        const piece = new Uint8Array(PIECE);
        for (let i = 0; i < PIECE; i += 4096) piece[i] = byteAt(offset + i);
        if (++pieces % 16 === 0) peakUp = Math.max(peakUp, (await live()) - baseline);
        yield piece;
      }
    }
    const file = await lastValueFrom(bucket.upload('big', source()));
    assert.equal(file.length, TOTAL);

    let peakDown = 0;
    let offset = 0;
    let chunks = 0;
    for await (const bytes of bucket.download(file._id)) {
      for (let i = 0; i < bytes.byteLength; i++) {
        const at = offset + i;
        if (at % 4096 === 0 && bytes[i] !== byteAt(at)) assert.fail(`byte ${at} differs`);
      }
      offset += bytes.byteLength;
      if (++chunks % 4 === 0) peakDown = Math.max(peakDown, (await live()) - baseline);
    }
    assert.equal(offset, TOTAL);
    const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
    console.log(
      `# gridfs 100 MB: peak live growth upload ${mb(peakUp)} MiB, download ${mb(peakDown)} MiB (bound ${mb(bound)} MiB: 4 chunks + a batch of ${batchSizeFor(CHUNK)} chunks); RSS growth ${mb(rssPeak - rssBase)} MiB`,
    );
    assert.ok(peakUp < bound, `upload grew ${peakUp} bytes, bound ${bound}`);
    assert.ok(peakDown < bound, `download grew ${peakDown} bytes, bound ${bound}`);
  });
});
