import type { Document, Timestamp } from 'bson';
import { MongoChangeStreamError, MongoInvalidArgumentError, MongoOperationTimeoutError } from '../errors.js';
import type { ExecutionContext } from '../execute/context.js';
import { type AggregateOptions, aggregateOperation } from '../operations/aggregate.js';
import { batchLengthOf, type CursorReply } from '../operations/cursor-commands.js';
import type { CommandOperation } from '../operations/operation.js';
import { Observable } from '../rx.js';
import type { CursorHooks } from './abstract-cursor.js';
import { type CursorIterator, cursorIterator, runOnDemand } from './abstract-cursor.js';
import type { ChangeStreamDocument, ChangeStreamOptions, ResumeToken } from './change-stream-events.js';
import {
  changeStreamStage,
  isResumableChangeStreamError,
  resumeStartOptions,
  type StartOptions,
} from './change-stream-resume.js';
import {
  CursorRun,
  type CursorSink,
  type CursorSpec,
  type ResumableCursorHooks,
  type Resumption,
} from './cursor-run.js';
import { CursorRuns } from './cursor-runs.js';

/** The options of `watch()` that are not `$changeStream` stage options but the aggregate's. */
const AGGREGATE_KEYS = new Set([
  'batchSize',
  'collation',
  'comment',
  'maxAwaitTimeMS',
  'readPreference',
  'readConcern',
  'session',
  'timeoutMS',
]);

/**
 * `watch()`'s options with the aggregate's read preference, read concern, session and timeoutMS
 * (no timeoutMode: change streams always run in ITERATION mode, CSOT "Change Streams").
 */
export type WatchOptions = ChangeStreamOptions &
  Omit<AggregateOptions, 'allowDiskUse' | 'let' | 'hint' | 'timeoutMode'>;

/** What a change stream is made of: where it watches, the user's stages and options. */
export interface ChangeStreamDefinition<O extends WatchOptions = WatchOptions> {
  readonly ctx: ExecutionContext;
  readonly dbName: string;
  /** A collection name, or 1 for database and cluster streams. */
  readonly collection: string | 1;
  readonly pipeline: readonly Document[];
  readonly options: O;
  readonly hooks: CursorHooks<AggregateOptions>;
  /** `client.watch()`: `allChangesForCluster` on the admin database. */
  readonly allChangesForCluster: boolean;
}

/** A new resume token, with the event it came from (none for a `postBatchResumeToken`). */
export interface ResumeTokenUpdate<TChange> {
  readonly resumeToken: ResumeToken;
  readonly change?: TChange;
}

/** A change stream's pull iterator: `resumeToken` as the spec's getResumeToken(). */
export interface ChangeStreamIterator<TChange> extends AsyncIterator<TChange> {
  /** The token this stream would resume with now. */
  readonly resumeToken: ResumeToken | undefined;
  /** Sends the opening aggregate now; resolves once it has succeeded, rejects with its error. */
  open(): Promise<void>;
  /**
   * The spec's tryNext: the next event if one is buffered or one getMore brings it, else null.
   * After a timeout error (CSOT) the stream stays valid: the next call resumes it.
   */
  tryNext(): Promise<TChange | null>;
}

/**
 * One subscription's change-stream state (change-streams spec): the resume-token cache, whether an
 * event was emitted, the operation time to start at, and the decision to resume after an error.
 */
class ChangeStreamState implements ResumableCursorHooks {
  token: ResumeToken | undefined;
  private pending: ResumeToken | undefined;
  private emitted = false;
  private opens = 0;
  private operationTime: Timestamp | undefined;
  onOpened: (() => void) | undefined;

  constructor(
    private readonly stream: ChangeStreamDefinition,
    private readonly onToken?: (token: ResumeToken, change?: Document) => void,
  ) {
    const o = stream.options;
    // "When the ChangeStream is started": startAfter, else resumeAfter, else unset.
    this.token = o.startAfter ?? o.resumeAfter;
    this.operationTime = o.startAtOperationTime;
  }

  private get startedWithOptions(): boolean {
    const o = this.stream.options;
    return o.startAfter !== undefined || o.resumeAfter !== undefined || o.startAtOperationTime !== undefined;
  }

  onReply(reply: CursorReply<Document>, opening: boolean, buffered: number): void {
    if (opening) {
      this.opens++;
      // "MUST save the operationTime from the initial aggregate" when nothing else can say where to resume.
      if (
        this.opens === 1 &&
        !this.startedWithOptions &&
        batchLengthOf(reply) === 0 &&
        !reply.postBatchResumeToken &&
        reply.operationTime
      )
        this.operationTime = reply.operationTime;
      const opened = this.onOpened;
      this.onOpened = undefined;
      opened?.();
    }
    this.pending = reply.postBatchResumeToken;
    // An empty batch (nothing left to emit): its postBatchResumeToken is where the stream is.
    if (buffered === 0 && this.pending) this.setToken(this.pending);
  }

  onDocument(doc: Document, remaining: number): boolean {
    const id = doc._id;
    if (id === undefined || id === null)
      throw new MongoChangeStreamError(
        'Cannot provide resume functionality when the resume token is missing',
      );
    this.emitted = true;
    // The last document of the batch: the batch's postBatchResumeToken; else the event's _id.
    this.setToken(remaining === 0 && this.pending ? this.pending : (id as ResumeToken), doc);
    return doc.operationType === 'invalidate';
  }

  resumeWith(error: unknown, opening: boolean, maxWireVersion: number): Resumption | undefined {
    // CSOT "Change Streams": a timeout of a getMore (or of the aggregate resuming after one) does
    // not invalidate the stream; one of the first aggregate fails it.
    const timeout = error instanceof MongoOperationTimeoutError && (!opening || this.opens > 0);
    if (!timeout && !isResumableChangeStreamError(error, !opening, maxWireVersion)) return undefined;
    const open = () =>
      openOperation(
        this.stream,
        resumeStartOptions({
          token: this.token,
          startedAfter: this.stream.options.startAfter !== undefined,
          emitted: this.emitted,
          operationTime: this.operationTime,
        }),
      );
    return { open, timeout };
  }

  private setToken(token: ResumeToken, change?: Document): void {
    this.token = token;
    this.onToken?.(token, change);
  }
}

/** The `$changeStream` aggregate; `start` replaces the original start options on a resume. */
function openOperation(
  d: ChangeStreamDefinition,
  start: StartOptions | undefined,
): CommandOperation<CursorReply<Document>> {
  if (!Array.isArray(d.pipeline)) throw new MongoInvalidArgumentError('pipeline must be an array');
  const stageOptions: Document = {};
  const aggregate: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d.options)) {
    if (AGGREGATE_KEYS.has(k)) aggregate[k] = v;
    else stageOptions[k] = v;
  }
  const resolved = d.hooks.resolve ? d.hooks.resolve(aggregate as AggregateOptions) : aggregate;
  const pipeline = [changeStreamStage(stageOptions, start, d.allChangesForCluster), ...d.pipeline];
  return aggregateOperation(d.dbName, d.collection, pipeline, resolved as AggregateOptions);
}

/**
 * `watch()`: a cold Observable of change events. Each subscription opens its own `$changeStream`
 * aggregate, loops getMore (the server waits up to `maxAwaitTimeMS` for events), resumes once per
 * resumable error as the spec says, and ends only with an error or after emitting `invalidate`.
 * Unsubscribing kills the server cursor. `withDemand` and the demand operators bound what is
 * buffered; `withResumeTokens()` and `for await` expose every resume token.
 */
export class ChangeStream<
  TSchema extends Document = Document,
  TChange extends Document = ChangeStreamDocument<TSchema>,
> extends Observable<TChange> {
  private latest: ChangeStreamState | undefined;
  private readonly runs = new CursorRuns();
  /** @internal Where the stream watches, its stages and options. */
  readonly definition: ChangeStreamDefinition;

  constructor(definition: ChangeStreamDefinition) {
    super(function (this: Observable<TChange>, subscriber) {
      const stream = this as ChangeStream<TSchema, TChange>;
      const run = stream.newRun(subscriber);
      run.request(Number.POSITIVE_INFINITY);
      return () => run.cancel();
    });
    this.definition = definition;
  }

  /** The pipeline after the `$changeStream` stage. */
  get pipeline(): readonly Document[] {
    return this.definition.pipeline;
  }

  /** The options given to `watch()`. */
  get options(): WatchOptions {
    return this.definition.options;
  }

  /**
   * The resume token of the most recently started subscription (the spec's getResumeToken()); with
   * several subscriptions at once, use `withResumeTokens()` or the iterator's `resumeToken`.
   */
  get resumeToken(): ResumeToken | undefined {
    return this.latest?.token;
  }

  /**
   * True after `close()`, and once the latest subscription has ended (an error, an `invalidate`,
   * unsubscribing) with no other subscription of this stream still going.
   */
  get closed(): boolean {
    return this.runs.closed;
  }

  /**
   * Ends every live subscription of this stream: each completes at once and its server cursor is
   * killed. Emits once and completes when all are released; later subscriptions complete at once
   * without sending anything. Cold: nothing happens before subscribe.
   */
  close(): Observable<void> {
    return this.runs.close();
  }

  /** Reactive Streams `request(n)`, as on cursors: no more events than requested. */
  withDemand(demand$: Observable<number>): Observable<TChange> {
    return runOnDemand(demand$, (subscriber) => this.newRun(subscriber));
  }

  /**
   * Every resume token as the stream caches it (spec option 2, "Event Emitted for Resume Token"):
   * with its event, or alone when it is a `postBatchResumeToken` of an empty batch.
   */
  withResumeTokens(): Observable<ResumeTokenUpdate<TChange>> {
    return new Observable<ResumeTokenUpdate<TChange>>((subscriber) => {
      const sink: CursorSink<TChange> = {
        get closed() {
          return subscriber.closed;
        },
        next() {},
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      };
      const state = new ChangeStreamState(this.definition, (resumeToken, change) =>
        subscriber.next(change ? { resumeToken, change: change as TChange } : { resumeToken }),
      );
      const run = new CursorRun<TChange>(this.specFor(state), sink);
      run.request(Number.POSITIVE_INFINITY);
      return () => run.cancel();
    });
  }

  /** Pull iteration, one event per `next()`; `return()` kills the cursor. */
  [Symbol.asyncIterator](): ChangeStreamIterator<TChange> {
    const state = new ChangeStreamState(this.definition);
    let failed: ((e: unknown) => void) | undefined;
    const it: CursorIterator<TChange> = cursorIterator<TChange>(
      this.specFor(state),
      (e) => failed?.(e),
      true,
    );
    return {
      get resumeToken() {
        return state.token;
      },
      open: () =>
        new Promise<void>((resolve, reject) => {
          state.onOpened = resolve;
          failed = reject;
          it.start();
        }),
      next: () => it.next(),
      tryNext: async () => {
        const r = await it.tryNext();
        return r === null || r.done ? null : r.value;
      },
      return: () => (it.return as () => Promise<IteratorResult<TChange>>)(),
    };
  }

  private newRun(sink: CursorSink<TChange>): CursorRun<TChange> {
    const state = new ChangeStreamState(this.definition);
    this.latest = state;
    return new CursorRun<TChange>(this.specFor(state), sink);
  }

  private specFor(state: ChangeStreamState): CursorSpec<TChange> {
    const d = this.definition;
    const o = d.options;
    return {
      ctx: d.ctx,
      open: () => openOperation(d, undefined),
      batchSize: o.batchSize,
      maxAwaitTimeMS: o.maxAwaitTimeMS,
      comment: o.comment,
      session: d.hooks.session ? () => d.hooks.session?.(o) : undefined,
      timeout: d.hooks.timeout
        ? () => {
            if ((o as { timeoutMode?: unknown }).timeoutMode !== undefined)
              throw new MongoInvalidArgumentError(
                "change streams do not take timeoutMode (they always time each next call: 'iteration')",
              );
            return d.hooks.timeout?.({ ...o, tailable: true, awaitData: true } as AggregateOptions);
          }
        : undefined,
      resumable: state,
      runs: this.runs,
    };
  }
}
