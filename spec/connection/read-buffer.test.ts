// Plain sockets read into one buffer of their own (net's `onread`), and say so, so that the
// connection's frame splitter copies frames out of it (spec/wire/frame-splitter.test.ts).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { netTransport } from '../../src/connection/transport.js';

const port = (server: Server) => (server.address() as { port: number }).port;

describe('plain socket reads (onread)', () => {
  it('reads every chunk into the same buffer, and says so', async () => {
    const server = createServer((s) => s.end(Buffer.alloc(300_000, 7)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = await firstValueFrom(
      netTransport.connect({ host: '127.0.0.1', port: port(server) }, { connectTimeoutMS: 0 }),
    );
    assert.equal(socket.reusesReadBuffer, true);
    const buffers = new Set<ArrayBufferLike>();
    let bytes = 0;
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk) => {
        buffers.add(chunk.buffer);
        bytes += chunk.length;
        if (bytes === 300_000) resolve();
      });
    });
    assert.equal(buffers.size, 1);
    socket.destroy();
    server.close();
  });
});
