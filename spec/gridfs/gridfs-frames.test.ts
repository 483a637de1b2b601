// A GridFS download's batch replies are assembled in reused buffers: what the driver keeps of a
// reply beyond its batch (the cluster time it gossips) must not read a buffer that is reused.
// The mock server signs every reply's $clusterTime, and the first download's last reply carries
// the highest; a second download then reuses that reply's buffer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Binary, type Document, Long, ObjectId, Timestamp } from 'bson';
import { lastValueFrom, toArray } from 'rxjs';
import { replyFrames } from '../../src/connection/reply-frames.js';
import { GridFSBucket, MongoClient } from '../../src/index.js';
import { MockServer } from '../support/mock-server/index.js';

const CHUNK = 300 * 1024;
const CHUNKS = 8;
const PER_BATCH = 4;

function clusterTime(t: number, byte: number): Document {
  return {
    clusterTime: new Timestamp({ t, i: 1 }),
    signature: { hash: new Binary(Buffer.alloc(20, byte)), keyId: Long.fromNumber(7) },
  };
}

describe('GridFS batch buffers and the cluster time (mock server)', () => {
  let server: MockServer;
  const fileId = new ObjectId();
  /** The $clusterTime of the replies, by download: rising in the first, lower in the second. */
  let download = 0;
  let reply = 0;
  const stamp = (doc: Document): Document => {
    reply++;
    return {
      ...doc,
      $clusterTime: download === 1 ? clusterTime(100 + reply, 0xaa) : clusterTime(50, 0xbb),
    };
  };
  const chunks = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => ({
      _id: new ObjectId(),
      files_id: fileId,
      n: from + i,
      data: new Binary(Buffer.alloc(CHUNK, from + i)),
    }));

  before(async () => {
    server = await MockServer.start({
      handler: (r) => {
        const ns = `${r.db}.${String(r.command[r.commandName])}`;
        if (r.commandName === 'find' && r.command.find === 'fs.files') {
          const file = {
            _id: fileId,
            length: CHUNK * CHUNKS,
            chunkSize: CHUNK,
            uploadDate: new Date(),
            filename: 'f',
          };
          return stamp({ cursor: { id: Long.ZERO, ns, firstBatch: [file] }, ok: 1 });
        }
        if (r.commandName === 'find')
          return stamp({ cursor: { id: Long.fromNumber(9), ns, firstBatch: chunks(0, PER_BATCH) }, ok: 1 });
        if (r.commandName === 'getMore')
          return stamp({
            cursor: { id: Long.ZERO, ns: `${r.db}.fs.chunks`, nextBatch: chunks(PER_BATCH, CHUNKS) },
            ok: 1,
          });
        if (r.commandName === 'ping') return stamp({ ok: 1 });
        return undefined;
      },
    });
  });
  after(async () => {
    await server.stop();
  });

  it('gossips the signature it received, after its reply buffer served another download', async () => {
    const client = new MongoClient(server.uri, { directConnection: true });
    try {
      const bucket = new GridFSBucket(client.db('db'));
      const lent = () => replyFrames.reused + replyFrames.allocated;
      const mark = { lent: lent(), reused: replyFrames.reused };
      download = 1;
      const first = await lastValueFrom(bucket.download(fileId).pipe(toArray()));
      download = 2;
      const second = await lastValueFrom(bucket.download(fileId).pipe(toArray()));
      for (const got of [first, second]) {
        assert.equal(got.length, CHUNKS);
        for (const [n, c] of got.entries())
          assert.ok(Buffer.from(c).equals(Buffer.alloc(CHUNK, n)), `chunk ${n}`);
      }
      assert.equal(lent() - mark.lent, 4, 'the chunk batches were assembled in lent buffers');
      assert.ok(replyFrames.reused - mark.reused >= 2, 'the second download reused the first one’s');
      const at = server.requests.length;
      await lastValueFrom(client.db('db').command({ ping: 1 }));
      const ping = server.requests.slice(at).find((r) => r.commandName === 'ping');
      const gossiped = ping?.command.$clusterTime as Document;
      // The highest: the first download's last reply (its getMore), signed with 0xaa.
      assert.equal((gossiped.clusterTime as Timestamp).getHighBits(), 100 + 3);
      const hash = (gossiped.signature as { hash: Binary }).hash;
      assert.ok(Buffer.from(hash.buffer).equals(Buffer.alloc(20, 0xaa)), 'the signature as it was received');
    } finally {
      await lastValueFrom(client.close());
    }
  });
});
