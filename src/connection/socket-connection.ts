import type { Document } from 'bson';
import { MongoError, MongoNetworkError, MongoNetworkTimeoutError, MongoProtocolError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import {
  asyncScheduler,
  Observable,
  type SchedulerLike,
  type Subscriber,
  type TeardownLogic,
} from '../rx.js';
import {
  type CodecLookup,
  type Compressor,
  DEFAULT_MAX_MESSAGE_SIZE_BYTES,
  decodeFrame,
  FrameSplitter,
  HEADER_LENGTH,
  nextRequestId,
  OP_MSG,
  type WireMessage,
} from '../wire/index.js';
import { type CommandEvents, CommandMonitor, UNMONITORED } from './command-monitoring.js';
import { commandNameOf } from './command-name.js';
import { defaultCodecs } from './compressors.js';
import {
  compressCommand,
  encodeCommand,
  type NegotiatedCompression,
  type OutgoingBytes,
  type OutgoingCommand,
} from './encode-command.js';
import { LateReplies } from './late-replies.js';
import { PendingRequest } from './pending-request.js';
import { interpretReply } from './reply.js';
import { attachReplyRelease, detachFromFrame, replyFrames } from './reply-frames.js';
import { outgoingSpare } from './spare-buffer.js';
import type { TransportSocket } from './transport.js';
import type { CommandOptions, Connection } from './types.js';

/** How many request ids whose late replies are dropped a connection remembers (see LateReplies). */
const LATE_REPLY_WINDOW = 1024;

export interface SocketConnectionInfo {
  readonly id: number;
  readonly address: string;
  readonly generation: number;
  readonly bus?: EventBus;
  /** Service id for load-balanced mode, published with command events. */
  readonly serviceId?: unknown;
  /** Clock and timers (socket timeouts, event durations); asyncScheduler by default. */
  readonly scheduler?: SchedulerLike;
  /** Codecs for compressed replies, whatever compressor the server used (default: all, lazily loaded). */
  readonly codecs?: CodecLookup;
}

/**
 * A connection over one socket. Requests are matched to replies by `responseTo`, so several
 * commands may be in flight; an exhaust stream's entry moves on to each reply's requestId (OP_MSG
 * "moreToCome"). A reply that answers nothing in flight, nor a recent moreToCome or abandoned
 * request, breaks the protocol: the connection closes and every request on it fails at once.
 */
export class SocketConnection implements Connection {
  readonly id: number;
  readonly address: string;
  readonly generation: number;
  hello: Document | undefined;
  serverConnectionId: number | undefined;
  /** Compression negotiated by the handshake. */
  compression: NegotiatedCompression | undefined;

  private readonly socket: TransportSocket;
  private readonly splitter: FrameSplitter;
  private readonly scheduler: SchedulerLike;
  private readonly monitor: CommandMonitor | undefined;
  /** Acknowledged requests, keyed by the request id their next reply answers. */
  private readonly pending = new Map<number, PendingRequest>();
  /** moreToCome requests whose bytes are not yet handed to the socket: they fail with the connection. */
  private readonly unwritten = new Set<(error: MongoError) => void>();
  private readonly lateReplies = new LateReplies(LATE_REPLY_WINDOW);
  private closedError: MongoError | undefined;
  private readonly codecs: CodecLookup;
  /**
   * Frames still being decompressed asynchronously (snappy, zstd): later frames wait behind them,
   * so replies are routed in arrival order (an exhaust stream's next reply answers the previous one).
   */
  private inbound: Promise<void> | undefined;

  constructor(socket: TransportSocket, info: SocketConnectionInfo) {
    this.socket = socket;
    this.splitter = new FrameSplitter(
      DEFAULT_MAX_MESSAGE_SIZE_BYTES,
      socket.reusesReadBuffer === true,
      (n, head) => this.frameBuffer(n, head),
    );
    this.id = info.id;
    this.address = info.address;
    this.generation = info.generation;
    this.scheduler = info.scheduler ?? asyncScheduler;
    this.codecs = info.codecs ?? defaultCodecs;
    const serviceId = info.serviceId;
    this.monitor = info.bus
      ? new CommandMonitor(info.bus, this.scheduler, () => ({
          address: this.address,
          connectionId: this.id,
          serverConnectionId: this.serverConnectionId,
          // Load-balanced: the handshake names the service (known after it, for every later command).
          serviceId: serviceId ?? this.hello?.serviceId,
        }))
      : undefined;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) =>
      this.fail(new MongoNetworkError(this.describe(`failed: ${e.message}`), { cause: e })),
    );
    socket.on('close', () => this.fail(new MongoNetworkError(this.describe('closed'))));
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** The negotiated compressor, if any. */
  get compressor(): Compressor | undefined {
    return this.compression?.compressor;
  }

  /** Requests waiting for a reply (exhaust streams count once). */
  get inFlight(): number {
    return this.pending.size + this.unwritten.size;
  }

  /** Raises the frame size limit once the handshake reports `maxMessageSizeBytes`. */
  setMaxMessageSize(bytes: number): void {
    this.splitter.maxMessageSizeBytes = bytes;
  }

  /** Destroys the socket; every request in flight fails at once with MongoNetworkError. Idempotent. */
  close(): void {
    this.fail(new MongoNetworkError(this.describe('was closed by the driver')));
  }

  command(db: string, command: Document, options: CommandOptions = {}): Observable<Document> {
    return new Observable<Document>((subscriber) => {
      if (this.closedError) {
        subscriber.error(this.closedError);
        return;
      }
      const out: OutgoingCommand = {
        requestId: nextRequestId(),
        databaseName: db,
        commandName: commandNameOf(command),
        command,
        body: { ...command, $db: db },
      };
      const events =
        this.monitor && !options.unmonitored
          ? this.monitor.start({ ...out, sequences: options.sequences, operationId: options.operationId })
          : UNMONITORED;
      let bytes: OutgoingBytes | Promise<Buffer>;
      const lend: { taken?: Buffer } = {};
      try {
        const encoded = encodeCommand(out, options, (n) => outgoingSpare.allocate(n, lend));
        bytes = compressCommand(out, options, encoded, this.compression);
      } catch (e) {
        events.failed(e as Error);
        subscriber.error(e);
        return;
      }
      // The spare buffer the message was encoded into goes back once the socket is done with it.
      const taken = lend.taken;
      const written = taken && ((err?: Error | null) => err || outgoingSpare.give(taken));
      const send = (message: OutgoingBytes) =>
        options.moreToCome
          ? this.sendUnacknowledged(out.requestId, message, events, subscriber, written)
          : this.sendRequest(out.requestId, message, options, events, subscriber, written);
      if (!(bytes instanceof Promise)) return send(bytes);
      return this.sendWhenCompressed(bytes, send, events, subscriber);
    });
  }

  /**
   * An asynchronous codec's output is sent when ready: nothing is written if the subscriber left
   * first, and a codec failure (a missing package: MongoMissingDependencyError) errors this command
   * only; the connection stays usable since nothing of it was written.
   */
  private sendWhenCompressed(
    bytes: Promise<Buffer>,
    send: (message: OutgoingBytes) => () => void,
    events: CommandEvents,
    subscriber: Subscriber<Document>,
  ): TeardownLogic {
    let left = false;
    let teardown: (() => void) | undefined;
    bytes.then(
      (message) => {
        if (left) return;
        if (this.closedError) {
          events.failed(this.closedError);
          subscriber.error(this.closedError);
          return;
        }
        teardown = send(message);
      },
      (error: unknown) => {
        if (left) return;
        const e = error instanceof Error ? error : new MongoError(String(error));
        events.failed(e);
        subscriber.error(e);
      },
    );
    return () => {
      left = true;
      teardown?.();
    };
  }

  /** moreToCome (w:0): done once the bytes are handed to the socket; a late reply is dropped. */
  private sendUnacknowledged(
    requestId: number,
    message: OutgoingBytes,
    events: CommandEvents,
    subscriber: Subscriber<Document>,
    written?: (error?: Error | null) => void,
  ): () => void {
    const fail = (error: MongoError) => {
      events.failed(error);
      subscriber.error(error);
    };
    this.unwritten.add(fail);
    this.lateReplies.expect(requestId);
    this.write(message, (err) => {
      written?.(err);
      if (!this.unwritten.delete(fail)) return; // the connection failed first, or the subscriber left
      if (err) {
        const error = new MongoNetworkError(this.describe(`failed: ${err.message}`), { cause: err });
        fail(error);
        this.fail(error);
        return;
      }
      const reply = { ok: 1 };
      events.succeeded(reply);
      subscriber.next(reply);
      subscriber.complete();
    });
    return () => {
      this.unwritten.delete(fail);
    };
  }

  private sendRequest(
    requestId: number,
    message: OutgoingBytes,
    options: CommandOptions,
    events: CommandEvents,
    subscriber: Subscriber<Document>,
    written?: (error?: Error | null) => void,
  ): () => void {
    const request = new PendingRequest(
      requestId,
      options.exhaustAllowed === true,
      options.socketTimeoutMS ?? 0,
      subscriber,
      events,
      options.bsonOptions,
      options.releasableReply === true,
    );
    this.track(request);
    this.write(message, written);
    return () => {
      if (request.done) return;
      request.settle();
      // Every commandStarted gets its end (command monitoring): a command left before its reply
      // (CSOT deadline, unsubscribe) failed, as far as its subscriber is concerned.
      events.failed(new MongoNetworkError(this.describe('command abandoned before its reply')));
      this.pending.delete(request.awaiting);
      // An abandoned exhaust stream would keep sending: the connection cannot be reused. Any other
      // request's reply may still come: it is dropped when it does.
      if (request.exhaust) this.close();
      else this.lateReplies.expect(request.awaiting);
    };
  }

  /**
   * Writes one message: the pieces of a message corked into one write (net and TLS sockets), or
   * joined for a socket that cannot cork (in-memory fakes read one message per write).
   */
  private write(message: OutgoingBytes, callback?: (error?: Error | null) => void): void {
    if (Buffer.isBuffer(message)) {
      this.socket.write(message, callback);
      return;
    }
    const pieces = message as readonly Buffer[];
    const socket = this.socket;
    if (pieces.length === 1 || !socket.cork || !socket.uncork) {
      socket.write(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces), callback);
      return;
    }
    socket.cork();
    for (let i = 0; i < pieces.length; i++)
      socket.write(pieces[i] as Buffer, i === pieces.length - 1 ? callback : undefined);
    socket.uncork();
  }

  /** Registers `request` under the id it awaits and starts its socket timer. */
  private track(request: PendingRequest): void {
    this.pending.set(request.awaiting, request);
    request.arm(this.scheduler, (timeoutMS) => {
      // A timed-out connection is in an unknown state (a reply may still come): close it.
      const error = new MongoNetworkTimeoutError(this.describe(`timed out after ${timeoutMS} ms`));
      this.pending.delete(request.awaiting);
      request.fail(error);
      this.fail(error);
    });
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.splitter.push(chunk);
    } catch (e) {
      this.fail(asProtocolError(e));
      return;
    }
    for (const frame of frames) {
      if (this.inbound) {
        this.queueInbound(this.inbound.then(() => (this.closedError ? undefined : this.handleFrame(frame))));
        continue;
      }
      const pending = this.handleFrame(frame);
      if (pending) this.queueInbound(pending);
      if (this.closedError) return;
    }
  }

  /**
   * Where a frame spanning reads is assembled: a reused buffer for an uncompressed reply to a
   * request that hands its reply back (`releasableReply`), else a fresh one.
   */
  private frameBuffer(length: number, head: Buffer): Buffer {
    if (head.length >= HEADER_LENGTH && head.readInt32LE(12) === OP_MSG) {
      const request = this.pending.get(head.readInt32LE(8));
      if (request?.releasable && !request.monitored) return replyFrames.allocate(length);
    }
    return Buffer.allocUnsafe(length);
  }

  /** Decodes and routes one frame; a Promise only while an asynchronous codec decompresses it. */
  private handleFrame(frame: Buffer): Promise<void> | undefined {
    let decoded: WireMessage | Promise<WireMessage>;
    try {
      decoded = decodeFrame(frame, {
        maxMessageSizeBytes: this.splitter.maxMessageSizeBytes,
        // Decoded as the request it answers asks (responseTo sits at bytes 8..11 of the header).
        bsonOptions: frame.length >= 12 ? this.pending.get(frame.readInt32LE(8))?.bsonOptions : undefined,
        codecs: this.codecs,
      });
    } catch (e) {
      this.fail(asProtocolError(e));
      return undefined;
    }
    if (!(decoded instanceof Promise)) {
      this.route(decoded, frame);
      return undefined;
    }
    return decoded.then(
      (message) => {
        if (!this.closedError) this.route(message);
      },
      (e: unknown) => this.fail(asProtocolError(e)),
    );
  }

  private queueInbound(work: Promise<void>): void {
    const tail = work.then(() => {
      if (this.inbound === tail) this.inbound = undefined;
    });
    this.inbound = tail;
  }

  /** Hands a reply to its request; `frame`: the bytes it was decoded from (uncompressed replies). */
  private route(message: WireMessage, frame?: Buffer): void {
    const { responseTo, requestId } = message.header;
    const request = this.pending.get(responseTo);
    if (!request) {
      if (this.lateReplies.take(responseTo)) return;
      this.fail(
        new MongoProtocolError(
          this.describe(`received a reply to request ${responseTo}, which is not in flight`),
        ),
      );
      return;
    }
    this.pending.delete(responseTo);
    const outcome = interpretReply(message, request.exhaust);
    if (outcome.kind === 'fatal') {
      request.fail(outcome.error);
      this.fail(outcome.error);
    } else if (outcome.kind === 'error') {
      request.fail(outcome.error);
    } else if (outcome.more) {
      // The next reply of the stream answers this one; re-key before emitting, so a subscriber
      // that leaves on this reply is found under the right id.
      request.awaiting = requestId;
      this.track(request);
      request.reply(outcome.reply, false);
    } else {
      if (frame && request.releasable && !request.monitored) this.lendFrame(outcome.reply, frame);
      request.reply(outcome.reply, true);
    }
  }

  /**
   * A reply assembled in a reused buffer carries the release of that buffer for its reader; what
   * of it may outlive the reader (`$clusterTime`, resume tokens) is copied out of the frame first.
   */
  private lendFrame(reply: Document, frame: Buffer): void {
    const release = replyFrames.releaser(frame);
    if (!release) return;
    detachFromFrame(reply);
    attachReplyRelease(reply, release);
  }

  /** Marks the connection dead, destroys the socket, and fails every request in flight at once. */
  private fail(error: MongoError): void {
    if (this.closedError) return;
    this.closedError = error;
    this.socket.destroy();
    const requests = [...this.pending.values()];
    const unwritten = [...this.unwritten];
    this.pending.clear();
    this.unwritten.clear();
    for (const r of requests) r.fail(error);
    for (const fail of unwritten) fail(error);
  }

  private describe(what: string): string {
    return `connection ${this.id} to ${this.address} ${what}`;
  }
}

function asProtocolError(e: unknown): MongoError {
  if (e instanceof MongoError) return e;
  return new MongoProtocolError(e instanceof Error ? e.message : String(e), { cause: e });
}
