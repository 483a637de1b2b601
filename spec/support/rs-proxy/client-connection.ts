// One client connection accepted by a member: frames in (one request at a time, in order, as a
// server runs them), replies out through the member's network faults.
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Document } from 'bson';
import {
  type DocumentSequence,
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
  FrameSplitter,
  nextRequestId,
  OP_MSG,
  OP_QUERY,
  type WireMessage,
} from '../../../src/wire/index.js';
import { commandNameOf } from './command-kinds.js';
import type { FaultableConnection, Faults } from './faults.js';
import { PRESERVING_BSON } from './upstream.js';

export interface ProxyRequest {
  readonly opCode: typeof OP_MSG | typeof OP_QUERY;
  readonly requestId: number;
  /** The command body (an OP_QUERY's `$query` unwrapped). */
  readonly command: Document;
  readonly commandName: string;
  /** `$db`, or the database of an OP_QUERY's `<db>.$cmd`. */
  readonly db: string;
  readonly sequences: readonly DocumentSequence[];
  readonly moreToCome: boolean;
  readonly exhaustAllowed: boolean;
  /** OP_QUERY flags (the SecondaryOk bit); undefined for OP_MSG. */
  readonly opQueryFlags: number | undefined;
}

export type RequestHandler = (conn: ClientConnection, request: ProxyRequest) => Promise<void>;

/** Resolves when `promise` settles or `signal` aborts, whichever is first. */
export function untilAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    promise.then(done, done);
  });
}

function toRequest(message: WireMessage): ProxyRequest {
  if (message.opCode === OP_MSG) {
    const command = message.body;
    return {
      opCode: OP_MSG,
      requestId: message.header.requestId,
      command,
      commandName: commandNameOf(command),
      db: typeof command.$db === 'string' ? command.$db : '',
      sequences: message.sequences,
      moreToCome: message.moreToCome,
      exhaustAllowed: message.exhaustAllowed,
      opQueryFlags: undefined,
    };
  }
  if (message.opCode === OP_QUERY) {
    const q = message.query;
    const command = typeof q.$query === 'object' && q.$query !== null ? (q.$query as Document) : q;
    return {
      opCode: OP_QUERY,
      requestId: message.header.requestId,
      command,
      commandName: commandNameOf(command),
      db: message.fullCollectionName.replace(/\.\$cmd$/, ''),
      sequences: [],
      moreToCome: false,
      exhaustAllowed: false,
      opQueryFlags: message.flags,
    };
  }
  throw new Error(`clients do not send opCode ${message.opCode}`);
}

export class ClientConnection implements FaultableConnection {
  /** The handshake's `client.application.name` (failCommand's `appName` matches it). */
  appName: string | undefined;
  private readonly abort = new AbortController();
  private readonly splitter = new FrameSplitter();
  private requests: Promise<void> = Promise.resolve();
  private writes: Promise<void> = Promise.resolve();
  private byteBudget: number | undefined;

  constructor(
    readonly socket: Socket,
    readonly id: number,
    private readonly faults: Faults,
    handler: RequestHandler,
    onClose: (conn: ClientConnection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.splitter.push(chunk);
      } catch {
        this.close();
        return;
      }
      for (const frame of frames) {
        let request: ProxyRequest;
        try {
          request = toRequest(decodeMessage(frame, { bsonOptions: PRESERVING_BSON }));
        } catch {
          this.close();
          return;
        }
        // A handler that throws closes the connection (the server "crashed" for this client).
        this.requests = this.requests
          .then(() => (this.closed ? undefined : handler(this, request)))
          .catch(() => this.close());
      }
    });
    socket.on('error', () => this.close());
    socket.on('close', () => {
      this.abort.abort();
      onClose(this);
    });
  }

  /** Aborted when the connection closes (ends waits: awaitable hello, blockConnection, delays). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get closed(): boolean {
    return this.abort.signal.aborted || this.socket.destroyed;
  }

  /**
   * Sends a reply (OP_MSG, or OP_REPLY to an OP_QUERY) answering `responseTo`; returns its
   * requestId (the next reply of an exhaust stream answers that).
   */
  reply(
    request: ProxyRequest,
    body: Document,
    options: { moreToCome?: boolean; responseTo?: number } = {},
  ): number {
    const requestId = nextRequestId();
    const responseTo = options.responseTo ?? request.requestId;
    const frame =
      request.opCode === OP_MSG
        ? encodeOpMsg({ requestId, responseTo, command: body, moreToCome: options.moreToCome === true })
        : encodeOpReply({ requestId, responseTo, documents: [body] });
    this.write(frame);
    return requestId;
  }

  /** Closes once the replies already sent have gone out. */
  closeAfterWrites(): void {
    this.writes = this.writes.then(() => this.close());
  }

  close(): void {
    this.socket.destroy();
    this.abort.abort();
  }

  // --- FaultableConnection ---

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
    this.abort.abort();
  }

  setByteBudget(bytes: number | undefined): void {
    this.byteBudget = bytes;
  }

  /** Writes go out in order, each after the reply delay and any freeze. */
  private write(frame: Buffer): void {
    this.writes = this.writes.then(async () => {
      const delay = this.faults.replyDelayMS;
      if (delay > 0) {
        const signal = AbortSignal.any([this.signal, this.faults.delayLiftedSignal]);
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
      if (this.faults.frozen) await untilAborted(this.faults.whenThawed(), this.signal);
      if (this.closed) return;
      const out = this.faults.transform(frame);
      const budget = this.byteBudget;
      if (budget !== undefined && out.length > budget) {
        // The first `budget` bytes go out, then the connection is cut (FIN after them).
        this.byteBudget = 0;
        if (budget > 0) this.socket.end(out.subarray(0, budget));
        else this.socket.end();
        this.abort.abort();
        return;
      }
      if (budget !== undefined) this.byteBudget = budget - out.length;
      this.socket.write(out);
    });
  }
}
