// A bare wire-protocol client for proxy tests: sends frames, matches replies by responseTo, and
// keeps what arrived unmatched (wrong responseTo), protocol errors and the bytes received.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Document } from 'bson';
import {
  decodeMessage,
  encodeOpMsg,
  encodeOpQuery,
  FrameSplitter,
  nextRequestId,
  OP_MSG,
  type WireMessage,
} from '../../../src/wire/index.js';

/** int64 values stay Long (keyId, topologyVersion.counter, cursor ids), as servers send them. */
const LONGS_KEPT = { bsonOptions: { promoteLongs: false } };

export interface RawReply {
  readonly body: Document;
  readonly requestId: number;
  readonly responseTo: number;
  readonly moreToCome: boolean;
  readonly opCode: number;
}

function toReply(message: WireMessage): RawReply {
  const body =
    message.opCode === OP_MSG ? message.body : message.opCode === 1 ? message.documents[0] : undefined;
  return {
    body: body ?? {},
    requestId: message.header.requestId,
    responseTo: message.header.responseTo,
    moreToCome: message.opCode === OP_MSG && message.moreToCome,
    opCode: message.opCode,
  };
}

export class RawConnection {
  /** Replies whose responseTo matched no waiting request. */
  readonly unmatched: RawReply[] = [];
  /** Every reply decoded, in arrival order. */
  readonly received: RawReply[] = [];
  bytesReceived = 0;
  protocolError: unknown;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  private readonly splitter = new FrameSplitter();
  private readonly waiting = new Map<
    number,
    { resolve: (r: RawReply) => void; reject: (e: Error) => void }
  >();
  private isClosed = false;
  private readonly arrivals = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      try {
        for (const frame of this.splitter.push(chunk))
          this.receive(toReply(decodeMessage(frame, LONGS_KEPT)));
      } catch (error) {
        this.protocolError = error;
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.isClosed = true;
      for (const w of this.waiting.values()) w.reject(new Error('connection closed before the reply'));
      this.waiting.clear();
      for (const check of [...this.arrivals]) check();
    });
  }

  static async open(address: string): Promise<RawConnection> {
    const [host, port] = address.split(':');
    const socket = connect(Number(port), host);
    await once(socket, 'connect');
    return new RawConnection(socket);
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Resolves when `count` replies have arrived in all (or the connection closed). */
  receivedAtLeast(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.received.length < count && !this.isClosed) return;
        this.arrivals.delete(check);
        resolve();
      };
      this.arrivals.add(check);
      check();
    });
  }

  private receive(reply: RawReply): void {
    this.received.push(reply);
    for (const check of [...this.arrivals]) check();
    const w = this.waiting.get(reply.responseTo);
    if (!w) {
      this.unmatched.push(reply);
      return;
    }
    this.waiting.delete(reply.responseTo);
    w.resolve(reply);
  }

  /** Resolves with the reply to `responseTo` (a request id, or the previous reply of a stream). */
  replyTo(responseTo: number): Promise<RawReply> {
    const seen = this.unmatched.findIndex((r) => r.responseTo === responseTo);
    if (seen >= 0) return Promise.resolve(this.unmatched.splice(seen, 1)[0]!);
    if (this.isClosed) return Promise.reject(new Error('connection closed before the reply'));
    return new Promise((resolve, reject) => this.waiting.set(responseTo, { resolve, reject }));
  }

  /** Sends an OP_MSG (`$db` defaults to admin); returns its request id. */
  send(command: Document, flags: { moreToCome?: boolean; exhaustAllowed?: boolean } = {}): number {
    const requestId = nextRequestId();
    const body = '$db' in command ? command : { ...command, $db: 'admin' };
    this.socket.write(encodeOpMsg({ requestId, command: body, ...flags }));
    return requestId;
  }

  /** Sends an OP_MSG and waits for its reply body. */
  async command(command: Document, flags: { exhaustAllowed?: boolean } = {}): Promise<Document> {
    return (await this.replyTo(this.send(command, flags))).body;
  }

  /** A legacy OP_QUERY command on `admin.$cmd` (flags: 4 = SecondaryOk); resolves with the OP_REPLY document. */
  async legacy(query: Document, flags = 0): Promise<RawReply> {
    const requestId = nextRequestId();
    this.socket.write(encodeOpQuery({ requestId, fullCollectionName: 'admin.$cmd', query, flags }));
    return this.replyTo(requestId);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
