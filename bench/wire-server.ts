// A minimal in-process MongoDB wire server for benchmarks: answers hello and friends, and serves
// find/aggregate/getMore from PRE-ENCODED reply frames (only the ids are patched per reply), so
// the client's decoding and cursor machinery is what the benchmark measures.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { type Document, Long } from 'bson';
import { helloReply } from '../spec/support/mock-server/hello.js';
import {
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
  FrameSplitter,
  nextRequestId,
  OP_MSG,
  OP_QUERY,
  type WireMessage,
} from '../src/wire/index.js';
import { benchDocument } from './data.js';

export interface BenchServerOptions {
  /** Documents each cursor returns in total (a multiple of the batch sizes used). */
  readonly total: number;
  /** Added before each reply to find/getMore (ms). */
  readonly latencyMS?: number;
}

const ID_MARKER = 0x1122334455667788n;
const NS = 'bench.docs';

interface Template {
  readonly frame: Buffer;
  readonly idOffset: number;
}

interface ServerCursor {
  remaining: number;
}

export class BenchServer {
  private readonly templates = new Map<string, Template>();
  private readonly cursors = new Map<bigint, ServerCursor>();
  private nextCursorId = 1n << 60n;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: BenchServerOptions,
  ) {}

  static async start(options: BenchServerOptions): Promise<BenchServer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const bench = new BenchServer(server, port, options);
    server.on('connection', (socket) => bench.accept(socket));
    return bench;
  }

  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}/?directConnection=true`;
  }

  /** One reply body of `size` documents (the bytes a raw-decode ceiling deserializes). */
  replyBody(size: number): Buffer {
    const t = this.template(size, 'nextBatch');
    // OP_MSG: header (16) + flagBits (4) + section kind (1), then the body document.
    return t.frame.subarray(21);
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private readonly sockets = new Set<Socket>();

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const splitter = new FrameSplitter(48_000_000);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of splitter.push(chunk)) this.answer(socket, decodeMessage(frame));
    });
  }

  private answer(socket: Socket, message: WireMessage): void {
    const responseTo = message.header.requestId;
    if (message.opCode !== OP_MSG) {
      if (message.opCode !== OP_QUERY) return;
      const q = message.query;
      const command = (q.$query as Document | undefined) ?? q;
      socket.write(
        encodeOpReply({ requestId: nextRequestId(), responseTo, documents: [this.commandReply(command)] }),
      );
      return;
    }
    const command = message.body;
    const name = Object.keys(command)[0] ?? '';
    if (name === 'find' || name === 'aggregate' || name === 'getMore') {
      const frame = this.cursorFrame(name, command, responseTo);
      const latency = this.options.latencyMS ?? 0;
      if (latency > 0) setTimeout(() => socket.destroyed || socket.write(frame), latency);
      else socket.write(frame);
      return;
    }
    const reply = this.commandReply(command);
    socket.write(encodeOpMsg({ requestId: nextRequestId(), responseTo, command: reply }));
  }

  private commandReply(command: Document): Document {
    const name = Object.keys(command)[0] ?? '';
    if (name === 'hello' || name === 'isMaster' || name === 'ismaster') {
      return { ...helloReply({ logicalSessionTimeoutMinutes: 30 }, { connectionId: 1, command }), ok: 1 };
    }
    if (name === 'killCursors') {
      for (const id of command.cursors as (Long | number)[]) this.cursors.delete(BigInt(String(id)));
    }
    if (name === 'buildInfo' || name === 'buildinfo')
      return { version: '7.0.0', versionArray: [7, 0, 0, 0], ok: 1 };
    return { ok: 1 };
  }

  private cursorFrame(name: string, command: Document, responseTo: number): Buffer {
    let id: bigint;
    let cursor: ServerCursor;
    let kind: 'firstBatch' | 'nextBatch';
    let size: number;
    if (name === 'getMore') {
      id = BigInt(String(command.getMore));
      kind = 'nextBatch';
      cursor = this.cursors.get(id) ?? { remaining: 0 };
      size = (command.batchSize as number | undefined) ?? cursor.remaining;
    } else {
      id = this.nextCursorId++;
      kind = 'firstBatch';
      cursor = { remaining: this.options.total };
      this.cursors.set(id, cursor);
      const sizing = name === 'find' ? command : ((command.cursor as Document | undefined) ?? {});
      size = (sizing.batchSize as number | undefined) ?? 101;
    }
    size = Math.min(size, cursor.remaining);
    cursor.remaining -= size;
    if (cursor.remaining <= 0) {
      this.cursors.delete(id);
      id = 0n;
    }
    const t = this.template(size, kind);
    const frame = Buffer.allocUnsafe(t.frame.length);
    t.frame.copy(frame);
    frame.writeInt32LE(nextRequestId(), 4);
    frame.writeInt32LE(responseTo, 8);
    frame.writeBigInt64LE(id, t.idOffset);
    return frame;
  }

  private template(size: number, kind: 'firstBatch' | 'nextBatch'): Template {
    const key = `${kind}:${size}`;
    let t = this.templates.get(key);
    if (!t) {
      const batch = Array.from({ length: size }, (_, i) => benchDocument(i));
      const reply = { cursor: { id: Long.fromBigInt(ID_MARKER), ns: NS, [kind]: batch }, ok: 1 };
      const frame = encodeOpMsg({ requestId: 0, responseTo: 0, command: reply });
      const marker = Buffer.alloc(8);
      marker.writeBigInt64LE(ID_MARKER);
      t = { frame, idOffset: frame.indexOf(marker) };
      this.templates.set(key, t);
    }
    return t;
  }
}
