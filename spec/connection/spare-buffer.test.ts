// The outgoing spare buffer: a large message is encoded into the buffer the last one was written
// from, only once the socket has called back for that write (never while it may still be sent).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SocketConnection } from '../../src/connection/socket-connection.js';
import { SpareBuffer } from '../../src/connection/spare-buffer.js';
import type { TransportSocket } from '../../src/connection/transport.js';
import { decodeMessage, OP_MSG } from '../../src/wire/index.js';

describe('SpareBuffer', () => {
  it('lends its buffer once, takes back the larger, leaves small and huge sizes to allocUnsafe', () => {
    const spare = new SpareBuffer(100, 1000);
    const lend: { taken?: Buffer } = {};
    assert.equal(spare.allocate(50, lend).length, 50);
    assert.equal(lend.taken, undefined, 'below minBytes: not lent');
    assert.equal(spare.allocate(2000, lend).length, 2000);
    assert.equal(lend.taken, undefined, 'above maxBytes: not lent');
    const a = spare.allocate(200, lend);
    assert.equal(lend.taken, a);
    spare.give(a);
    const b = spare.allocate(150, {});
    assert.equal(b, a, 'the spare, large enough');
    assert.notEqual(spare.allocate(150, {}), a, 'lent out: a fresh one');
    spare.give(b);
    const c = spare.allocate(300, {});
    assert.notEqual(c, a, 'too small for 300');
    spare.give(c);
    spare.give(a); // smaller than the one kept: dropped
    assert.equal(spare.allocate(120, {}), c);
  });
});

/** A socket that records each write and its callback, and never answers. */
function recordingSocket() {
  const writes: { data: Uint8Array; callback?: (error?: Error | null) => void }[] = [];
  const socket: TransportSocket = {
    write(data, callback) {
      writes.push({ data, callback });
      return true;
    },
    destroy() {},
    on() {
      return socket;
    },
  };
  return { socket, writes };
}

describe('SocketConnection outgoing buffers', () => {
  it('reuses a large message buffer only after its write called back without error', () => {
    const { socket, writes } = recordingSocket();
    const conn = new SocketConnection(socket, { id: 1, address: 'fake:1', generation: 0 });
    const insert = (n: number) =>
      conn
        .command(
          'db',
          { insert: 'c' },
          {
            sequences: [
              { identifier: 'documents', documents: [{ n, data: new Uint8Array(100_000).fill(n) }] },
            ],
          },
        )
        .subscribe({ error: () => {} });
    const arrayBuffer = (i: number) => writes[i]?.data.buffer;
    const dataOf = (i: number) => {
      const message = decodeMessage(Buffer.from(writes[i]?.data as Uint8Array));
      assert.equal(message.opCode, OP_MSG);
      if (message.opCode !== OP_MSG) return undefined;
      const doc = message.sequences[0]?.documents[0] as { n: number; data: { buffer: Uint8Array } };
      return { n: doc.n, first: doc.data.buffer[0], last: doc.data.buffer[99_999] };
    };
    insert(1);
    insert(2); // the first is not written yet: a buffer of its own
    assert.notEqual(arrayBuffer(1), arrayBuffer(0));
    assert.deepEqual(dataOf(0), { n: 1, first: 1, last: 1 });
    writes[0]?.callback?.(); // written: its buffer is the spare
    insert(3);
    assert.equal(arrayBuffer(2), arrayBuffer(0), 'encoded into the first message buffer');
    assert.deepEqual(dataOf(2), { n: 3, first: 3, last: 3 });
    assert.deepEqual(dataOf(1), { n: 2, first: 2, last: 2 });
    writes[1]?.callback?.(new Error('write failed')); // not handed back: the socket may still hold it
    insert(4);
    assert.notEqual(arrayBuffer(3), arrayBuffer(1));
    assert.notEqual(arrayBuffer(3), arrayBuffer(2), 'the spare is still out with the third');
    conn.close();
  });
});
