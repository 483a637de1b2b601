// A minimal in-process MongoDB wire server for benchmarks: answers hello (with sessions) and
// friends, serves find/aggregate/getMore from PRE-ENCODED reply frames (only the ids are patched
// per reply), and acknowledges writes after counting their statements without decoding them, so
// what a benchmark measures is the client's work.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { type Document, deserialize, type Long } from 'bson';
import { helloReply } from '../spec/support/mock-server/hello.js';
import {
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
  FrameSplitter,
  nextRequestId,
  OP_MSG,
  OP_QUERY,
} from '../src/wire/index.js';
import { replyDocument } from './data.js';

export interface BenchServerOptions {
  /** Documents each cursor returns in total, by collection name (others: `defaultTotal`). */
  readonly totals: Readonly<Record<string, number>>;
  readonly defaultTotal: number;
  /** Added before each reply to find/getMore (ms). */
  readonly latencyMS?: number;
  /** hello without logicalSessionTimeoutMinutes: neither driver attaches sessions. */
  readonly noSessions?: boolean;
}

const ID_MARKER = 0x1122334455667788n;
const WRITES = new Set(['insert', 'update', 'delete']);

interface Template {
  readonly frame: Buffer;
  readonly idOffset: number;
}

interface ServerCursor {
  remaining: number;
  collection: string;
}

export class BenchServer {
  private readonly templates = new Map<string, Template>();
  private readonly cursors = new Map<bigint, ServerCursor>();
  private nextCursorId = 1n << 60n;
  private readonly sockets = new Set<Socket>();

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

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const splitter = new FrameSplitter(48_000_000);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of splitter.push(chunk)) this.answer(socket, frame);
    });
  }

  private answer(socket: Socket, frame: Buffer): void {
    const responseTo = frame.readInt32LE(4);
    const opCode = frame.readInt32LE(12);
    if (opCode !== OP_MSG) {
      const message = decodeMessage(frame);
      if (opCode !== OP_QUERY || message.opCode !== OP_QUERY) return;
      const q = message.query;
      const command = (q.$query as Document | undefined) ?? q;
      socket.write(
        encodeOpReply({ requestId: nextRequestId(), responseTo, documents: [this.commandReply(command)] }),
      );
      return;
    }
    const moreToCome = (frame.readUInt32LE(16) & 2) !== 0;
    // OP_MSG: header (16), flagBits (4), kind-0 byte, body.
    const bodyLength = frame.readInt32LE(21);
    const name = firstKey(frame, 21);
    if (WRITES.has(name)) {
      const n = countStatements(frame, 21, bodyLength);
      if (moreToCome) return;
      const reply: Document = name === 'update' ? { n, nModified: n, ok: 1 } : { n, ok: 1 };
      socket.write(encodeOpMsg({ requestId: nextRequestId(), responseTo, command: reply }));
      return;
    }
    const command = deserialize(frame.subarray(21, 21 + bodyLength));
    if (name === 'find' || name === 'aggregate' || name === 'getMore') {
      const out = this.cursorFrame(name, command, responseTo);
      const latency = this.options.latencyMS ?? 0;
      if (latency > 0) setTimeout(() => socket.destroyed || socket.write(out), latency);
      else socket.write(out);
      return;
    }
    if (moreToCome) return;
    socket.write(
      encodeOpMsg({ requestId: nextRequestId(), responseTo, command: this.commandReply(command) }),
    );
  }

  private commandReply(command: Document): Document {
    const name = Object.keys(command)[0] ?? '';
    if (name === 'hello' || name === 'isMaster' || name === 'ismaster') {
      // logicalSessionTimeoutMinutes: both drivers use implicit sessions (lsid on every command).
      const minutes = this.options.noSessions ? null : 30;
      return {
        ...helloReply({ logicalSessionTimeoutMinutes: minutes }, { connectionId: 1, command }),
        ok: 1,
      };
    }
    if (name === 'killCursors') {
      for (const id of command.cursors as (Long | number)[]) this.cursors.delete(BigInt(String(id)));
    }
    if (name === 'buildInfo' || name === 'buildinfo')
      return { version: '7.0.0', versionArray: [7, 0, 0, 0], ok: 1 };
    return { ok: 1 };
  }

  /** `docs1k_20000`: 20,000 documents of 1 KB; `docs1k`: the configured total. */
  private totalOf(collection: string): number {
    const n = /_(\d+)$/.exec(collection)?.[1];
    if (n !== undefined) return Number(n);
    return this.options.totals[collection] ?? this.options.defaultTotal;
  }

  private cursorFrame(name: string, command: Document, responseTo: number): Buffer {
    let id: bigint;
    let cursor: ServerCursor;
    let kind: 'firstBatch' | 'nextBatch';
    let size: number;
    if (name === 'getMore') {
      id = BigInt(String(command.getMore));
      kind = 'nextBatch';
      cursor = this.cursors.get(id) ?? { remaining: 0, collection: String(command.collection) };
      size = (command.batchSize as number | undefined) ?? cursor.remaining;
    } else {
      id = this.nextCursorId++;
      kind = 'firstBatch';
      const collection = String(command[name]);
      cursor = { remaining: this.totalOf(collection), collection };
      const sizing = name === 'find' ? command : ((command.cursor as Document | undefined) ?? {});
      size = (sizing.batchSize as number | undefined) ?? 101;
      const limit = Math.abs(Number(command.limit ?? 0));
      if (limit > 0) {
        size = Math.min(size || limit, limit);
        cursor.remaining = Math.min(cursor.remaining, limit);
      }
      if (command.singleBatch === true) cursor.remaining = Math.min(cursor.remaining, size);
      this.cursors.set(id, cursor);
    }
    size = Math.min(size, cursor.remaining);
    cursor.remaining -= size;
    if (cursor.remaining <= 0) {
      this.cursors.delete(id);
      id = 0n;
    }
    const t = this.template(cursor.collection, size, kind);
    const frame = Buffer.allocUnsafe(t.frame.length);
    t.frame.copy(frame);
    frame.writeInt32LE(nextRequestId(), 4);
    frame.writeInt32LE(responseTo, 8);
    frame.writeBigInt64LE(id, t.idOffset);
    return frame;
  }

  private template(collection: string, size: number, kind: 'firstBatch' | 'nextBatch'): Template {
    const key = `${collection}:${kind}:${size}`;
    let t = this.templates.get(key);
    if (!t) {
      const reply = replyDocument(collection, size, kind, ID_MARKER);
      const frame = encodeOpMsg({ requestId: 0, responseTo: 0, command: reply });
      const marker = Buffer.alloc(8);
      marker.writeBigInt64LE(ID_MARKER);
      t = { frame, idOffset: frame.indexOf(marker) };
      this.templates.set(key, t);
    }
    return t;
  }
}

/** The first field name of the BSON document at `offset`. */
function firstKey(buf: Buffer, offset: number): string {
  const start = offset + 5;
  return buf.toString('latin1', start, buf.indexOf(0, start));
}

/**
 * Statements of a write command without decoding them: the elements of its `documents`/`updates`/
 * `deletes` array in the body, or the documents of its kind-1 sections.
 */
function countStatements(frame: Buffer, bodyStart: number, bodyLength: number): number {
  let n = 0;
  // Top-level elements of the body.
  let p = bodyStart + 4;
  const bodyEnd = bodyStart + bodyLength - 1;
  while (p < bodyEnd) {
    const type = frame[p] as number;
    const nameEnd = frame.indexOf(0, p + 1);
    const fieldName = frame.toString('latin1', p + 1, nameEnd);
    p = nameEnd + 1;
    const size = elementSize(frame, type, p);
    if (type === 4 && (fieldName === 'documents' || fieldName === 'updates' || fieldName === 'deletes')) {
      let q = p + 4;
      const end = p + size - 1;
      while (q < end) {
        q = frame.indexOf(0, q + 1) + 1;
        q += frame.readInt32LE(q);
        n++;
      }
    }
    p += size;
  }
  // Kind-1 sections.
  p = bodyStart + bodyLength;
  while (p < frame.length && frame[p] === 1) {
    const sectionEnd = p + 1 + frame.readInt32LE(p + 1);
    let q = frame.indexOf(0, p + 5) + 1;
    while (q < sectionEnd) {
      q += frame.readInt32LE(q);
      n++;
    }
    p = sectionEnd;
  }
  return n;
}

/** Byte size of a BSON element's value of `type` at `p` (the types write commands carry). */
function elementSize(buf: Buffer, type: number, p: number): number {
  switch (type) {
    case 1:
    case 9:
    case 17:
    case 18:
      return 8;
    case 2:
    case 13:
      return 4 + buf.readInt32LE(p);
    case 3:
    case 4:
      return buf.readInt32LE(p);
    case 5:
      return 5 + buf.readInt32LE(p);
    case 7:
      return 12;
    case 8:
      return 1;
    case 10:
    case 127:
    case 255:
      return 0;
    case 16:
      return 4;
    case 19:
      return 16;
    default:
      throw new Error(`bench server: BSON type ${type} in a write command`);
  }
}
