import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Document, Long } from 'bson';
import { createCodecs } from '../../../src/connection/compressors.js';
import {
  type CodecLookup,
  compressiblePart,
  DEFAULT_MAX_MESSAGE_SIZE_BYTES,
  decodeFrame,
  encodeOpMsg,
  encodeOpReply,
  FrameSplitter,
  frameOpCompressed,
  nextRequestId,
  OP_MSG,
  OP_QUERY,
  type WireMessage,
} from '../../../src/wire/index.js';
import { FailCommandPoint } from './fail-point.js';
import { errorReply, type HelloOptions, helloReply, newTopologyVersion } from './hello.js';
import {
  type FinalReply,
  isMockAction,
  type MockAction,
  type MockRequest,
  type MockResponse,
  type MockServerOptions,
} from './types.js';

const HELLO_COMMANDS = new Set(['hello', 'isMaster', 'ismaster']);

interface MockConnection {
  readonly id: number;
  readonly socket: Socket;
  readonly abort: AbortController;
  /** Requests on one connection are answered one at a time, in order, like a real server. */
  queue: Promise<void>;
  /** Frames still being decompressed by an asynchronous codec (snappy, zstd): later ones wait. */
  decoding?: Promise<void>;
  /** Writes waiting for an asynchronous codec: later writes wait, so bytes go out in order. */
  writing?: Promise<void>;
}

/**
 * A scriptable MongoDB server on a real TCP socket, speaking OP_MSG (and OP_QUERY for a legacy
 * hello). Every request is recorded in `requests`; the handler decides each answer.
 */
export class MockServer {
  /** Every request received, in arrival order. */
  readonly requests: MockRequest[] = [];
  /** Protocol errors and handler exceptions, for assertions and debugging. */
  readonly errors: unknown[] = [];
  /** Connections accepted since start (open or not). */
  totalConnections = 0;

  private readonly open = new Map<number, MockConnection>();
  private readonly waiters = new Set<{
    match: (r: MockRequest) => boolean;
    resolve: (r: MockRequest) => void;
  }>();
  private helloOptions: HelloOptions;
  private helloChanged = new AbortController();
  private stopped = false;
  /** Configured by a `configureFailPoint: 'failCommand'` command (or directly in tests). */
  readonly failPoint = new FailCommandPoint();
  /** Every compressor the spec names; snappy and zstd through the optional packages (devDependencies). */
  private readonly codecs: CodecLookup = createCodecs();

  private constructor(
    private readonly server: Server,
    private readonly options: MockServerOptions,
    readonly host: string,
    readonly port: number,
  ) {
    this.helloOptions = { topologyVersion: newTopologyVersion(), ...options.hello };
  }

  static async start(options: MockServerOptions = {}): Promise<MockServer> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    server.listen(options.port ?? 0, host);
    await once(server, 'listening');
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const mock = new MockServer(server, options, host, port);
    server.on('connection', (socket) => mock.accept(socket));
    return mock;
  }

  /** "host:port" as a topology would name this server. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get uri(): string {
    return `mongodb://${this.address}`;
  }

  /** Number of connections currently open. */
  get connections(): number {
    return this.open.size;
  }

  /** The current hello options (role, setName, topologyVersion, ...). */
  get hello(): Readonly<HelloOptions> {
    return this.helloOptions;
  }

  /**
   * Changes what the built-in hello says, bumps `topologyVersion.counter` (unless the patch sets
   * one) and answers waiting awaitable hellos at once, as a server does on a state change.
   */
  setHello(patch: HelloOptions): void {
    const tv = this.helloOptions.topologyVersion ?? newTopologyVersion();
    const bumped = { processId: tv.processId, counter: Long.fromBigInt(tv.counter.toBigInt() + 1n) };
    this.helloOptions = { ...this.helloOptions, topologyVersion: bumped, ...patch };
    this.helloChanged.abort();
    this.helloChanged = new AbortController();
  }

  /** Resolves with the next request (received from now on) that matches. */
  nextRequest(match: (r: MockRequest) => boolean = () => true, timeoutMS = 5000): Promise<MockRequest> {
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: MockRequest) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`MockServer: no matching request within ${timeoutMS} ms`));
      }, timeoutMS);
      this.waiters.add(waiter);
    });
  }

  /** Requests for one command name, e.g. `commands('find')`. */
  commands(name: string): MockRequest[] {
    return this.requests.filter((r) => r.commandName === name);
  }

  /** Destroys every open connection (the server keeps listening). */
  closeAllConnections(): void {
    for (const c of this.open.values()) this.closeConnection(c);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.closeAllConnections();
    this.helloChanged.abort();
    await closed;
  }

  private accept(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn: MockConnection = {
      id: ++this.totalConnections,
      socket,
      abort: new AbortController(),
      queue: Promise.resolve(),
    };
    this.open.set(conn.id, conn);
    const splitter = new FrameSplitter(this.options.maxMessageSizeBytes ?? DEFAULT_MAX_MESSAGE_SIZE_BYTES);
    const fail = (error: unknown) => {
      this.errors.push(error);
      this.closeConnection(conn);
    };
    const handle = (message: WireMessage) => {
      const request = this.toRequest(conn, message);
      conn.queue = conn.queue.then(() => this.serve(conn, request));
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of splitter.push(chunk)) {
          const decoded = decodeFrame(frame, { codecs: this.codecs });
          if (!conn.decoding && !(decoded instanceof Promise)) {
            handle(decoded);
            continue;
          }
          const tail: Promise<void> = (conn.decoding ?? Promise.resolve())
            .then(() => decoded)
            .then(handle, fail)
            .then(() => {
              if (conn.decoding === tail) conn.decoding = undefined;
            });
          conn.decoding = tail;
        }
      } catch (error) {
        fail(error);
      }
    });
    socket.on('error', () => this.closeConnection(conn));
    socket.on('close', () => this.closeConnection(conn));
  }

  private closeConnection(conn: MockConnection): void {
    conn.abort.abort();
    conn.socket.destroy();
    this.open.delete(conn.id);
  }

  private toRequest(conn: MockConnection, message: WireMessage): MockRequest {
    let command: Document;
    let db: string;
    let flags = { moreToCome: false, exhaustAllowed: false };
    let sequences: MockRequest['sequences'] = [];
    if (message.opCode === OP_MSG) {
      command = message.body;
      db = typeof command.$db === 'string' ? command.$db : '';
      flags = { moreToCome: message.moreToCome, exhaustAllowed: message.exhaustAllowed };
      sequences = message.sequences;
    } else if (message.opCode === OP_QUERY) {
      const q = message.query;
      command = q.$query !== undefined && typeof q.$query === 'object' ? (q.$query as Document) : q;
      db = message.fullCollectionName.replace(/\.\$cmd$/, '');
    } else {
      throw new Error(`MockServer: clients do not send opCode ${message.opCode}`);
    }
    const request: MockRequest = {
      command,
      commandName: Object.keys(command)[0] ?? '',
      db,
      sequences,
      connectionId: conn.id,
      requestId: message.header.requestId,
      ...flags,
      compressed: message.compressor !== undefined,
      compressor: message.compressor,
      opCode: message.opCode,
      signal: conn.abort.signal,
    };
    this.requests.push(request);
    for (const w of this.waiters) {
      if (w.match(request)) {
        this.waiters.delete(w);
        w.resolve(request);
      }
    }
    return request;
  }

  private async serve(conn: MockConnection, request: MockRequest): Promise<void> {
    if (conn.abort.signal.aborted) return;
    const forced = this.failPoint.trigger(request);
    if (forced?.delayMS)
      await sleep(forced.delayMS, undefined, { signal: conn.abort.signal }).catch(() => undefined);
    if (forced && (forced.reply || forced.close)) {
      await this.perform(conn, request, { ...forced, delayMS: 0 }).catch((e) => this.errors.push(e));
      return;
    }
    let response: MockResponse | undefined;
    try {
      response = (await this.options.handler?.(request)) ?? this.defaultResponse(request);
    } catch (error) {
      this.errors.push(error);
      response = errorReply(
        8,
        `MockServer handler threw: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    try {
      await this.perform(conn, request, isMockAction(response) ? response : { reply: response });
    } catch (error) {
      if (!conn.abort.signal.aborted) this.errors.push(error);
    }
  }

  private async perform(conn: MockConnection, request: MockRequest, action: MockAction): Promise<void> {
    const { signal } = conn.abort;
    if (action.delayMS) await sleep(action.delayMS, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    const raw = action.raw === undefined ? [] : Buffer.isBuffer(action.raw) ? [action.raw] : action.raw;
    for (const bytes of raw) this.write(conn, bytes);
    // A moreToCome request (w:0) gets no reply, whatever the handler said.
    if (!request.moreToCome && !action.noReply) {
      // In an exhaust stream each reply answers the previous reply's requestId (OP_MSG "moreToCome").
      let responseTo = request.requestId;
      const send = (doc: Document, moreToCome: boolean) => {
        responseTo = this.send(conn, request, action, doc, moreToCome, responseTo);
      };
      if (action.reply) send(action.reply, false);
      const replies = action.replies;
      if (Array.isArray(replies)) {
        for (let i = 0; i < replies.length; i++) send(replies[i]!, i < replies.length - 1);
      } else if (replies) {
        await streamReplies(replies as AsyncIterable<Document | FinalReply>, signal, send);
      }
    }
    if (action.close) {
      await conn.writing;
      this.closeConnection(conn);
    }
  }

  /** Writes in order; a frame an asynchronous codec still compresses holds back the ones after it. */
  private write(conn: MockConnection, bytes: Buffer | Promise<Buffer>): void {
    if (!conn.writing && !(bytes instanceof Promise)) {
      if (!conn.socket.destroyed) conn.socket.write(bytes);
      return;
    }
    const tail: Promise<void> = (conn.writing ?? Promise.resolve())
      .then(() => bytes)
      .then(
        (b) => {
          if (!conn.socket.destroyed) conn.socket.write(b);
        },
        (error: unknown) => this.errors.push(error),
      )
      .then(() => {
        if (conn.writing === tail) conn.writing = undefined;
      });
    conn.writing = tail;
  }

  private send(
    conn: MockConnection,
    request: MockRequest,
    action: MockAction,
    doc: Document,
    more: boolean,
    responseTo: number,
  ): number {
    const requestId = nextRequestId();
    if (conn.socket.destroyed) return requestId;
    const frame =
      request.opCode === OP_MSG
        ? encodeOpMsg({ requestId, responseTo, command: doc, moreToCome: more })
        : encodeOpReply({ requestId, responseTo, documents: [doc] });
    const compressor = action.compressor ?? request.compressor;
    const codec = compressor && compressor !== 'none' ? this.codecs(compressor) : undefined;
    if (!codec || compressor === undefined || compressor === 'none') {
      this.write(conn, frame);
      return requestId;
    }
    const compressed = codec.compress(compressiblePart(frame));
    this.write(
      conn,
      compressed instanceof Promise
        ? compressed.then((bytes) => frameOpCompressed(frame, compressor, bytes))
        : frameOpCompressed(frame, compressor, compressed),
    );
    return requestId;
  }

  /** Built-in answers: hello (awaitable too), configureFailPoint, and `{ ok: 1 }` for anything else. */
  private defaultResponse(request: MockRequest): MockResponse {
    if (request.commandName === 'configureFailPoint') return this.failPoint.configure(request.command);
    if (!HELLO_COMMANDS.has(request.commandName)) return { ok: 1 };
    const build = () =>
      helloReply(this.helloOptions, {
        connectionId: request.connectionId,
        command: request.command,
        serverCompressors: this.options.compressors ?? [],
      });
    const { topologyVersion, maxAwaitTimeMS } = request.command;
    if (topologyVersion === undefined || typeof maxAwaitTimeMS !== 'number') return build();
    return { replies: this.awaitableHello(request, topologyVersion as Document, maxAwaitTimeMS, build) };
  }

  /**
   * Awaitable hello (SDAM monitoring spec): answer when the topology version moves past the
   * client's or after maxAwaitTimeMS; with exhaustAllowed keep doing so until the connection closes.
   */
  private async *awaitableHello(
    request: MockRequest,
    clientVersion: Document,
    maxAwaitTimeMS: number,
    build: () => Document,
  ): AsyncGenerator<Document | FinalReply> {
    let known: Document | undefined = clientVersion;
    for (;;) {
      if (known && sameVersion(known, this.helloOptions.topologyVersion)) {
        const changed = this.helloChanged.signal;
        const wait = AbortSignal.any([changed, request.signal]);
        await sleep(maxAwaitTimeMS, undefined, { signal: wait }).catch(() => undefined);
      }
      if (request.signal.aborted) return;
      const reply = build();
      if (!request.exhaustAllowed) {
        yield { finalReply: reply };
        return;
      }
      yield reply;
      known = this.helloOptions.topologyVersion;
    }
  }
}

function sameVersion(a: Document, b: HelloOptions['topologyVersion']): boolean {
  if (!b) return false;
  const counter = a.counter;
  const n =
    typeof counter === 'number' || typeof counter === 'bigint'
      ? BigInt(counter)
      : Long.isLong(counter)
        ? counter.toBigInt()
        : -1n;
  return String(a.processId) === b.processId.toHexString() && n === b.counter.toBigInt();
}

async function streamReplies(
  replies: AsyncIterable<Document | FinalReply>,
  signal: AbortSignal,
  send: (doc: Document, moreToCome: boolean) => void,
): Promise<void> {
  for await (const item of replies) {
    if (signal.aborted) break;
    if (isFinal(item)) {
      send(item.finalReply, false);
      break;
    }
    send(item, true);
  }
}

function isFinal(item: Document | FinalReply): item is FinalReply {
  const keys = Object.keys(item);
  return keys.length === 1 && keys[0] === 'finalReply';
}
