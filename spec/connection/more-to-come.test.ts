// moreToCome (w:0) against the test server. The OP_MSG spec says no reply comes; FerretDB sends
// one anyway, so a connection must drop replies to its own moreToCome requests instead of treating
// them as stray (which would close the connection).
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { connect } from '../../src/connection/connect.js';
import { decodeMessage, encodeOpMsg, FrameSplitter, OP_MSG } from '../../src/wire/index.js';
import { testServer } from '../support/ferretdb.js';

function targetOf(uri: string): { host: string; port: number } {
  const u = new URL(uri.replace(/^mongodb:/, 'http:'));
  return { host: u.hostname, port: Number(u.port || 27017) };
}

/** Sends raw frames on a plain socket and collects every reply until one answers `untilResponseTo`. */
async function rawExchange(
  target: { host: string; port: number },
  frames: Buffer[],
  untilResponseTo: number,
): Promise<{ responseTo: number; body: unknown }[]> {
  const socket = createConnection(target);
  const splitter = new FrameSplitter();
  const replies: { responseTo: number; body: unknown }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed before the last reply')));
      socket.on('data', (chunk: Buffer) => {
        for (const frame of splitter.push(chunk)) {
          const m = decodeMessage(frame);
          replies.push({ responseTo: m.header.responseTo, body: m.opCode === OP_MSG ? m.body : undefined });
          if (m.header.responseTo === untilResponseTo) resolve();
        }
      });
      socket.once('connect', () => {
        for (const f of frames) socket.write(f);
      });
    });
  } finally {
    socket.destroy();
  }
  return replies;
}

describe('moreToCome against the test server', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer();
  });
  after(() => server.release());

  it('shows whether the server answers a moreToCome request (FerretDB does)', async (t) => {
    if (!server.isFerretDB) return t.skip('MongoDB does not answer moreToCome; nothing to show');
    const replies = await rawExchange(
      targetOf(server.uri),
      [
        encodeOpMsg({ requestId: 900_001, command: { ping: 1, $db: 'admin' }, moreToCome: true }),
        encodeOpMsg({ requestId: 900_002, command: { ping: 1, $db: 'admin' } }),
      ],
      900_002,
    );
    // If this fails, FerretDB stopped answering moreToCome and LateReplies only serves abandoned requests.
    assert.deepEqual(
      replies.map((r) => r.responseTo),
      [900_001, 900_002],
    );
  });

  it('a connection keeps working after w:0 writes whose replies the server sends anyway', async () => {
    const conn = await firstValueFrom(
      connect(
        {
          target: targetOf(server.uri),
          socket: { connectTimeoutMS: 10_000 },
          metadata: buildClientMetadata(),
        },
        { id: 1, generation: 0 },
      ),
    );
    try {
      const coll = `w0_${process.pid}`;
      for (let i = 0; i < 20; i++) {
        const ack = await firstValueFrom(
          conn.command(
            'mongorx_more_to_come',
            { insert: coll, writeConcern: { w: 0 } },
            { moreToCome: true, sequences: [{ identifier: 'documents', documents: [{ i }] }] },
          ),
        );
        assert.equal(ack.ok, 1);
      }
      // The late replies (if any) arrive before this reply on the same socket and are dropped.
      const count = await firstValueFrom(conn.command('mongorx_more_to_come', { count: coll }));
      assert.equal(conn.closed, false);
      assert.equal(count.n, 20);
      await firstValueFrom(conn.command('mongorx_more_to_come', { drop: coll }));
      assert.equal(conn.closed, false);
    } finally {
      conn.close();
    }
  });
});
