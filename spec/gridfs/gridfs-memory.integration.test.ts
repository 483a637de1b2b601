// 100 MB up and down through GridFS with bounded memory. Memory is sampled by count (every few
// pieces or chunks, never on a timer) after full GCs, so garbage the collector has not reached
// yet does not count, and a busy machine only makes the test slower, never different. Each
// direction's growth is over its own start; RSS is also read at every piece and chunk.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lastValueFrom } from 'rxjs';
import { replyFrames } from '../../src/connection/reply-frames.js';
import { batchSizeFor } from '../../src/gridfs/download.js';
import { DEFAULT_CHUNK_SIZE_BYTES, GridFSBucket, MongoClient } from '../../src/index.js';
import { testServer } from '../support/ferretdb.js';

setFlagsFromString('--expose-gc');
// V8 frees dead ArrayBuffers' memory on a background thread after a collection by default; on a
// busy machine that thread can lag for many turns of the event loop, so `arrayBuffers` right after
// gc() sometimes still counts a freed 4 MiB reply. Sweeping them inside the collection makes the
// count after gc() exact (a count of what is alive, whatever the load).
setFlagsFromString('--no-concurrent-array-buffer-sweeping');
const gc = runInNewContext('gc') as () => void;

const TOTAL = 100 * 1024 * 1024;
const PIECE = 64 * 1024;
const CHUNK = DEFAULT_CHUNK_SIZE_BYTES;

/**
 * Live bytes: the JS heap and every ArrayBuffer (Buffers, chunk data, socket frames), after full
 * collections one turn of the event loop apart (what a turn releases, such as a socket's last
 * read, is then collected too).
 */
async function settled(): Promise<NodeJS.MemoryUsage> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  let m = process.memoryUsage();
  // Collect again while the count still drops (a count of rounds, never a timer).
  for (let round = 0; round < 4; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const next = process.memoryUsage();
    if (next.arrayBuffers + next.heapUsed >= m.arrayBuffers + m.heapUsed) break;
    m = next;
  }
  return m;
}

/** What a direction's growth is measured from: live bytes and RSS once everything settled. */
async function baseline(): Promise<{ live: number; rss: number }> {
  const m = await settled();
  return { live: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

/** Peak growth over the baseline of one direction, all sampled by count. */
class Peaks {
  /** Live bytes after full GCs (asserted against the bound). */
  live = 0;
  /** RSS right after those GCs. */
  rss = 0;
  /** RSS at every piece or chunk, without a GC: garbage not yet collected counts here. */
  rssAny = 0;

  constructor(private readonly base: { live: number; rss: number }) {}

  /** Cheap: RSS only, at every piece or chunk. */
  touch(): void {
    this.rssAny = Math.max(this.rssAny, process.memoryUsage.rss() - this.base.rss);
  }

  async sample(): Promise<void> {
    this.touch();
    const m = await settled();
    this.live = Math.max(this.live, m.heapUsed + m.arrayBuffers - this.base.live);
    this.rss = Math.max(this.rss, m.rss - this.base.rss);
  }
}

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

  it('uploads and downloads 100 MB with live memory and RSS growth under 4 chunks plus one batch', async () => {
    const bucket = new GridFSBucket(client.db(dbName));
    const batchBytes = batchSizeFor(CHUNK) * CHUNK;
    const bound = 4 * CHUNK + batchBytes;
    // Warm up the connection, the indexes and the code paths, then take the baseline.
    const warm = await lastValueFrom(bucket.upload('warm', new Uint8Array(3 * CHUNK)));
    for await (const _ of bucket.download(warm._id));
    const up = new Peaks(await baseline());
    let pieces = 0;
    async function* source() {
      for (let offset = 0; offset < TOTAL; offset += PIECE) {
        const piece = new Uint8Array(PIECE);
        for (let i = 0; i < PIECE; i += 4096) piece[i] = byteAt(offset + i);
        if (++pieces % 16 === 0) await up.sample();
        else up.touch();
        yield piece;
      }
    }
    const file = await lastValueFrom(bucket.upload('big', source()));
    assert.equal(file.length, TOTAL);

    // The download's growth is over what is left once the upload's garbage is collected.
    const down = new Peaks(await baseline());
    const frames = { reused: replyFrames.reused, allocated: replyFrames.allocated };
    let offset = 0;
    let chunks = 0;
    for await (const bytes of bucket.download(file._id)) {
      for (let i = 0; i < bytes.byteLength; i++) {
        const at = offset + i;
        if (at % 4096 === 0 && bytes[i] !== byteAt(at)) assert.fail(`byte ${at} differs`);
      }
      offset += bytes.byteLength;
      if (++chunks % 4 === 0) await down.sample();
      else down.touch();
    }
    assert.equal(offset, TOTAL);
    // Each batch after the first is assembled in the buffer of the batch before (REUSABLE_REPLIES).
    const batches = Math.ceil(TOTAL / batchBytes);
    const reused = replyFrames.reused - frames.reused;
    const allocated = replyFrames.allocated - frames.allocated;
    assert.ok(allocated <= 1, `${allocated} batch buffers allocated, expected 1 at most`);
    assert.ok(reused >= batches - 1, `${reused} of ${batches} batches reused a buffer`);
    const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
    const show = (p: Peaks) =>
      `live ${mb(p.live)} MiB, RSS after GC ${mb(p.rss)} MiB, RSS at any chunk ${mb(p.rssAny)} MiB`;
    console.log(
      `# gridfs 100 MB (bound ${mb(bound)} MiB: 4 chunks + a batch of ${batchSizeFor(CHUNK)} chunks): upload ${show(up)}; download ${show(down)}; ${batches} batches, ${reused} in a reused buffer`,
    );
    assert.ok(up.live < bound, `upload grew ${up.live} live bytes, bound ${bound}`);
    assert.ok(down.live < bound, `download grew ${down.live} live bytes, bound ${bound}`);
    // RSS after the GCs. glibc keeps freed 64 KiB-4 MiB blocks resident (after one is freed it
    // serves that size from the heap, not mmap, and trims only past twice the largest), so buffers
    // allocated and freed per chunk, per read or per batch would show in RSS long after they are
    // collected: the driver reuses them instead (the upload's chunk buffers, the outgoing message
    // buffer, one read buffer per socket, the download's batch buffer). The download's RSS is held
    // to the bound. The upload's is held to twice the bound: its figure includes this test's own
    // source (a fresh 64 KiB piece each time), and the allocator is not the driver's (measured with
    // two busy loops beside the test: 1.6-4.1 MiB over ~1.4 MiB live).
    assert.ok(down.rss < bound, `download grew RSS by ${down.rss} bytes after GC, more than ${bound}`);
    assert.ok(up.rss < 2 * bound, `upload grew RSS by ${up.rss} bytes after GC, more than ${2 * bound}`);
    // RSS at any chunk, without a GC, also counts what the collector has not reached yet: the
    // chunks the loop took since the last collection (up to 4, each a copy the consumer dropped),
    // and on the upload the source's pieces. Measured: download 4.0-4.6 MiB, upload 2.5-4.0 MiB.
    assert.ok(
      down.rssAny < bound + 4 * CHUNK,
      `download grew RSS by ${down.rssAny} bytes at a chunk, more than ${bound + 4 * CHUNK}`,
    );
    assert.ok(
      up.rssAny < 2 * bound,
      `upload grew RSS by ${up.rssAny} bytes at a piece, more than ${2 * bound}`,
    );
  });
});
