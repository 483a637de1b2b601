// An in-memory transport on an RxJS scheduler: no sockets, no wall clock. What the client writes
// is decoded and handed to a script, whose answers come back as 'data' after virtual delays.
import { EventEmitter } from 'node:events';
import type { Document } from 'bson';
import { NEVER, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { SocketTarget, Transport, TransportSocket } from '../../src/connection/transport.js';
import { MongoNetworkError } from '../../src/errors.js';
import {
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
  nextRequestId,
  OP_MSG,
  OP_QUERY,
} from '../../src/wire/index.js';

/** A request as the mock server decoded it. */
export interface MockWireRequest {
  readonly requestId: number;
  readonly commandName: string;
  readonly command: Document;
  readonly moreToCome: boolean;
  readonly exhaustAllowed: boolean;
  /** Sent as OP_QUERY (the legacy first hello). */
  readonly legacy: boolean;
  /** Virtual time it was written at. */
  readonly at: number;
}

/** One answer to a request, `afterMS` after it was written (default 0). */
export interface MockAnswer {
  readonly afterMS?: number;
  /** The reply body (OP_MSG, or OP_REPLY for a legacy request). */
  readonly reply?: Document;
  /** Raw bytes instead of a reply. */
  readonly raw?: Buffer;
  /** Sets moreToCome (exhaust streams: every reply but the last). */
  readonly moreToCome?: boolean;
  /** Overrides responseTo (default: the request's id, then each previous reply's id). */
  readonly responseTo?: number;
  /** The server closes the connection instead of answering. */
  readonly close?: boolean;
}

/** Decides the answers to a request; undefined falls back to the defaults (hello reply, `{ ok: 1 }`). */
export type MockScript = (request: MockWireRequest, socket: MockSocket) => readonly MockAnswer[] | undefined;

export const HELLO_REPLY: Document = {
  ok: 1,
  helloOk: true,
  isWritablePrimary: true,
  maxWireVersion: 21,
  minWireVersion: 0,
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  connectionId: 7,
};

const HELLO_NAMES = new Set(['hello', 'ismaster']);

export function isHello(request: MockWireRequest): boolean {
  return HELLO_NAMES.has(request.commandName.toLowerCase());
}

function defaultAnswers(request: MockWireRequest): readonly MockAnswer[] {
  if (request.moreToCome) return [];
  return [{ reply: isHello(request) ? HELLO_REPLY : { ok: 1 } }];
}

/**
 * The client's end of an in-memory connection. Writes are decoded synchronously; answers and
 * closes are scheduled on the scheduler. `destroy()` emits 'close' at once, as the connection
 * tolerates.
 */
export class MockSocket implements TransportSocket {
  readonly requests: MockWireRequest[] = [];
  destroyed = false;
  private readonly events = new EventEmitter();
  private readonly scheduled = new Set<Subscription>();

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly script: MockScript,
  ) {}

  on(event: 'data' | 'error' | 'close', listener: (arg: never) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  write(data: Uint8Array, callback?: (error?: Error | null) => void): boolean {
    if (this.destroyed) {
      callback?.(new Error('write after destroy'));
      return false;
    }
    const message = decodeMessage(Buffer.from(data));
    const command =
      message.opCode === OP_MSG ? message.body : message.opCode === OP_QUERY ? message.query : {};
    const request: MockWireRequest = {
      requestId: message.header.requestId,
      commandName: Object.keys(command)[0] ?? '',
      command,
      moreToCome: message.opCode === OP_MSG && message.moreToCome,
      exhaustAllowed: message.opCode === OP_MSG && message.exhaustAllowed,
      legacy: message.opCode === OP_QUERY,
      at: this.scheduler.now(),
    };
    this.requests.push(request);
    callback?.(null);
    this.answer(request, this.script(request, this) ?? defaultAnswers(request));
    return true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const s of this.scheduled) s.unsubscribe();
    this.scheduled.clear();
    this.events.emit('close');
  }

  /** Delivers bytes to the client now (as if they had just arrived). */
  push(bytes: Buffer): void {
    if (!this.destroyed) this.events.emit('data', bytes);
  }

  /** The peer resets the connection: 'error' then 'close'. */
  reset(): void {
    if (this.destroyed) return;
    this.events.emit('error', new Error('ECONNRESET'));
    this.destroy();
  }

  /** Sends an OP_MSG reply now; returns its requestId. */
  reply(responseTo: number, body: Document, moreToCome = false): number {
    const requestId = nextRequestId();
    this.push(encodeOpMsg({ requestId, responseTo, command: body, moreToCome }));
    return requestId;
  }

  private answer(request: MockWireRequest, answers: readonly MockAnswer[]): void {
    let responseTo = request.requestId;
    // Reply ids are fixed at write time so that each exhaust reply can answer the previous one.
    for (const a of answers) {
      const requestId = nextRequestId();
      const bytes = this.encode(request, a, requestId, a.responseTo ?? responseTo);
      responseTo = requestId;
      this.later(a.afterMS ?? 0, () => (a.close ? this.destroy() : bytes && this.push(bytes)));
    }
  }

  private encode(
    request: MockWireRequest,
    a: MockAnswer,
    requestId: number,
    responseTo: number,
  ): Buffer | undefined {
    if (a.raw) return a.raw;
    if (!a.reply) return undefined;
    return request.legacy
      ? encodeOpReply({ requestId, responseTo, documents: [a.reply] })
      : encodeOpMsg({ requestId, responseTo, command: a.reply, moreToCome: a.moreToCome });
  }

  private later(ms: number, work: () => void): void {
    const sub = this.scheduler.schedule(() => {
      this.scheduled.delete(sub);
      work();
    }, ms);
    this.scheduled.add(sub);
  }
}

export interface MockTransportOptions {
  /** Virtual ms until the socket connects; 'never' hangs; 'refuse' errors at once. Default 0. */
  readonly connectMS?: number | 'never' | 'refuse';
  readonly script?: MockScript;
}

/** Hands out MockSockets; counts connection attempts and those abandoned before connecting. */
export class MockTransport implements Transport {
  readonly sockets: MockSocket[] = [];
  attempts = 0;
  abandoned = 0;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly options: MockTransportOptions = {},
  ) {}

  connect(target: SocketTarget): Observable<TransportSocket> {
    const connectMS = this.options.connectMS ?? 0;
    return new Observable<TransportSocket>((subscriber) => {
      this.attempts++;
      if (connectMS === 'refuse') {
        subscriber.error(
          new MongoNetworkError(`connect ${JSON.stringify(target)}: ECONNREFUSED`, { beforeHandshake: true }),
        );
        return;
      }
      let connected = false;
      const timer =
        connectMS === 'never'
          ? NEVER.subscribe()
          : this.scheduler.schedule(() => {
              connected = true;
              const socket = new MockSocket(this.scheduler, this.options.script ?? (() => undefined));
              this.sockets.push(socket);
              subscriber.next(socket);
              subscriber.complete();
            }, connectMS);
      return () => {
        timer.unsubscribe();
        if (!connected) this.abandoned++;
      };
    });
  }

  get last(): MockSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket was opened');
    return socket;
  }
}

/**
 * A scheduler that counts the timers scheduled through it that have neither run nor been
 * cancelled: 0 once everything is done means nothing was left behind.
 */
export function countingScheduler(inner: SchedulerLike): SchedulerLike & { readonly pending: number } {
  const live = new Set<Subscription>();
  return {
    now: () => inner.now(),
    schedule(work, delay, state) {
      const action: Subscription = inner.schedule(
        function (this: unknown, s) {
          live.delete(action);
          (work as (this: unknown, s: typeof state) => void).call(this, s);
        },
        delay,
        state,
      );
      live.add(action);
      action.add(() => live.delete(action));
      return action;
    },
    get pending() {
      return live.size;
    },
  };
}
