// Reply frames reused once their reader hands them back (GridFS downloads): which frames are lent,
// what comes back, and what of a reply is copied out of its frame first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Binary, deserialize, Long, serialize, Timestamp, UUID } from 'bson';
import { RAW_BATCHES } from '../../src/bson-options.js';
import {
  attachReplyRelease,
  detachFromFrame,
  ReplyFrames,
  takeReplyRelease,
} from '../../src/connection/reply-frames.js';

const KiB = 1024;

describe('ReplyFrames', () => {
  it('lends a fresh buffer, then the one handed back', () => {
    const frames = new ReplyFrames(64 * KiB, 1024 * KiB);
    const a = frames.allocate(300 * KiB);
    assert.equal(a.length, 300 * KiB);
    assert.deepEqual([frames.allocated, frames.reused], [1, 0]);
    const release = frames.releaser(a);
    assert.ok(release);
    release();
    assert.equal(frames.heldBytes, 300 * KiB);
    const b = frames.allocate(200 * KiB);
    assert.equal(b.length, 200 * KiB, 'exactly the frame length, in the larger spare');
    assert.equal(b.buffer, a.buffer);
    assert.deepEqual([frames.allocated, frames.reused], [1, 1]);
    assert.equal(frames.heldBytes, 0, 'a lent spare is no longer held');
  });

  it('takes back only what it lent, once', () => {
    const frames = new ReplyFrames(64 * KiB, 1024 * KiB);
    assert.equal(frames.releaser(Buffer.allocUnsafe(300 * KiB)), undefined, 'a buffer it never lent');
    const lent = frames.allocate(300 * KiB);
    assert.equal(frames.releaser(lent.subarray(16)), undefined, 'a view that does not start the frame');
    const release = frames.releaser(lent);
    release?.();
    release?.();
    frames.releaser(lent)?.();
    assert.equal(frames.heldBytes, 300 * KiB, 'one spare, not three');
    assert.equal(frames.allocate(300 * KiB).buffer, lent.buffer);
    assert.notEqual(frames.allocate(300 * KiB).buffer, lent.buffer, 'the spare was lent once');
  });

  it('leaves frames out of its range to Buffer.allocUnsafe (neither lent nor kept)', () => {
    const frames = new ReplyFrames(64 * KiB, 1024 * KiB);
    const small = frames.allocate(10 * KiB);
    const large = frames.allocate(2048 * KiB);
    assert.deepEqual([small.length, large.length], [10 * KiB, 2048 * KiB]);
    assert.equal(frames.releaser(small), undefined);
    assert.equal(frames.releaser(large), undefined);
    assert.deepEqual([frames.allocated, frames.reused], [0, 0]);
  });

  it('keeps at most maxSpares, the largest, and lends the smallest that fits', () => {
    const frames = new ReplyFrames(64 * KiB, 1024 * KiB, 2);
    const lent = [100, 400, 200].map((k) => frames.allocate(k * KiB));
    for (const f of lent) frames.releaser(f)?.();
    assert.equal(frames.heldBytes, 600 * KiB, 'the 100 KiB buffer was dropped');
    assert.equal(frames.allocate(150 * KiB).buffer, lent[2]?.buffer, 'the 200 KiB spare fits 150 KiB');
    assert.equal(frames.allocate(150 * KiB).buffer, lent[1]?.buffer);
    frames.clear();
    assert.equal(frames.heldBytes, 0);
  });
});

describe('reply releases', () => {
  it('are taken once', () => {
    const reply = { ok: 1 };
    let calls = 0;
    attachReplyRelease(reply, () => calls++);
    takeReplyRelease(reply)?.();
    assert.equal(takeReplyRelease(reply), undefined);
    assert.equal(calls, 1);
  });
});

describe('detachFromFrame', () => {
  it('copies what views the frame, except the batch', () => {
    const hash = new Binary(Buffer.alloc(20, 0xab), 0);
    const uuid = new UUID();
    const frame = serialize({
      cursor: {
        id: Long.fromNumber(7),
        ns: 'db.fs.chunks',
        nextBatch: [{ n: 0, data: new Binary(Buffer.alloc(1000, 1)) }],
        postBatchResumeToken: { _data: new Binary(Buffer.from('token')) },
      },
      ok: 1,
      $clusterTime: { clusterTime: new Timestamp({ t: 5, i: 1 }), signature: { hash, keyId: Long.ZERO } },
      operationTime: new Timestamp({ t: 5, i: 1 }),
      recoveryToken: { id: uuid },
      list: [new Binary(Buffer.from('x'))],
    });
    const reply = deserialize(frame, { ...RAW_BATCHES, promoteValues: true });
    detachFromFrame(reply);
    frame.fill(0);
    const signature = reply.$clusterTime.signature;
    assert.deepEqual(Buffer.from(signature.hash.buffer), Buffer.alloc(20, 0xab), '$clusterTime signature');
    assert.equal(reply.recoveryToken.id.toHexString(), uuid.toHexString(), 'a UUID stays a UUID');
    assert.ok(reply.recoveryToken.id instanceof UUID);
    assert.equal(Buffer.from(reply.cursor.postBatchResumeToken._data.buffer).toString(), 'token');
    assert.equal(Buffer.from(reply.list[0].buffer).toString(), 'x');
    assert.equal(reply.cursor.ns, 'db.fs.chunks');
    // The batch is left as it is: the cursor reads it, then hands the frame back.
    const doc = reply.cursor.nextBatch[0] as Uint8Array;
    assert.equal(doc.buffer, frame.buffer, 'the batch still views the frame');
  });
});
