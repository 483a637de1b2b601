import { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import type { Document, Long } from 'bson';
import { pickBsonOptions } from '../bson-options.js';
import { MongoAPIError, MongoInvalidArgumentError } from '../errors.js';
import type { ExecutionContext } from '../execute/context.js';
import type { ScopeSession } from '../execute/scope.js';
import type { CursorCommandOptions, CursorReply } from '../operations/cursor-commands.js';
import type { CommandOperation } from '../operations/operation.js';
import type { ReadPreference } from '../read-preference.js';
import { Observable, type Subscriber } from '../rx.js';
import { CursorRun, type CursorSink, type CursorSpec, type CursorTimeout } from './cursor-run.js';
import { CursorRuns } from './cursor-runs.js';
import { explainCommand } from './explain.js';

export type { CursorSink, CursorSpec, CursorTimeout } from './cursor-run.js';

/** Options every cursor shares. */
export type CursorOptions = CursorCommandOptions;

/** How a cursor's getMores behave, from its options (everything of CursorSpec but how to open). */
export type CursorSettings = Omit<CursorSpec<unknown>, 'ctx' | 'open' | 'transform'>;

/**
 * What find, aggregate, command and list cursors differ in: their options, the command that opens
 * them, the getMore settings those options give, and (find, aggregate) the command `explain` wraps.
 */
export interface CursorDefinition<O> {
  readonly ctx: ExecutionContext;
  readonly dbName: string;
  readonly options: O;
  /**
   * Resolves inherited concerns into the options before `open`/`explain` (run on subscribe, so a bad
   * inherited or given value errors the cursor, never the call that made it).
   */
  readonly resolve?: (options: O) => O;
  /** The session the options name, checked on subscribe (see CursorSpec.session). */
  readonly session?: (options: O) => ScopeSession | undefined;
  /** CSOT: the cursor's timeout from the options (and the inherited timeoutMS), checked on subscribe. */
  readonly timeout?: (options: O) => CursorTimeout | undefined;
  /** Builds the opening command; throws MongoInvalidArgumentError on bad options (on subscribe). */
  open(options: O): CommandOperation<CursorReply<Document>>;
  settings(options: O): CursorSettings;
  explainable?(options: O): { readonly command: Document; readonly readPreference?: ReadPreference };
}

type Transform<T> = ((doc: Document) => T) | undefined;

/** What the public API adds to a cursor definition: inherited concerns and the session. */
export type CursorHooks<O> = Pick<CursorDefinition<O>, 'resolve' | 'session' | 'timeout'>;

/** The getMore settings of options that have nothing cursor-specific beyond CursorOptions. */
export function cursorSettings(options: CursorOptions): CursorSettings {
  return {
    batchSize: options.batchSize,
    maxAwaitTimeMS: options.maxAwaitTimeMS,
    comment: options.comment,
    prefetch: options.prefetch,
  };
}

/**
 * A run started per subscription and fed by `demand$` (each value: request that many more);
 * unsubscribing stops the demand and cancels the run. Shared by cursors and change streams.
 */
export function runOnDemand<T>(
  demand$: Observable<number>,
  start: (subscriber: Subscriber<T>) => { request(n: number): void; cancel(): void },
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const run = start(subscriber);
    const sub = demand$.subscribe({
      next: (n) => run.request(n),
      error: (e: unknown) => subscriber.error(e),
    });
    return () => {
      sub.unsubscribe();
      run.cancel();
    };
  });
}

/** Constructors of cursor classes: all take a definition and an optional transform (for clones). */
type CursorConstructor<O> = new <U>(
  definition: CursorDefinition<O>,
  transform?: Transform<U>,
) => AbstractCursor<U, O>;

/**
 * A cursor is a cold Observable of documents: each subscription opens its own server cursor,
 * emits documents from each batch in a loop, sends getMore when the batch is used up, and kills
 * the server cursor when unsubscribed early. Builders return a new cursor of the same class and
 * leave this one unchanged.
 *
 * For those who hold a cursor as with the official driver: every subscription, iterator, stream,
 * `batches()`, `toArray()` and `withDemand()` of this object is one *run*. `id` is the server
 * cursor id of the latest run, `closed` says whether no run is going on any more, and `close()`
 * ends every live run (killCursors, subscribers completed) and keeps the cursor closed until
 * `rewind()`. Clones and builders get runs of their own.
 */
export class AbstractCursor<T = Document, O = CursorOptions> extends Observable<T> {
  /** @internal How each run of this cursor opens and continues its server cursor. */
  protected readonly spec: CursorSpec<T>;
  /** @internal What the cursor is: its command, options and hooks (builders copy it). */
  protected readonly definition: CursorDefinition<O>;
  /** @internal The `map()` functions applied to each document. */
  protected readonly transform: Transform<T>;
  private readonly runs = new CursorRuns();
  /** The run `next()`, `hasNext()` and `tryNext()` read (the official driver's imperative use). */
  private iteration: Iteration<T> | undefined;

  constructor(definition: CursorDefinition<O>, transform?: Transform<T>) {
    // A plain function: Observable calls it with `this` bound to the cursor being subscribed.
    super(function (this: Observable<T>, subscriber) {
      const run = new CursorRun<T>((this as AbstractCursor<T, O>).spec, subscriber);
      run.request(Number.POSITIVE_INFINITY);
      return () => run.cancel();
    });
    this.definition = definition;
    this.transform = transform;
    // Options that are not an object (`find({}, null)` from JavaScript) error the cursor on
    // subscribe, typed, like every other bad option: never a TypeError at the call.
    const options = definition.options as unknown;
    const bad = options === null || typeof options !== 'object' || Array.isArray(options);
    const refuse = (): never => {
      throw new MongoInvalidArgumentError('options must be an object');
    };
    this.spec = {
      ...definition.settings(bad ? ({} as O) : definition.options),
      ctx: definition.ctx,
      open: () => (bad ? refuse() : definition.open(resolvedOptions(definition))),
      session: bad ? refuse : definition.session ? () => definition.session?.(definition.options) : undefined,
      timeout: bad
        ? undefined
        : definition.timeout
          ? () => definition.timeout?.(definition.options)
          : undefined,
      bson: bad ? undefined : () => pickBsonOptions(resolvedOptions(definition) as object),
      transform,
      runs: this.runs,
    };
  }

  /**
   * The server cursor id of the latest run: undefined until its first reply, 0 once the server
   * cursor is exhausted or killed (as the official driver's `id`).
   */
  get id(): Long | undefined {
    return this.runs.id;
  }

  /**
   * True after `close()` (until `rewind()`), and once the latest run has ended (exhausted, errored
   * or unsubscribed) with no other run of this cursor still going; false before the first run.
   */
  get closed(): boolean {
    return this.runs.closed;
  }

  /**
   * Ends every live run of this cursor: each subscriber completes at once and its server cursor is
   * killed (killCursors, after a command in flight is answered). Emits once and completes when
   * every run has let go of its server cursor and session. Runs started afterwards complete at once
   * without sending anything, until `rewind()`. Cold: nothing happens before subscribe.
   */
  close(): Observable<void> {
    return this.runs.close();
  }

  /**
   * Lets a closed cursor run again: the next subscription opens a new server cursor. An imperative
   * iteration (`next()`) still going is ended (its server cursor killed) and starts over.
   */
  rewind(): void {
    const iteration = this.iteration;
    this.iteration = undefined;
    void iteration?.it.return?.();
    this.runs.rewind();
  }

  /**
   * The official driver's imperative iteration, for code moving over: the next document, or null
   * once the cursor is exhausted (or closed). One iteration per cursor object, separate from its
   * subscriptions; it asks for one document at a time, and a getMore goes out only when the batch
   * is used up. Calls made before the previous one settled are answered in order.
   */
  next(): Promise<T | null> {
    return this.iterate((state) => {
      if (state.peeked) return Promise.resolve(take(state));
      return state.it.next().then(documentOf);
    });
  }

  /** Whether `next()` has a document to give (fetching the next batch if needed, as the official). */
  hasNext(): Promise<boolean> {
    return this.iterate(async (state) => {
      state.peeked ??= await state.it.next();
      return state.peeked.done !== true;
    });
  }

  /**
   * The next document if one is buffered or one getMore brings it, else null, and the iteration
   * goes on (a tailable cursor's "nothing new yet").
   */
  tryNext(): Promise<T | null> {
    return this.iterate(async (state) => {
      if (state.peeked) return take(state);
      const r = await state.it.tryNext();
      return r === null ? null : documentOf(r);
    });
  }

  /** Runs `step` at once when no call is pending, else after the pending ones. */
  private iterate<R>(step: (state: Iteration<T>) => Promise<R>): Promise<R> {
    if (!this.iteration) this.iteration = { it: cursorIterator(this.spec) };
    const state = this.iteration;
    const result = state.queue ? state.queue.then(() => step(state)) : step(state);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    state.queue = settled;
    void settled.then(() => {
      if (state.queue === settled) state.queue = undefined;
    });
    return result;
  }

  /** The options this cursor runs with. */
  get options(): O {
    return this.definition.options;
  }

  /** A cursor that emits `fn(doc)` for each document (the original is unchanged). */
  map<U>(fn: (doc: T) => U): AbstractCursor<U, O> {
    const previous = this.transform;
    const transform = previous ? (doc: Document) => fn(previous(doc)) : (doc: Document) => fn(doc as T);
    return this.rebuild<U>(this.definition, transform);
  }

  /** The same cursor with more options (e.g. `{ prefetch: true }`, `hint`, `maxTimeMS`). */
  withOptions(patch: Partial<O>): this {
    const options = { ...this.definition.options, ...patch };
    return this.rebuild<T>({ ...this.definition, options }, this.transform) as this;
  }

  /** The same cursor with another batch size. */
  batchSize(batchSize: number): this {
    return this.withOptions({ batchSize } as unknown as Partial<O>);
  }

  /** Runs the opening command under `explain` and emits the server's plan (find and aggregate). */
  explain(verbosity: string | boolean = true): Observable<Document> {
    const definition = this.definition;
    return explainCommand(definition.ctx, definition.dbName, verbosity, () => {
      if (!definition.explainable) throw new MongoAPIError('this cursor cannot be explained');
      return definition.explainable(resolvedOptions(definition));
    });
  }

  /** A new cursor of this class (clone, builders): nothing is shared but the definition. */
  protected rebuild<U>(definition: CursorDefinition<O>, transform: Transform<U>): AbstractCursor<U, O> {
    const Ctor = this.constructor as CursorConstructor<O>;
    return new Ctor<U>(definition, transform);
  }

  /** An identical, unsubscribed copy. */
  clone(): this {
    return this.rebuild<T>(this.definition, this.transform) as this;
  }

  /** One array per server batch (empty batches of tailable cursors are skipped). */
  batches(): Observable<T[]> {
    const spec = this.spec;
    return new Observable<T[]>((subscriber) => {
      const run = new CursorRun<T>(spec, CLOSED_SINK, subscriber);
      run.request(Number.POSITIVE_INFINITY);
      return () => run.cancel();
    });
  }

  /** Every document, in one array, once the cursor is exhausted. */
  toArray(): Observable<T[]> {
    const batches = this.batches();
    return new Observable<T[]>((subscriber) => {
      let all: T[] = [];
      return batches.subscribe({
        next: (batch) => {
          if (all.length === 0) all = batch.slice();
          else for (let i = 0; i < batch.length; i++) all.push(batch[i] as T);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          subscriber.next(all);
          subscriber.complete();
        },
      });
    });
  }

  /**
   * Reactive Streams `request(n)`: each number `demand$` emits adds to the outstanding demand; no
   * more documents are emitted than requested. Demand decides when a getMore is sent (only when the
   * buffer cannot cover it); `batchSize` or the remaining limit decides how many it asks for.
   */
  withDemand(demand$: Observable<number>): Observable<T> {
    const spec = this.spec;
    return runOnDemand(demand$, (subscriber) => new CursorRun<T>(spec, subscriber));
  }

  /**
   * A Node Readable (object mode) with backpressure: documents are pulled one `read()` at a time
   * through the pull-based iterator, so the cursor fetches only as the stream's buffer
   * (`highWaterMark`, default 16) drains; destroying the stream kills the cursor.
   */
  stream(options: { readonly highWaterMark?: number } = {}): Readable {
    return Readable.from(
      { [Symbol.asyncIterator]: () => this[Symbol.asyncIterator]() },
      { objectMode: true, highWaterMark: options.highWaterMark },
    );
  }

  /** A Web ReadableStream pulling one document per `pull()`; `cancel()` kills the cursor. */
  toReadableStream(): ReadableStream<T> {
    const iterator = this[Symbol.asyncIterator]();
    return new ReadableStream<T>(
      {
        async pull(controller) {
          const r = await iterator.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        },
        async cancel() {
          await iterator.return?.();
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Pull-based iteration: one document is requested per `next()`; `break` kills the cursor. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return cursorIterator(this.spec);
  }
}

function resolvedOptions<O>(definition: CursorDefinition<O>): O {
  return definition.resolve ? definition.resolve(definition.options) : definition.options;
}

/** An imperative iteration: its run, a result `hasNext()` fetched ahead, and the calls in order. */
interface Iteration<T> {
  readonly it: CursorIterator<T>;
  peeked?: IteratorResult<T>;
  /** Settles once the calls made so far have (undefined when none is pending). */
  queue?: Promise<void>;
}

function documentOf<T>(r: IteratorResult<T>): T | null {
  return r.done ? null : r.value;
}

/** The result `hasNext()` fetched, handed out once. */
function take<T>(state: Iteration<T>): T | null {
  const r = state.peeked as IteratorResult<T>;
  // A done result stays: every later call answers null without asking the run again.
  if (!r.done) state.peeked = undefined;
  return documentOf(r);
}

const CLOSED_SINK: CursorSink<never> = { closed: true, next() {}, error() {}, complete() {} };

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

/** A pull iterator over one cursor run; `start()` opens the server cursor before the first `next()`. */
export interface CursorIterator<T> extends AsyncIterator<T> {
  start(): void;
  /**
   * The next document if one is buffered or one getMore brings it, else null (the iterator stays
   * usable); `{ done: true }` once the cursor is exhausted.
   */
  tryNext(): Promise<IteratorResult<T, undefined> | null>;
}

/**
 * Pull-based iteration over a new run of `spec`; `onError` sees the run's error as it happens.
 * `resumable`: an interrupting error (a change stream's timeout) rejects only the pending `next()`;
 * the iterator stays usable and its next call resumes.
 */
export function cursorIterator<T>(
  spec: CursorSpec<T>,
  onError?: (error: unknown) => void,
  resumable = false,
): CursorIterator<T> {
  let waiter: Waiter<T> | undefined;
  let ready: T[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  const sink: CursorSink<T> = {
    get closed() {
      return done;
    },
    next(value) {
      const w = waiter;
      waiter = undefined;
      if (w) w.resolve({ value, done: false });
      else ready.push(value);
    },
    error(error) {
      done = true;
      failure = { error };
      const w = waiter;
      waiter = undefined;
      w?.reject(error);
      onError?.(error);
    },
    complete() {
      done = true;
      const w = waiter;
      waiter = undefined;
      w?.resolve({ value: undefined, done: true });
    },
    interrupt: resumable
      ? (error) => {
          const w = waiter;
          waiter = undefined;
          w?.reject(error);
          onError?.(error);
        }
      : undefined,
  };
  const run = new CursorRun<T>(spec, sink);
  const finished = (): IteratorResult<T> => ({ value: undefined, done: true });
  return {
    start: () => run.start(),
    next(): Promise<IteratorResult<T>> {
      if (ready.length > 0) return Promise.resolve({ value: ready.shift() as T, done: false });
      if (failure) return Promise.reject(failure.error);
      if (done) return Promise.resolve(finished());
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiter = { resolve, reject };
        run.request(1);
      });
    },
    tryNext(): Promise<IteratorResult<T, undefined> | null> {
      if (ready.length > 0) return Promise.resolve({ value: ready.shift() as T, done: false });
      if (failure) return Promise.reject(failure.error);
      if (done) return Promise.resolve(finished());
      return new Promise<IteratorResult<T, undefined> | null>((resolve, reject) => {
        const w: Waiter<T> = { resolve, reject };
        waiter = w;
        run.tryRequest(() => {
          if (waiter !== w) return;
          waiter = undefined;
          resolve(null);
        });
      });
    },
    /** Kills the cursor; resolves once the killCursors is answered and the connection is back. */
    return(): Promise<IteratorResult<T>> {
      done = true;
      ready = [];
      // A `next()` still waiting (an imperative iteration that `rewind()` ends) settles as done.
      const w = waiter;
      waiter = undefined;
      w?.resolve(finished());
      return new Promise((resolve) => run.cancel(() => resolve(finished())));
    },
  };
}
