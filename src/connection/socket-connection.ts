import type { Duplex } from 'node:stream';
import type { Document } from 'bson';
import { Observable, type Subscriber } from 'rxjs';
import {
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoProtocolError,
  MongoServerError,
} from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { isSensitiveCommand, isSensitiveReply } from '../events/redact.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE_BYTES,
  decodeMessage,
  encodeOpCompressed,
  encodeOpMsg,
  encodeOpQuery,
  FrameSplitter,
  nextRequestId,
  type WireMessage,
} from '../wire/index.js';
import { commandNameOf } from './command-name.js';
import type { CommandOptions, Connection } from './types.js';

/** Commands that must never be compressed (compression spec, "Messages not allowed to be compressed"). */
const UNCOMPRESSIBLE = new Set([
  'hello',
  'ismaster',
  'saslstart',
  'saslcontinue',
  'getnonce',
  'authenticate',
  'createuser',
  'updateuser',
  'copydbsaslstart',
  'copydbgetnonce',
  'copydb',
]);

export interface SocketConnectionInfo {
  readonly id: number;
  readonly address: string;
  readonly generation: number;
  readonly bus?: EventBus;
  /** Service id for load-balanced mode, published with command events. */
  readonly serviceId?: unknown;
}

/** One request waiting for its reply (or, for exhaust, its stream of replies). */
interface Pending {
  readonly subscriber: Subscriber<Document>;
  readonly exhaust: boolean;
  /** Called with each reply body; returns true when this was the last reply. */
  readonly onReply: (reply: Document, moreToCome: boolean) => void;
  readonly onError: (error: Error) => void;
  /** Exhaust: the next reply will answer this reply's requestId. */
  readonly rekey: (requestId: number) => void;
  timer?: NodeJS.Timeout;
}

/**
 * A connection over one socket. Requests are matched to replies by `responseTo`, so several
 * commands may be in flight; exhaust replies re-key the pending entry on each message
 * (each one answers the previous reply's requestId, OP_MSG "moreToCome").
 */
export class SocketConnection implements Connection {
  readonly id: number;
  readonly address: string;
  readonly generation: number;
  hello: Document | undefined;
  serverConnectionId: number | undefined;
  lastUsed = performance.now();
  /** Negotiated compressor, set after the handshake. */
  compressor: 'zlib' | undefined;
  zlibCompressionLevel: number | undefined;

  private readonly socket: Duplex;
  private readonly splitter: FrameSplitter;
  private readonly bus: EventBus | undefined;
  private readonly serviceId: unknown;
  private readonly pending = new Map<number, Pending>();
  private closedError: MongoError | undefined;

  constructor(socket: Duplex, info: SocketConnectionInfo) {
    this.socket = socket;
    this.id = info.id;
    this.address = info.address;
    this.generation = info.generation;
    this.bus = info.bus;
    this.serviceId = info.serviceId;
    this.splitter = new FrameSplitter(DEFAULT_MAX_MESSAGE_SIZE_BYTES);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: Error) =>
      this.fail(
        new MongoNetworkError(`connection ${this.id} to ${this.address}: ${e.message}`, { cause: e }),
      ),
    );
    socket.on('close', () =>
      this.fail(new MongoNetworkError(`connection ${this.id} to ${this.address} closed`)),
    );
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Raises the frame size limit once the handshake reports `maxMessageSizeBytes`. */
  setMaxMessageSize(bytes: number): void {
    this.splitter.maxMessageSizeBytes = bytes;
  }

  close(): void {
    this.fail(new MongoNetworkError(`connection ${this.id} to ${this.address} was closed by the driver`));
  }

  command(db: string, command: Document, options: CommandOptions = {}): Observable<Document> {
    return new Observable<Document>((subscriber) => {
      if (this.closedError) {
        subscriber.error(this.closedError);
        return;
      }
      const commandName = commandNameOf(command);
      const requestId = nextRequestId();
      const body = { ...command, $db: db };
      const monitored = !options.unmonitored && this.bus !== undefined && this.bus.wants();
      const started = performance.now();
      if (monitored) this.publishStarted(requestId, db, commandName, withSequences(body, options.sequences));

      let message: Buffer;
      try {
        message = options.legacyOpQuery
          ? encodeOpQuery({ requestId, fullCollectionName: `${db}.$cmd`, query: command, numberToReturn: -1 })
          : encodeOpMsg({
              requestId,
              command: body,
              sequences: options.sequences,
              moreToCome: options.moreToCome,
              exhaustAllowed: options.exhaustAllowed,
            });
        if (this.compressor && !options.noCompress && !UNCOMPRESSIBLE.has(commandName.toLowerCase())) {
          message = encodeOpCompressed(message, this.compressor, this.zlibCompressionLevel);
        }
      } catch (e) {
        if (monitored) this.publishFailed(requestId, db, commandName, started, e as Error);
        subscriber.error(e);
        return;
      }

      this.lastUsed = performance.now();
      if (options.moreToCome) {
        // Unacknowledged: nothing comes back. Done once the bytes are handed to the socket.
        this.socket.write(message, (err) => {
          if (err) subscriber.error(new MongoNetworkError(err.message, { cause: err }));
          else {
            if (monitored) this.publishSucceeded(requestId, db, commandName, started, { ok: 1 }, body);
            subscriber.next({ ok: 1 });
            subscriber.complete();
          }
        });
        return;
      }

      let key = requestId;
      let finished = false;
      const finish = () => {
        finished = true;
        const p = this.pending.get(key);
        if (p?.timer) clearTimeout(p.timer);
        this.pending.delete(key);
      };
      const entry: Pending = {
        subscriber,
        exhaust: options.exhaustAllowed === true,
        onReply: (reply, moreToCome) => {
          if (reply.ok !== 1 && reply.ok !== true && reply.ok !== 1.0) {
            const error =
              reply.ok === undefined && reply.$err === undefined ? undefined : new MongoServerError(reply);
            if (error) {
              finish();
              if (monitored) this.publishFailed(requestId, db, commandName, started, error);
              subscriber.error(error);
              return;
            }
          }
          if (monitored) this.publishSucceeded(requestId, db, commandName, started, reply, body);
          subscriber.next(reply);
          if (!moreToCome) {
            finish();
            subscriber.complete();
          }
        },
        onError: (error) => {
          finish();
          if (monitored) this.publishFailed(requestId, db, commandName, started, error);
          subscriber.error(error);
        },
        rekey: (id) => {
          this.pending.delete(key);
          key = id;
          this.pending.set(key, entry);
          this.armTimeout(entry, options.socketTimeoutMS);
        },
      };
      this.pending.set(requestId, entry);
      this.armTimeout(entry, options.socketTimeoutMS);
      this.socket.write(message);

      return () => {
        if (finished) return;
        finish();
        // An abandoned exhaust stream would keep sending: the connection cannot be reused.
        if (entry.exhaust) this.close();
      };
    });
  }

  private armTimeout(entry: Pending, socketTimeoutMS: number | undefined): void {
    if (entry.timer) clearTimeout(entry.timer);
    if (!socketTimeoutMS) return;
    entry.timer = setTimeout(() => {
      // A timed-out connection is in an unknown state (a reply may still come): close it.
      const error = new MongoNetworkTimeoutError(
        `connection ${this.id} to ${this.address} timed out after ${socketTimeoutMS} ms`,
      );
      entry.onError(error);
      this.fail(error);
    }, socketTimeoutMS);
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
      let message: WireMessage;
      try {
        message = decodeMessage(frame, { maxMessageSizeBytes: this.splitter.maxMessageSizeBytes });
      } catch (e) {
        this.fail(asProtocolError(e));
        return;
      }
      this.route(message);
      if (this.closedError) return;
    }
  }

  private route(message: WireMessage): void {
    const entry = this.pending.get(message.header.responseTo);
    if (!entry) return; // a reply to a request that was abandoned: drop it
    if (message.opCode === 2013) {
      if (message.moreToCome && entry.exhaust) {
        entry.rekey(message.header.requestId);
      }
      entry.onReply(message.body, message.moreToCome && entry.exhaust);
    } else if (message.opCode === 1) {
      const doc = message.documents[0];
      if (!doc) {
        entry.onError(new MongoProtocolError('OP_REPLY without a document'));
        return;
      }
      entry.onReply(doc, false);
    } else {
      this.fail(new MongoProtocolError(`unexpected opcode ${message.opCode} from ${this.address}`));
    }
  }

  /** Marks the connection dead, destroys the socket, and errors every request in flight. */
  private fail(error: MongoError): void {
    if (this.closedError) return;
    this.closedError = error;
    this.socket.destroy();
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const e of entries) e.onError(error);
  }

  // --- command monitoring (command-logging-and-monitoring) ---
  private eventBase(requestId: number, databaseName: string, commandName: string) {
    return {
      requestId,
      databaseName,
      commandName,
      address: this.address,
      connectionId: this.id,
      serverConnectionId: this.serverConnectionId,
      serviceId: this.serviceId,
    };
  }

  private publishStarted(requestId: number, db: string, commandName: string, body: Document): void {
    this.bus?.emit({
      name: 'commandStarted',
      ...this.eventBase(requestId, db, commandName),
      command: isSensitiveCommand(commandName, body) ? {} : body,
    });
  }

  private publishSucceeded(
    requestId: number,
    db: string,
    commandName: string,
    started: number,
    reply: Document,
    body: Document,
  ): void {
    this.bus?.emit({
      name: 'commandSucceeded',
      ...this.eventBase(requestId, db, commandName),
      duration: performance.now() - started,
      reply: isSensitiveReply(commandName, body, reply) ? {} : reply,
    });
  }

  private publishFailed(
    requestId: number,
    db: string,
    commandName: string,
    started: number,
    failure: Error,
  ): void {
    this.bus?.emit({
      name: 'commandFailed',
      ...this.eventBase(requestId, db, commandName),
      duration: performance.now() - started,
      failure,
    });
  }
}

/**
 * Command events show kind-1 document sequences as arrays in the command, as if they had been
 * sent in the body (command-logging-and-monitoring, "Command Started Message").
 */
function withSequences(body: Document, sequences: CommandOptions['sequences']): Document {
  if (!sequences || sequences.length === 0) return body;
  const command: Document = { ...body };
  for (const s of sequences) command[s.identifier] = [...s.documents];
  return command;
}

function asProtocolError(e: unknown): MongoError {
  if (e instanceof MongoError) return e;
  return new MongoProtocolError(e instanceof Error ? e.message : String(e), { cause: e });
}
