import type { Document } from 'bson';
import type { BsonOptions } from '../bson-options.js';
import {
  MongoInvalidArgumentError,
  MongoServerError,
  MongoUnexpectedServerResponseError,
} from '../errors.js';
import { clockOf, type ExecutionContext } from '../execute/context.js';
import { executeOperation } from '../execute/execute-operation.js';
import { ExecutionScope, type ScopeSession } from '../execute/scope.js';
import {
  type CursorReply,
  decodeDocument,
  type EncodedBatch,
  getMoreOperation,
  isZeroCursorId,
  killCursorsOperation,
} from '../operations/cursor-commands.js';
import type { CommandOperation } from '../operations/operation.js';
import type { Subscription } from '../rx.js';
import type { CursorRuns, TrackedRun } from './cursor-runs.js';

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
  /**
   * The explicit session the cursor runs in (checked on subscribe: it throws a typed error for a
   * session it cannot use); without one the cursor takes an implicit session for its life.
   */
  readonly session?: () => ScopeSession | undefined;
  /** CSOT: the cursor's timeoutMS and timeoutMode, resolved and checked on subscribe. */
  readonly timeout?: () => CursorTimeout | undefined;
  /** The BSON options its documents are decoded with (resolved on subscribe; getMore keeps them). */
  readonly bson?: () => BsonOptions | undefined;
  /** Change streams: sees replies and documents, and may re-open the cursor after an error. */
  readonly resumable?: ResumableCursorHooks;
  /** The cursor object's runs (its `id`, `closed`, `close()`); each run joins when it starts. */
  readonly runs?: CursorRuns;
  /**
   * Its sink copies what it keeps of each document before the next is emitted (REUSABLE_REPLIES):
   * each reply's bytes are handed back for reuse once its documents are out.
   */
  readonly reusesReplies?: boolean;
}

/**
 * What a change stream adds to a cursor run (change-streams spec): it watches each reply and each
 * document as it is emitted (resume-token cache), may end the run after a document (invalidate),
 * and on an error may name the command that re-opens the cursor (resume) instead of failing.
 */
export interface ResumableCursorHooks {
  /** A reply arrived; `buffered` documents (this batch included) wait to be emitted. */
  onReply(reply: CursorReply<Document>, opening: boolean, buffered: number): void;
  /**
   * A document is about to be emitted; `remaining` documents stay buffered after it. Throws to
   * error the run; returns true when the run ends after this document.
   */
  onDocument(doc: Document, remaining: number): boolean;
  /**
   * A command failed: how to resume, or undefined to fail the run. `maxWireVersion` is that of the
   * server the failed command went to.
   */
  resumeWith(error: unknown, opening: boolean, maxWireVersion: number): Resumption | undefined;
}

/** How a run resumes after an error (change streams). */
export interface Resumption {
  /** The opening command of the new server cursor. */
  readonly open: () => CommandOperation<CursorReply<Document>>;
  /**
   * The error was a timeout (CSOT "Change Streams"): the stream stays valid, and the resume belongs
   * to the next `next` call with a deadline of its own. A pull iterator gets the error and resumes
   * on its next request; a subscriber (push) resumes at once, once: a second timeout with no
   * getMore succeeding in between errors the run, as does a timeout of the resuming aggregate.
   */
  readonly timeout: boolean;
}

/** CSOT "Cursors": how `timeoutMS` applies to a cursor. */
export interface CursorTimeout {
  /** 0 = no limit. */
  readonly timeoutMS: number;
  /**
   * `cursorLifetime`: one deadline for the opening command and every getMore (no maxTimeMS on
   * getMore); `iteration`: a fresh deadline for each command, none of which carries maxTimeMS.
   */
  readonly mode: 'cursorLifetime' | 'iteration';
  /**
   * Whether the opening command carries maxTimeMS: in `cursorLifetime` mode and for tailable
   * awaitData cursors ("MUST apply it to the original operation"); not otherwise.
   */
  readonly maxTimeMSOnOpen?: boolean;
}

/** Where a run delivers: an RxJS Subscriber fits, so does an async iterator's queue. */
export interface CursorSink<T> {
  readonly closed: boolean;
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
  /**
   * Pull iterators only: an error that does not end the run (a change stream's timeout); the run
   * waits for the next request, which resumes it.
   */
  interrupt?(error: unknown): void;
}

type CursorId = CursorReply['id'];
/** Documents of at least this size (average of a batch) are decoded one by one as they are emitted. */
const LAZY_MIN_BYTES = 400;

function averageBytes(docs: readonly Uint8Array[]): number {
  if (docs.length === 0) return Number.POSITIVE_INFINITY;
  let total = 0;
  for (const d of docs) total += d instanceof Uint8Array ? d.byteLength : LAZY_MIN_BYTES;
  return total / docs.length;
}

/** What a run buffers: decoded documents, or BSON bytes of a lazy batch decoded as they are emitted. */
type Buffered = Document | Uint8Array;
const EMPTY: readonly Buffered[] = [];

/**
 * One subscription's server cursor: opens it, keeps the current batch, emits documents in a
 * plain loop as demand allows, decides when to send getMore and kills the cursor on cancel.
 *
 * Fetch rule: with bounded demand and no prefetch a getMore goes out only when buffered documents
 * cannot cover the outstanding demand. With prefetch it goes out as soon as fewer than one batch
 * is buffered beyond the demand. A subscriber with unbounded demand (a plain `subscribe`,
 * `batches()`) is served as with prefetch from its second batch on: each getMore goes out as the
 * previous batch arrives, before it is emitted, so the server's work and the transfer overlap the
 * emitting (the first batch is not: `take(5)` sends no getMore).
 * At most one command is in flight, so the buffer never holds more than one batch beyond demand
 * (two with prefetch or unbounded demand).
 */
export class CursorRun<T> implements TrackedRun {
  private demand = 0;
  private buf: readonly Buffered[] = EMPTY;
  /** How the BSON bytes in `buf` are decoded (the last lazy reply's options). */
  private decodeOptions: EncodedBatch['options'];
  /**
   * getMore batches stay bytes until emitted; off once a batch shows small documents with default
   * decoding (one decode of the whole reply is cheaper than a call per small document).
   */
  private lazyBatches = true;
  /** Whether `buf` may hold BSON bytes (else every entry is a decoded document). */
  private bufEncoded = false;
  private pos = 0;
  /** The releases of the replies whose documents `buf` holds (`reusesReplies`). */
  private readonly frames: (() => void)[] = [];
  /**
   * The cursor's scope: its first command pins the server; getMore and killCursors follow it there,
   * all under one session (sessions spec: a cursor keeps its implicit session until it is done).
   */
  private scope: ExecutionScope;
  private released = false;
  /** cancel(onReleased) and close(): called once the run has let go of its server cursor and session. */
  private readonly onReleased: (() => void)[] = [];
  private ns = '';
  private id: CursorId = 0;
  private received = 0;
  private lastBatchLength = 0;
  /** No getMore will be sent: id 0, limit reached or single batch. */
  private serverDone = false;
  private opened = false;
  private inFlight = false;
  private command: Subscription | undefined;
  private draining = false;
  /** Completed, errored or cancelled: nothing is emitted any more. */
  private ended = false;
  private cancelled = false;
  private postBatchResumeToken: Document | undefined;
  /** CSOT ITERATION mode: each getMore gets a deadline of its own. */
  private iteration = false;
  /** The BSON options of its documents, resolved when it opened (getMore decodes the same way). */
  private bson: BsonOptions | undefined;
  /** The command in flight is the one that opens the cursor (not a getMore). */
  private opening = false;
  /** The run ends once the document being emitted is out (a change stream's invalidate). */
  private endAfterEmit = false;
  /** A reply has named the server cursor (before it, there is no id to show). */
  private replied = false;
  /** `tryNext`: the outstanding request gets at most one getMore, then `onEmpty` if nothing came. */
  private poll: { sent: boolean; readonly onEmpty: () => void } | undefined;
  /** A pull iterator's change stream after a timeout: the resume its next request runs. */
  private suspended: (() => CommandOperation<CursorReply<Document>>) | undefined;
  /** Timeouts resumed since the last getMore that succeeded (push mode resumes one). */
  private timeouts = 0;
  /** The next getMore belongs to the same `next` as the resume before it: it keeps that deadline. */
  private keepDeadline = false;

  /**
   * @param batchSink when set, whole batches go there instead of documents to `sink` (`batches()`).
   */
  constructor(
    private readonly spec: CursorSpec<T>,
    private readonly sink: CursorSink<T>,
    private readonly batchSink?: CursorSink<T[]>,
  ) {
    this.scope = new ExecutionScope({ pinsServer: true });
  }

  /** Adds demand (Reactive Streams request(n)); Infinity for an unbounded subscriber. */
  request(n: number): void {
    if (this.ended) return;
    if (!(n > 0) || (n !== Number.POSITIVE_INFINITY && !Number.isInteger(n))) {
      this.fail(new MongoInvalidArgumentError(`demand must be a positive integer, got ${n}`));
      return;
    }
    this.demand += n;
    if (!this.opened) this.openCursor();
    else if (this.suspended) {
      const open = this.suspended;
      this.suspended = undefined;
      this.reopen(open, true);
    } else this.drain();
  }

  /**
   * `tryNext`: requests one document but sends at most one getMore for it (none when one is
   * buffered); when that getMore brings nothing, the request is withdrawn and `onEmpty` runs.
   */
  tryRequest(onEmpty: () => void): void {
    if (this.ended) return;
    this.poll = { sent: false, onEmpty };
    this.request(1);
  }

  /**
   * Teardown: kills the server cursor once (after any command in flight), sends nothing after.
   * `onReleased` runs once the killCursors is answered and the session and any pinned connection
   * are back (an iterator's `return()` resolves then).
   */
  cancel(onReleased?: () => void): void {
    if (onReleased) {
      if (this.released) onReleased();
      else this.onReleased.push(onReleased);
    }
    if (this.cancelled) return;
    this.cancelled = true;
    this.ended = true;
    this.clearBuffer();
    if (this.inFlight && !this.scope.server) {
      // Still selecting a server for the opening command: nothing was sent, so stop here.
      this.command?.unsubscribe();
      this.inFlight = false;
      this.release();
    } else if (!this.inFlight) {
      this.kill();
    }
    // A command in flight finishes; its reply handler then kills the cursor it names.
  }

  get serverCursorId(): CursorId | undefined {
    return this.replied ? this.id : undefined;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The cursor's close(): ends the run as an unsubscribe does and completes its subscriber. */
  close(done: () => void): void {
    if (this.released) {
      done();
      return;
    }
    this.onReleased.push(done);
    if (this.ended) return;
    this.cancel();
    if (this.batchSink) this.batchSink.complete();
    else this.sink.complete();
  }

  /** The server cursor this run holds: id, namespace and the address it lives on. */
  get cursor(): { readonly id: CursorId; readonly ns: string; readonly address: string | undefined } {
    return { id: this.id, ns: this.ns, address: this.scope.server?.description.address };
  }

  /** Change streams: the resume token of the last batch (`postBatchResumeToken`). */
  get resumeToken(): Document | undefined {
    return this.postBatchResumeToken;
  }

  /**
   * Re-opens the cursor with a new opening command (change streams resume): the old server cursor
   * is killed, the server is selected again (load-balanced: a new connection is pinned), buffered
   * documents are dropped, demand is kept. The resume runs within the deadline of the command that
   * failed (CSOT: "timeoutMS applies to the full resume attempt") unless `restartDeadline`.
   */
  reopen(open: () => CommandOperation<CursorReply<Document>>, restartDeadline = false): void {
    if (this.ended) return;
    const previous = this.scope;
    // Read before the kill, which restarts the old scope's deadline for its killCursors.
    const deadline = previous.deadline;
    this.kill(false);
    this.scope = new ExecutionScope({
      pinsServer: true,
      session: previous.session,
      timeoutMS: previous.timeoutMS,
      deadline,
    });
    this.scope.maxTimeMS = previous.maxTimeMS;
    if (restartDeadline || !this.iteration) this.scope.startDeadline(clockOf(this.spec.ctx).now());
    this.keepDeadline = true;
    this.clearBuffer();
    this.serverDone = false;
    this.openWith(open);
  }

  private openCursor(): void {
    this.opened = true;
    const runs = this.spec.runs;
    if (runs?.isClosed) {
      // The cursor was closed (close()): a run started after it ends at once, sending nothing.
      this.ended = true;
      this.released = true;
      if (this.batchSink) this.batchSink.complete();
      else this.sink.complete();
      return;
    }
    runs?.started(this);
    try {
      this.scope.session = this.spec.session?.() ?? this.spec.ctx.implicitSession?.();
      this.bson = this.spec.bson?.();
      const timeout = this.spec.timeout?.();
      if (timeout) {
        this.scope.timeoutMS = timeout.timeoutMS;
        this.scope.maxTimeMS = timeout.maxTimeMSOnOpen ?? timeout.mode === 'cursorLifetime';
        this.iteration = timeout.mode === 'iteration';
        this.scope.startDeadline(clockOf(this.spec.ctx).now());
      }
    } catch (e) {
      this.fail(e);
      return;
    }
    this.openWith(this.spec.open);
  }

  /** Opens the server cursor without asking for documents (a change stream established at once). */
  start(): void {
    if (!this.opened && !this.ended) this.openCursor();
  }

  private openWith(open: () => CommandOperation<CursorReply<Document>>): void {
    let op: CommandOperation<CursorReply<Document>>;
    try {
      op = open();
    } catch (e) {
      // Bad options surface here, on subscribe, through the sink (never as a synchronous throw).
      this.fail(e);
      return;
    }
    this.opening = true;
    this.send(op);
  }

  /**
   * Sends one command through the execution path (which retries the opening command by the
   * retryable-reads rules and never retries getMore); acts on the reply once the connection is
   * back in the pool (on complete).
   */
  private send(op: CommandOperation<CursorReply<Document>>): void {
    this.inFlight = true;
    if (this.poll && op.commandName === 'getMore') this.poll.sent = true;
    let reply: CursorReply<Document> | undefined;
    let done = false;
    const sub = executeOperation(this.spec.ctx, op, this.scope).subscribe({
      next: (r) => {
        reply = r;
      },
      error: (e: unknown) => {
        done = true;
        this.command = undefined;
        this.inFlight = false;
        if (this.ended) {
          this.release();
          return;
        }
        const opening = this.opening;
        this.opening = false;
        const resume = this.spec.resumable?.resumeWith(
          e,
          opening,
          this.scope.server?.description.maxWireVersion ?? 0,
        );
        // A resume kills the old cursor (errors of that killCursors are ignored) and opens anew.
        if (resume && !resume.timeout) {
          this.reopen(resume.open);
          return;
        }
        if (resume && this.sink.interrupt && !this.batchSink) {
          this.suspend(resume.open, e);
          return;
        }
        if (resume && !opening && this.timeouts++ === 0) {
          this.reopen(resume.open, true);
          return;
        }
        // A getMore the server refused may leave its cursor open (a fail point, an interrupt): the
        // run kills it on the connection it is pinned to, then releases (the spec's killCursors at
        // close, done as the run ends). After a network or client-side error the connection is
        // gone or in doubt: nothing to kill, the connection goes back at once (load-balancers spec).
        if (!(e instanceof MongoServerError)) {
          this.id = 0;
          this.scope.releaseConnection();
        }
        this.fail(e);
      },
      complete: () => {
        done = true;
        this.command = undefined;
        this.inFlight = false;
        const opening = this.opening;
        this.opening = false;
        if (reply) this.onReply(reply, opening);
        else if (!this.ended) this.fail(new MongoUnexpectedServerResponseError('no cursor reply'));
      },
    });
    if (!done) this.command = sub;
  }

  private onReply(reply: CursorReply<Document>, opening: boolean): void {
    this.id = reply.id;
    this.replied = true;
    if (!opening) this.timeouts = 0;
    if (reply.ns) this.ns = reply.ns;
    if (reply.postBatchResumeToken) this.postBatchResumeToken = reply.postBatchResumeToken;
    // A batch sink hands whole batches to its subscriber, which may keep them: no reuse there.
    const release = this.spec.reusesReplies && !this.batchSink ? reply.release : undefined;
    if (this.ended) {
      release?.();
      this.kill();
      return;
    }
    const limit = this.spec.limit ?? 0;
    let batch: readonly Buffered[] = reply.encoded ? reply.encoded.docs : reply.batch;
    if (reply.encoded) {
      this.decodeOptions = reply.encoded.options;
      this.lazyBatches =
        reply.encoded.options !== undefined || averageBytes(reply.encoded.docs) >= LAZY_MIN_BYTES;
    }
    if (limit > 0 && batch.length > limit - this.received) batch = batch.slice(0, limit - this.received);
    this.received += batch.length;
    if (batch.length > 0) this.lastBatchLength = batch.length;
    if (isZeroCursorId(this.id) || this.spec.singleBatch || (limit > 0 && this.received >= limit)) {
      this.serverDone = true;
    }
    // Load-balanced: an exhausted server cursor gives its pinned connection back at once.
    if (isZeroCursorId(this.id)) this.scope.releaseConnection();
    if (this.batchSink) {
      if (this.spec.prefetch || !opening) this.maybeFetch(0, true);
      if (batch.length > 0 && !this.emitBatch(batch, reply.encoded !== undefined)) return;
      this.afterDrain();
      return;
    }
    if (this.pos >= this.buf.length) {
      this.clearBuffer();
      this.buf = batch;
      this.bufEncoded = reply.encoded !== undefined;
    } else {
      this.buf = this.buf.slice(this.pos).concat(batch);
      this.bufEncoded ||= reply.encoded !== undefined;
    }
    this.pos = 0;
    if (release) this.frames.push(release);
    if (this.spec.resumable) {
      try {
        this.spec.resumable.onReply(reply, opening, this.buf.length);
      } catch (e) {
        this.fail(e);
        return;
      }
    }
    // Ask for the next batch before emitting this one when it will be wanted anyway (prefetch, or
    // unbounded demand that already took a whole batch): the server works while this one is
    // emitted. Not on the first batch: `find().pipe(take(5))` sends no getMore (DESIGN.md).
    if (this.spec.prefetch || (!opening && this.eager())) this.maybeFetch(this.buf.length);
    this.drain();
  }

  private emitBatch(batch: readonly Buffered[], encoded: boolean): boolean {
    const transform = this.spec.transform;
    const options = this.decodeOptions;
    try {
      const docs = encoded
        ? batch.map((d) => decodeDocument<Document>(d, options))
        : (batch as readonly Document[]);
      const out = (transform ? docs.map(transform) : docs) as T[];
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
    const hooks = this.spec.resumable;
    const options = this.decodeOptions;
    const encoded = this.bufEncoded;
    try {
      while (this.demand > 0 && this.pos < this.buf.length && !this.ended) {
        const entry = this.buf[this.pos++] as Buffered;
        const doc = encoded ? decodeDocument<Document>(entry, options) : (entry as Document);
        this.demand--;
        this.poll = undefined;
        this.keepDeadline = false;
        if (hooks?.onDocument(doc, this.buf.length - this.pos)) this.endAfterEmit = true;
        sink.next(transform ? transform(doc) : (doc as T));
        if (this.endAfterEmit) break;
      }
    } catch (e) {
      this.draining = false;
      this.fail(e);
      return;
    }
    this.draining = false;
    if (this.endAfterEmit && !this.ended) {
      this.ended = true;
      this.clearBuffer();
      if (!this.inFlight) this.kill();
      this.sink.complete();
      return;
    }
    if (this.ended || this.sinkClosed()) return;
    if (this.pos >= this.buf.length && this.buf !== EMPTY) this.clearBuffer();
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

  /** Demand no batch can exhaust: a plain `subscribe`, `batches()`. */
  private eager(): boolean {
    return this.batchSink !== undefined || this.demand === Number.POSITIVE_INFINITY;
  }

  private maybeFetch(buffered: number, ahead = false): void {
    if (this.inFlight || this.serverDone || this.ended || !this.scope.server) return;
    const demand = this.batchSink ? Number.POSITIVE_INFINITY : this.demand;
    const fetch =
      ahead || this.spec.prefetch
        ? demand > 0 && buffered - Math.min(demand, buffered) < this.batchEstimate()
        : buffered < demand;
    if (!fetch) return;
    const poll = this.poll;
    if (poll?.sent) {
      // tryNext's one getMore came back empty: the request is withdrawn.
      this.poll = undefined;
      this.demand = Math.max(0, this.demand - 1);
      poll.onEmpty();
      return;
    }
    if (this.iteration && !this.keepDeadline) this.scope.startDeadline(clockOf(this.spec.ctx).now());
    this.keepDeadline = false;
    this.send(
      getMoreOperation<Document>(this.ns, this.id, {
        batchSize: this.getMoreBatchSize(),
        maxAwaitTimeMS: this.spec.maxAwaitTimeMS,
        comment: this.spec.comment,
        bson: this.bson,
        // A batch sink (toArray, batches()) takes a whole batch at once: one decode of the reply
        // is cheaper than a piece per document decoded one by one.
        lazy: this.lazyBatches && this.batchSink === undefined,
        releasable: this.spec.reusesReplies === true && this.batchSink === undefined,
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

  /**
   * A pull iterator's change stream timed out: the server cursor is killed, the error reported,
   * and the next request resumes (CSOT: a timeout does not invalidate the stream).
   */
  private suspend(open: () => CommandOperation<CursorReply<Document>>, error: unknown): void {
    this.kill(false);
    this.clearBuffer();
    this.demand = 0;
    this.poll = undefined;
    this.suspended = open;
    this.sink.interrupt?.(error);
  }

  /** Kills the server cursor (when one is open), then releases the session unless `release` is false. */
  private kill(release = true): void {
    const id = this.id;
    const scope = this.scope;
    if (!scope.server || isZeroCursorId(id)) {
      // Load-balanced: the connection pinned to the cursor goes back once the server cursor is gone.
      scope.releaseConnection();
      if (release) this.release();
      return;
    }
    this.id = 0;
    // CSOT "Cursors": close refreshes timeoutMS for killCursors, even after a lifetime expired.
    scope.startDeadline(clockOf(this.spec.ctx).now());
    const done = () => {
      scope.releaseConnection();
      if (release) this.release();
    };
    executeOperation(this.spec.ctx, killCursorsOperation(this.ns, id), scope).subscribe({
      error: done,
      complete: done,
    });
  }

  /** The run is over: an implicit session goes back to the pool (once). */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.scope.releaseConnection();
    this.scope.session?.done();
    this.spec.runs?.released(this);
    for (const done of this.onReleased.splice(0)) done();
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.clearBuffer();
    if (!this.inFlight) this.kill();
    if (this.batchSink) this.batchSink.error(error);
    else this.sink.error(error);
  }

  /** Drops the buffered documents; the replies they came from are handed back (`reusesReplies`). */
  private clearBuffer(): void {
    this.buf = EMPTY;
    this.pos = 0;
    const frames = this.frames;
    while (frames.length > 0) (frames.pop() as () => void)();
  }

  private sinkClosed(): boolean {
    return this.batchSink ? this.batchSink.closed : this.sink.closed;
  }
}
