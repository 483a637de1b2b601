import type { Document } from 'bson';
import { type Subscription, take } from 'rxjs';
import { MongoInvalidArgumentError, MongoUnexpectedServerResponseError } from '../errors.js';
import { type ExecutionContext, isRetryableReadError, runOnServer } from '../execute.js';
import {
  type CursorReply,
  getMoreOperation,
  isZeroCursorId,
  killCursorsOperation,
} from '../operations/cursor-commands.js';
import type { CommandOperation } from '../operations/operation.js';
import type { ServerDescription } from '../sdam/description/server-description.js';
import type { SelectedServer } from '../sdam/topology-contract.js';

/** Everything a cursor needs to (re)open itself: each subscription opens a new server cursor. */
export interface CursorSpec<T> {
  readonly ctx: ExecutionContext;
  /** The command that opens the cursor (find, aggregate, listCollections, ...). */
  readonly open: () => CommandOperation<CursorReply<Document>>;
  /** Documents per getMore (0/undefined: the server's default). */
  readonly batchSize?: number;
  /** Positive: exact cap on the documents delivered; also caps each getMore's batchSize. */
  readonly limit?: number;
  /** The first batch is the only one (negative limit, singleBatch). */
  readonly singleBatch?: boolean;
  /** Sent as getMore `maxTimeMS` (tailable awaitData cursors). */
  readonly maxAwaitTimeMS?: number;
  readonly comment?: unknown;
  /** Request batch N+1 while batch N is consumed (never more than one batch ahead). */
  readonly prefetch?: boolean;
  /** Applied to each document as it is emitted (`cursor.map`). */
  readonly transform?: (doc: Document) => T;
}

/** Where a run delivers: an RxJS Subscriber fits, so does an async iterator's queue. */
export interface CursorSink<T> {
  readonly closed: boolean;
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

type CursorId = CursorReply['id'];
const EMPTY: readonly Document[] = [];
const noop = () => {};

/**
 * One subscription's server cursor: opens it, keeps the current batch, emits documents in a
 * plain loop as demand allows, decides when to send getMore and kills the cursor on cancel.
 *
 * Fetch rule: without prefetch a getMore goes out only when buffered documents cannot cover the
 * outstanding demand (a plain subscriber's demand is infinite, so: when the buffer is empty).
 * With prefetch it goes out as soon as fewer than one batch is buffered beyond the demand.
 * At most one command is in flight, so the buffer never holds more than one batch beyond demand
 * (two with prefetch).
 */
export class CursorRun<T> {
  private demand = 0;
  private buf: readonly Document[] = EMPTY;
  private pos = 0;
  private server: SelectedServer | undefined;
  private ns = '';
  private id: CursorId = 0;
  private received = 0;
  private lastBatchLength = 0;
  /** No getMore will be sent: id 0, limit reached or single batch. */
  private serverDone = false;
  private opened = false;
  private inFlight = false;
  private selecting: Subscription | undefined;
  private draining = false;
  /** Completed, errored or cancelled: nothing is emitted any more. */
  private ended = false;
  private cancelled = false;

  /**
   * @param batchSink when set, whole batches go there instead of documents to `sink` (`batches()`).
   */
  constructor(
    private readonly spec: CursorSpec<T>,
    private readonly sink: CursorSink<T>,
    private readonly batchSink?: CursorSink<T[]>,
  ) {}

  /** Adds demand (Reactive Streams request(n)); Infinity for an unbounded subscriber. */
  request(n: number): void {
    if (this.ended) return;
    if (!(n > 0) || (n !== Number.POSITIVE_INFINITY && !Number.isInteger(n))) {
      this.fail(new MongoInvalidArgumentError(`demand must be a positive integer, got ${n}`));
      return;
    }
    this.demand += n;
    if (!this.opened) this.openCursor();
    else this.drain();
  }

  /** Teardown: kills the server cursor once (after any command in flight), sends nothing after. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.ended = true;
    this.buf = EMPTY;
    if (this.selecting) {
      this.selecting.unsubscribe();
      this.selecting = undefined;
    } else if (!this.inFlight) {
      this.kill();
    }
    // A command in flight finishes; its reply handler then kills the cursor it names.
  }

  private openCursor(): void {
    this.opened = true;
    this.inFlight = true;
    this.select(this.spec.open(), [], true);
  }

  private select(
    op: CommandOperation<CursorReply<Document>>,
    deprioritized: ServerDescription[],
    retry: boolean,
  ) {
    let selected = false;
    const sub = this.spec.ctx.topology
      .selectServer({
        kind: op.kind,
        readPreference: op.readPreference,
        deprioritized,
        operationName: op.commandName,
      })
      .pipe(take(1))
      .subscribe({
        next: (server) => {
          selected = true;
          this.selecting = undefined;
          this.server = server;
          this.send(op, retry);
        },
        error: (e: unknown) => {
          this.selecting = undefined;
          this.inFlight = false;
          this.fail(e);
        },
      });
    if (!selected && !sub.closed) this.selecting = sub;
  }

  /** Sends one command; acts on the reply once the connection is back in the pool (on complete). */
  private send(op: CommandOperation<CursorReply<Document>>, retry = false): void {
    const server = this.server as SelectedServer;
    let reply: CursorReply<Document> | undefined;
    runOnServer(this.spec.ctx, server, op).subscribe({
      next: (r) => {
        reply = r;
      },
      error: (e: unknown) => {
        this.inFlight = false;
        if (this.ended) return;
        // retryable-reads: the command that opens a cursor is retried once on a new selection.
        if (retry && op.retryable === 'read' && this.spec.ctx.retryReads && isRetryableReadError(e)) {
          this.inFlight = true;
          this.select(op, [server.description], false);
          return;
        }
        // The server ends a cursor whose getMore failed; nothing to kill.
        this.id = 0;
        this.fail(e);
      },
      complete: () => {
        this.inFlight = false;
        if (reply) this.onReply(reply);
        else if (!this.ended) this.fail(new MongoUnexpectedServerResponseError('no cursor reply'));
      },
    });
  }

  private onReply(reply: CursorReply<Document>): void {
    this.id = reply.id;
    if (reply.ns) this.ns = reply.ns;
    if (this.ended) {
      this.kill();
      return;
    }
    const limit = this.spec.limit ?? 0;
    let batch = reply.batch;
    if (limit > 0 && batch.length > limit - this.received) batch = batch.slice(0, limit - this.received);
    this.received += batch.length;
    if (batch.length > 0) this.lastBatchLength = batch.length;
    if (isZeroCursorId(this.id) || this.spec.singleBatch || (limit > 0 && this.received >= limit)) {
      this.serverDone = true;
    }
    if (this.batchSink) {
      if (this.spec.prefetch) this.maybeFetch(0);
      if (batch.length > 0 && !this.emitBatch(batch)) return;
      this.afterDrain();
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = batch;
    } else {
      this.buf = this.buf.slice(this.pos).concat(batch);
    }
    this.pos = 0;
    if (this.spec.prefetch) this.maybeFetch(this.buf.length);
    this.drain();
  }

  private emitBatch(batch: readonly Document[]): boolean {
    const transform = this.spec.transform;
    try {
      const out = (transform ? batch.map(transform) : batch) as T[];
      this.batchSink?.next(out);
    } catch (e) {
      this.fail(e);
      return false;
    }
    return !this.ended && !this.sinkClosed();
  }

  /** Emits buffered documents while there is demand, in a loop (no per-document allocation). */
  private drain(): void {
    if (this.draining || this.ended) return;
    this.draining = true;
    const sink = this.sink;
    const transform = this.spec.transform;
    try {
      while (this.demand > 0 && this.pos < this.buf.length && !this.ended) {
        const doc = this.buf[this.pos++] as Document;
        this.demand--;
        sink.next(transform ? transform(doc) : (doc as T));
      }
    } catch (e) {
      this.draining = false;
      this.fail(e);
      return;
    }
    this.draining = false;
    if (this.ended || this.sinkClosed()) return;
    if (this.pos >= this.buf.length && this.buf !== EMPTY) {
      this.buf = EMPTY;
      this.pos = 0;
    }
    this.afterDrain();
  }

  private afterDrain(): void {
    const buffered = this.buf.length - this.pos;
    if (buffered === 0 && this.serverDone && !this.inFlight) {
      this.ended = true;
      // A cursor stopped by its limit may still be open on the server (5.0+): close it.
      this.kill();
      if (this.batchSink) this.batchSink.complete();
      else this.sink.complete();
      return;
    }
    this.maybeFetch(buffered);
  }

  private maybeFetch(buffered: number): void {
    if (this.inFlight || this.serverDone || this.ended || !this.server) return;
    const demand = this.batchSink ? Number.POSITIVE_INFINITY : this.demand;
    const fetch = this.spec.prefetch
      ? demand > 0 && buffered - Math.min(demand, buffered) < this.batchEstimate()
      : buffered < demand;
    if (!fetch) return;
    this.inFlight = true;
    this.send(
      getMoreOperation<Document>(this.ns, this.id, {
        batchSize: this.getMoreBatchSize(),
        maxAwaitTimeMS: this.spec.maxAwaitTimeMS,
        comment: this.spec.comment,
      }),
    );
  }

  private batchEstimate(): number {
    const b = this.spec.batchSize ?? 0;
    return b > 0 ? b : this.lastBatchLength || 101;
  }

  /** The remaining limit caps getMore's batchSize (crud spec, find limit/batchSize). */
  private getMoreBatchSize(): number | undefined {
    const b = this.spec.batchSize !== undefined && this.spec.batchSize > 0 ? this.spec.batchSize : undefined;
    const limit = this.spec.limit ?? 0;
    if (limit <= 0) return b;
    const remaining = limit - this.received;
    return b === undefined ? remaining : Math.min(b, remaining);
  }

  private kill(): void {
    const id = this.id;
    if (!this.server || isZeroCursorId(id)) return;
    this.id = 0;
    runOnServer(this.spec.ctx, this.server, killCursorsOperation(this.ns, id)).subscribe({ error: noop });
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.buf = EMPTY;
    if (!this.inFlight) this.kill();
    if (this.batchSink) this.batchSink.error(error);
    else this.sink.error(error);
  }

  private sinkClosed(): boolean {
    return this.batchSink ? this.batchSink.closed : this.sink.closed;
  }
}
