// The proxy's own connections to the deployment behind it: a bounded pool of OP_MSG connections,
// one request at a time on each. They live as long as the proxy (FerretDB kills a cursor when the
// connection that opened it closes), and are replaced only when one fails.
import { createConnection, type Socket } from 'node:net';
import type { DeserializeOptions, Document } from 'bson';
import {
  type DocumentSequence,
  decodeMessage,
  encodeOpMsg,
  FrameSplitter,
  nextRequestId,
  OP_MSG,
} from '../../../src/wire/index.js';

/** Decode so that re-encoding gives the same BSON types (Int32 stays Int32, Long stays Long, ...). */
export const PRESERVING_BSON: DeserializeOptions = {
  promoteLongs: false,
  promoteValues: false,
  bsonRegExp: true,
};

export class UpstreamError extends Error {}

class UpstreamConnection {
  private readonly splitter = new FrameSplitter();
  private pending:
    | { requestId: number; resolve: (reply: Document) => void; reject: (error: Error) => void }
    | undefined;
  broken = false;

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.splitter.push(chunk)) this.receive(frame);
      } catch (error) {
        this.fail(new UpstreamError(`upstream sent a bad frame: ${String(error)}`));
      }
    });
    socket.on('error', (error) => this.fail(new UpstreamError(`upstream connection: ${error.message}`)));
    socket.on('close', () => this.fail(new UpstreamError('upstream connection closed')));
  }

  private receive(frame: Buffer): void {
    const message = decodeMessage(frame, { bsonOptions: PRESERVING_BSON });
    const pending = this.pending;
    if (!pending || message.header.responseTo !== pending.requestId || message.opCode !== OP_MSG) {
      throw new Error(`unexpected reply (responseTo ${message.header.responseTo})`);
    }
    this.pending = undefined;
    pending.resolve(message.body);
  }

  private fail(error: Error): void {
    this.broken = true;
    this.socket.destroy();
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  send(command: Document, sequences: readonly DocumentSequence[]): Promise<Document> {
    return new Promise((resolve, reject) => {
      if (this.broken) {
        reject(new UpstreamError('upstream connection closed'));
        return;
      }
      const requestId = nextRequestId();
      this.pending = { requestId, resolve, reject };
      this.socket.write(encodeOpMsg({ requestId, command, sequences }));
    });
  }
}

export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private readonly waiters: { resolve: (c: UpstreamConnection) => void; reject: (e: Error) => void }[] = [];
  private opening = 0;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSize: number,
  ) {}

  /** Runs one command (body with `$db`, plus document sequences) and resolves with the reply body. */
  async run(command: Document, sequences: readonly DocumentSequence[] = []): Promise<Document> {
    const conn = await this.checkOut();
    try {
      return await conn.send(command, sequences);
    } finally {
      this.checkIn(conn);
    }
  }

  private checkOut(): Promise<UpstreamConnection> {
    if (this.closed) return Promise.reject(new UpstreamError('proxy closed'));
    const ready = this.idle.pop();
    if (ready) return Promise.resolve(ready);
    const queued = new Promise<UpstreamConnection>((resolve, reject) =>
      this.waiters.push({ resolve, reject }),
    );
    if (this.all.size + this.opening < this.maxSize) this.open();
    return queued;
  }

  private open(): void {
    this.opening++;
    const socket = createConnection({ host: this.host, port: this.port });
    const settle = (error?: Error) => {
      this.opening--;
      socket.removeAllListeners('connect');
      if (error || this.closed) {
        socket.destroy();
        // A waiter with no connection to come gets the error; others wait on connections in use.
        if (this.all.size + this.opening < this.waiters.length) {
          this.waiters.shift()?.reject(error ?? new UpstreamError('proxy closed'));
        }
        return;
      }
      socket.removeAllListeners('error');
      const conn = new UpstreamConnection(socket);
      this.all.add(conn);
      this.checkIn(conn);
    };
    socket.once('connect', () => settle());
    socket.once('error', (e) => settle(new UpstreamError(`cannot connect to upstream: ${e.message}`)));
  }

  private checkIn(conn: UpstreamConnection): void {
    if (conn.broken || this.closed) {
      this.all.delete(conn);
      conn.socket.destroy();
      // Someone may be waiting for this slot.
      if (!this.closed && this.waiters.length > this.opening) this.open();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(conn);
    else this.idle.push(conn);
  }

  close(): void {
    this.closed = true;
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
    for (const w of this.waiters.splice(0)) w.reject(new UpstreamError('proxy closed'));
  }
}
