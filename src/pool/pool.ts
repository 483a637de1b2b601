import type { Connection } from '../connection/types.js';
import {
  isNetworkError,
  type MongoError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoPoolClearedError,
  MongoPoolClosedError,
  MongoWaitQueueTimeoutError,
  RETRYABLE_ERROR,
  SYSTEM_OVERLOADED_ERROR,
} from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type {
  ConnectionCheckOutFailedReason,
  ConnectionClosedReason,
  ConnectionPinKind,
  ConnectionsInUse,
  EventInit,
} from '../events/types.js';
import {
  asyncScheduler,
  defer,
  Observable,
  type SchedulerLike,
  type Subscriber,
  type Subscription,
  take,
  throwError,
  timeout,
} from '../rx.js';
import { type ConnectionErrorContext, type PoolOptions, resolvePoolOptions } from './options.js';
import { ServiceGenerations, serviceKey } from './service-generations.js';

/** What the pool tells a factory about the connection it wants. */
export interface EstablishInfo {
  readonly id: number;
  readonly generation: number;
  /** The factory calls it when the hello is answered and the authentication step begins. */
  readonly authenticating: () => void;
}

/**
 * Establishes one connection: emits it once handshake and auth are done, then completes; errors on
 * failure; unsubscribing aborts the attempt (and closes whatever socket it opened).
 */
export type ConnectionFactory = (info: EstablishInfo) => Observable<Connection>;

export interface CheckOutOptions {
  /**
   * Time on the pool's scheduler by which the check-out must have a connection (CSOT's
   * computedServerSelectionTimeout), on top of waitQueueTimeoutMS. Undefined: no such limit.
   */
  readonly deadline?: number;
  /** CSOT: with `timeoutMS` set the deprecated waitQueueTimeoutMS is ignored; only `deadline` applies. */
  readonly ignoreWaitQueueTimeout?: boolean;
}

export type PoolState = 'paused' | 'ready' | 'closed';

export interface ClearOptions {
  /** Also interrupt in-use and pending connections of the generations being cleared. */
  readonly interruptInUseConnections?: boolean;
  /** Load-balanced pools clear one service only (CMAP "Clearing a load balanced pool"). */
  readonly serviceId?: unknown;
}

/** What `new ConnectionPool` accepts: the address plus any options to override. */
export type PoolInit = Partial<PoolOptions> & { readonly address: string };

/** An established connection the pool owns, "available" or "in use". */
interface Entry {
  readonly conn: Connection;
  /** Pool generation when the connection was created. */
  readonly generation: number;
  /** Load-balanced mode: the service and its generation taken after the handshake. */
  readonly service: string | undefined;
  readonly serviceGeneration: number;
  inUse: boolean;
  /** Scheduler time it became available (for maxIdleTimeMS). */
  idleSince: number;
  /** Closed by clear({ interruptInUseConnections }) while in use. */
  interrupted: boolean;
  /** Load-balanced mode: checked out for a cursor's or a transaction's whole life. */
  pinnedFor: PinKind | undefined;
}

/** What a connection is pinned to in load-balanced mode (counted in wait-queue timeout errors). */
export type PinKind = ConnectionPinKind;

/** A connection being established ("pending"). */
interface Pending {
  readonly id: number;
  readonly generation: number;
  readonly createdAt: number;
  /** How far establishment got: SDAM treats errors of the authentication step apart. */
  phase: 'connect' | 'auth';
  /** The check-out that created it and gets it; undefined for background ones or when it gave up. */
  owner: Waiter | undefined;
  subscription: Subscription | undefined;
}

/** A check-out request: in the wait queue, or owning a pending connection. */
interface Waiter {
  readonly subscriber: Subscriber<Connection>;
  readonly startedAt: number;
  /** The caller's deadline (CheckOutOptions), or +Infinity. */
  readonly deadline: number;
  /** The pool's waitQueueTimeoutMS, or 0 when the caller runs under CSOT. */
  readonly waitQueueTimeoutMS: number;
  timer: Subscription | undefined;
  pending: Pending | undefined;
  /** In the wait queue (so leaving it needs no search of a long queue once served). */
  queued: boolean;
}

const TIMEOUT_MESSAGE = 'Timed out while checking out a connection from connection pool';

/**
 * A CMAP connection pool for one server. Connections come from an injected factory so the pool
 * does no I/O itself; timers run on the injected scheduler, so it can be driven in virtual time.
 * There is no periodic background thread: background work (minPoolSize population, closing
 * perished connections, idle expiry) is scheduled only when there is some to do.
 */
export class ConnectionPool {
  readonly options: PoolOptions;
  readonly address: string;
  private readonly factory: ConnectionFactory;
  private readonly bus: EventBus;
  private readonly scheduler: SchedulerLike;

  private _state: PoolState = 'paused';
  private _generation = 0;
  private nextId = 1;
  private readonly entries = new Map<Connection, Entry>();
  /** Available connections, most recently checked in last (taken first). */
  private readonly available: Entry[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly queue: Waiter[] = [];
  private readonly services = new ServiceGenerations();
  /** Highest generation whose in-use/pending connections the next run must interrupt (-1: none). */
  private interruptUpTo = -1;
  private runTimer: Subscription | undefined;
  private runAt = Number.POSITIVE_INFINITY;
  private idleTimer: Subscription | undefined;
  private processing = false;
  private dirty = false;

  constructor(options: PoolInit, factory: ConnectionFactory, bus: EventBus, scheduler?: SchedulerLike) {
    this.options = resolvePoolOptions(options);
    this.address = options.address;
    this.factory = factory;
    this.bus = bus;
    this.scheduler = scheduler ?? asyncScheduler;
    const { maxPoolSize, minPoolSize, maxIdleTimeMS, waitQueueTimeoutMS, maxConnecting } = this.options;
    this.emit({
      name: 'connectionPoolCreated',
      address: this.address,
      options: { maxPoolSize, minPoolSize, maxIdleTimeMS, waitQueueTimeoutMS, maxConnecting },
    });
  }

  get state(): PoolState {
    return this._state;
  }
  get generation(): number {
    return this._generation;
  }
  get totalConnectionCount(): number {
    return this.entries.size + this.pending.size;
  }
  get availableConnectionCount(): number {
    return this.available.length;
  }
  get pendingConnectionCount(): number {
    return this.pending.size;
  }
  get waitQueueSize(): number {
    return this.queue.length;
  }

  /** The generation a connection belongs to in this pool (its service's one in load-balanced mode). */
  generationOf(conn: Connection): number | undefined {
    const entry = this.entries.get(conn);
    return entry && (entry.service === undefined ? entry.generation : entry.serviceGeneration);
  }

  /**
   * Cold: each subscription is one check-out. Emits one connection then completes, or errors with
   * MongoPoolClearedError (paused/cleared), MongoPoolClosedError, MongoWaitQueueTimeoutError or the
   * establishment error. Unsubscribing while waiting leaves the wait queue at once.
   */
  checkOut(options: CheckOutOptions = {}): Observable<Connection> {
    return new Observable<Connection>((subscriber) => {
      const waiter: Waiter = {
        subscriber,
        startedAt: this.now(),
        deadline: options.deadline ?? Number.POSITIVE_INFINITY,
        waitQueueTimeoutMS: options.ignoreWaitQueueTimeout ? 0 : this.options.waitQueueTimeoutMS,
        timer: undefined,
        pending: undefined,
        queued: false,
      };
      // Hot path: build events only when someone listens.
      if (this.bus.wants('connectionCheckOutStarted'))
        this.emit({ name: 'connectionCheckOutStarted', address: this.address });
      if (this._state !== 'ready') {
        if (this._state === 'closed') this.fail(waiter, 'poolClosed', this.closedError());
        else this.fail(waiter, 'connectionError', this.clearedError());
        return;
      }
      this.queue.push(waiter);
      waiter.queued = true;
      this.armTimer(waiter, true);
      this.processQueue();
      return () => this.abandon(waiter);
    });
  }

  /** Load-balanced mode: marks a checked-out connection as held by a cursor or a transaction. */
  pin(conn: Connection, kind: PinKind): void {
    const entry = this.entries.get(conn);
    if (!entry?.inUse) return;
    entry.pinnedFor = kind;
    if (this.bus.wants('connectionPinned'))
      this.emit({
        name: 'connectionPinned',
        address: this.address,
        connectionId: conn.id,
        pinnedTo: kind,
        inUse: this.inUseCounts(),
      });
  }

  /** The connections in use, by what holds them (pinned to a cursor, a transaction, or neither). */
  private inUseCounts(): ConnectionsInUse {
    const inUse = { cursor: 0, transaction: 0, other: 0 };
    for (const entry of this.entries.values()) if (entry.inUse) inUse[entry.pinnedFor ?? 'other']++;
    return inUse;
  }

  /**
   * load-balancers spec, "Wait queue timeout errors": in load-balanced mode the message says how the
   * connections in use are held (cursors, transactions, other operations).
   */
  private timeoutMessage(): string {
    if (!this.options.loadBalanced) return TIMEOUT_MESSAGE;
    const inUse = this.inUseCounts();
    return `${TIMEOUT_MESSAGE}: maxPoolSize: ${this.options.maxPoolSize}, connections in use by cursors: ${inUse.cursor}, connections in use by transactions: ${inUse.transaction}, connections in use by other operations: ${inUse.other}`;
  }

  /** Returns a checked-out connection; closes it if it perished or the pool closed (CMAP "Checking In"). */
  checkIn(conn: Connection): void {
    const entry = this.entries.get(conn);
    if (!entry?.inUse) {
      throw new MongoInvalidArgumentError(
        `connection ${conn.id} is not checked out of the pool for ${this.address}`,
      );
    }
    if (this.bus.wants('connectionCheckedIn'))
      this.emit({
        name: 'connectionCheckedIn',
        address: this.address,
        connectionId: conn.id,
        ...(entry.pinnedFor ? { pinnedTo: entry.pinnedFor } : {}),
      });
    const reason = this._state === 'closed' ? 'poolClosed' : this.perished(entry, false);
    if (reason) {
      this.discard(entry, reason);
      return;
    }
    entry.inUse = false;
    entry.pinnedFor = undefined;
    entry.idleSince = this.now();
    this.available.push(entry);
    this.armIdleTimer();
    this.processQueue();
  }

  /**
   * Checks a connection out for the lifetime of `fn`'s Observable and always gives it back: checked in
   * on complete, error or unsubscribe; closed on a network error. An error goes to `onError` first
   * (SDAM may clear the pool), then the connection is checked in, then the error goes downstream,
   * so a retry sees the updated topology. A connection interrupted by a clear errors with
   * MongoPoolClearedError, one closed with the pool with MongoPoolClosedError; neither is reported.
   */
  withConnection<T>(fn: (conn: Connection) => Observable<T>, options?: CheckOutOptions): Observable<T> {
    // One Observable rather than an operator chain: every operation passes here (the latency path).
    return new Observable<T>((subscriber) => {
      let conn: Connection | undefined;
      let released = false;
      const release = () => {
        if (released || !conn) return;
        released = true;
        if (this.entries.get(conn)?.inUse) this.checkIn(conn);
      };
      const failed = (error: unknown) => {
        const c = conn as Connection;
        const network = isNetworkError(error);
        if (network) c.close();
        let raised = error;
        if (network && this._state === 'closed') {
          const message = `Connection to ${this.address} closed because its pool was closed`;
          raised = new MongoPoolClosedError(message, { cause: error });
        } else if (network && this.entries.get(c)?.interrupted === true) {
          const message = `Connection to ${this.address} interrupted due to server monitor timeout`;
          raised = new MongoPoolClearedError(message, { cause: error });
        } else if (this._state !== 'closed') this.options.onError?.(error, this.errorContextOf(c));
        release();
        subscriber.error(raised);
      };
      let inner: Subscription | undefined;
      const checkOut = this.checkOut(options).subscribe({
        next: (checkedOut) => {
          conn = checkedOut;
          let work: Observable<T>;
          try {
            work = fn(checkedOut);
          } catch (e) {
            failed(e);
            return;
          }
          inner = work.subscribe({
            next: (value) => subscriber.next(value),
            error: failed,
            complete: () => {
              release();
              subscriber.complete();
            },
          });
        },
        error: (e: unknown) => subscriber.error(e),
      });
      return () => {
        checkOut.unsubscribe();
        inner?.unsubscribe();
        release();
      };
    });
  }

  /** What SDAM needs to judge an error on this checked-out connection (`phase: 'command'`). */
  errorContextOf(conn: Connection): ConnectionErrorContext {
    const maxWireVersion = conn.hello?.maxWireVersion;
    return {
      phase: 'command',
      generation: this.generationOf(conn) ?? conn.generation,
      maxWireVersion: typeof maxWireVersion === 'number' ? maxWireVersion : 0,
      serviceId: conn.hello?.serviceId,
    };
  }

  /** The current generation for a connection of `serviceId` (the pool's own when none, or not load-balanced). */
  generationFor(serviceId?: unknown): number {
    if (serviceId === undefined || !this.options.loadBalanced) return this._generation;
    return this.services.generation(serviceKey(serviceId));
  }

  /** Paused -> ready: check-outs and background population may start (CMAP "Marking a Pool as Ready"). */
  ready(): void {
    if (this._state !== 'paused') return;
    this._state = 'ready';
    this.emit({ name: 'connectionPoolReady', address: this.address });
    this.populate();
    this.processQueue();
  }

  /**
   * Marks every connection stale. A normal pool also pauses and fails its wait queue; a load-balanced
   * pool clears one service only (CMAP "Clearing a Connection Pool").
   */
  clear(options: ClearOptions = {}): void {
    if (this._state === 'closed') return;
    if (this.options.loadBalanced) {
      if (options.serviceId === undefined) this._generation++;
      else this.services.bump(serviceKey(options.serviceId));
      this.emit({
        name: 'connectionPoolCleared',
        address: this.address,
        serviceId: options.serviceId,
        interruptInUseConnections: false,
      });
      this.scheduleRun(0);
      return;
    }
    const interrupt = options.interruptInUseConnections === true;
    const before = this._generation++;
    const wasPaused = this._state === 'paused';
    this._state = 'paused';
    if (!wasPaused) {
      this.emit({
        name: 'connectionPoolCleared',
        address: this.address,
        interruptInUseConnections: interrupt,
      });
    }
    if (interrupt) this.interruptUpTo = Math.max(this.interruptUpTo, before);
    for (const waiter of this.queue.splice(0)) {
      waiter.queued = false;
      this.fail(waiter, 'connectionError', this.clearedError());
    }
    // "A pool SHOULD allow immediate scheduling of the next background thread iteration after a clear."
    this.scheduleRun(0);
  }

  /**
   * Fails waiters, aborts pending establishments and closes available connections; in-use ones
   * close on check-in (CMAP "Closing a Connection Pool"), or at once with `interruptInUseConnections`
   * (client close: their commands error with MongoPoolClosedError; they leave the pool when checked in).
   */
  close(options: { readonly interruptInUseConnections?: boolean } = {}): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this.runTimer?.unsubscribe();
    this.idleTimer?.unsubscribe();
    this.runTimer = this.idleTimer = undefined;
    for (const waiter of this.queue.splice(0)) {
      waiter.queued = false;
      this.fail(waiter, 'poolClosed', this.closedError());
    }
    for (const entry of this.available.slice()) this.discard(entry, 'poolClosed');
    for (const p of [...this.pending.values()]) this.abort(p, 'poolClosed', this.closedError());
    if (options.interruptInUseConnections) {
      for (const entry of [...this.entries.values()]) if (entry.inUse) entry.conn.close();
    }
    this.emit({ name: 'connectionPoolClosed', address: this.address });
  }

  // --- wait queue ---

  /** Serves waiters in FIFO order until none can be served now. Re-entrant calls just mark it dirty. */
  private processQueue(): void {
    if (this.processing) {
      this.dirty = true;
      return;
    }
    this.processing = true;
    try {
      do {
        this.dirty = false;
        while (this.serveOne()) {}
      } while (this.dirty);
    } finally {
      this.processing = false;
    }
  }

  private serveOne(): boolean {
    if (this._state !== 'ready' || this.queue.length === 0) return false;
    const entry = this.takeAvailable();
    if (entry) {
      const waiter = this.queue.shift() as Waiter;
      waiter.queued = false;
      this.handOut(waiter, entry);
      return true;
    }
    // Background connections being established will serve the first waiters once ready; only the
    // waiters beyond them start establishing their own.
    const index = this.unclaimedPendingCount();
    if (index >= this.queue.length || !this.canCreate()) return false;
    const [waiter] = this.queue.splice(index, 1) as [Waiter];
    waiter.queued = false;
    // Out of the wait queue: only the caller's deadline still applies (establishment has its own bound).
    this.armTimer(waiter, false);
    this.create(waiter);
    return true;
  }

  /** Pops available connections, closing perished ones, until a usable one turns up. */
  private takeAvailable(): Entry | undefined {
    for (let entry = this.available.pop(); entry; entry = this.available.pop()) {
      const reason = this.perished(entry, true);
      if (!reason) return entry;
      this.available.push(entry);
      this.discard(entry, reason);
    }
    return undefined;
  }

  private handOut(waiter: Waiter, entry: Entry): void {
    waiter.timer?.unsubscribe();
    entry.inUse = true;
    if (this.bus.wants('connectionCheckedOut')) {
      this.emit({
        name: 'connectionCheckedOut',
        address: this.address,
        connectionId: entry.conn.id,
        durationMS: this.now() - waiter.startedAt,
      });
    }
    waiter.subscriber.next(entry.conn);
    waiter.subscriber.complete();
    this.populate();
  }

  private fail(waiter: Waiter, reason: ConnectionCheckOutFailedReason, error: Error): void {
    waiter.timer?.unsubscribe();
    this.emit({
      name: 'connectionCheckOutFailed',
      address: this.address,
      reason,
      error,
      durationMS: this.now() - waiter.startedAt,
    });
    waiter.subscriber.error(error);
  }

  /** One timer per waiter: waitQueueTimeoutMS while queued, and the caller's deadline throughout. */
  private armTimer(waiter: Waiter, queued: boolean): void {
    waiter.timer?.unsubscribe();
    waiter.timer = undefined;
    const { waitQueueTimeoutMS } = waiter;
    const queueDeadline =
      queued && waitQueueTimeoutMS > 0 ? waiter.startedAt + waitQueueTimeoutMS : Number.POSITIVE_INFINITY;
    const at = Math.min(queueDeadline, waiter.deadline);
    if (at === Number.POSITIVE_INFINITY) return;
    waiter.timer = this.scheduler.schedule(() => this.timeOut(waiter), Math.max(0, at - this.now()));
  }

  /** Out of time: leave the queue, or let the connection being established go to others. */
  private timeOut(waiter: Waiter): void {
    waiter.timer = undefined;
    const index = waiter.queued ? this.queue.indexOf(waiter) : -1;
    if (index >= 0) {
      this.queue.splice(index, 1);
      waiter.queued = false;
    } else if (waiter.pending) {
      waiter.pending.owner = undefined;
      waiter.pending = undefined;
    } else return;
    this.fail(waiter, 'timeout', new MongoWaitQueueTimeoutError(this.timeoutMessage()));
    this.processQueue();
  }

  /** The subscriber went away: leave the queue, or let the connection it was establishing go to others. */
  private abandon(waiter: Waiter): void {
    waiter.timer?.unsubscribe();
    if (waiter.pending) waiter.pending.owner = undefined;
    if (!waiter.queued) return;
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    waiter.queued = false;
    this.processQueue();
  }

  // --- establishing ---

  private canCreate(): boolean {
    const { maxPoolSize, maxConnecting } = this.options;
    return (
      (maxPoolSize === 0 || this.totalConnectionCount < maxPoolSize) && this.pending.size < maxConnecting
    );
  }

  private unclaimedPendingCount(): number {
    let n = 0;
    for (const p of this.pending.values()) if (!p.owner && p.generation === this._generation) n++;
    return n;
  }

  /** CMAP "Creating a Connection" then "Establishing a Connection", for a check-out or the background. */
  private create(owner: Waiter | undefined): void {
    const p: Pending = {
      id: this.nextId++,
      generation: this._generation,
      createdAt: this.now(),
      phase: 'connect',
      owner,
      subscription: undefined,
    };
    if (owner) owner.pending = p;
    this.pending.set(p.id, p);
    this.emit({ name: 'connectionCreated', address: this.address, connectionId: p.id });
    const info: EstablishInfo = {
      id: p.id,
      generation: p.generation,
      authenticating: () => {
        p.phase = 'auth';
      },
    };
    const subscription = this.establish(info).subscribe({
      next: (conn) => this.established(p, conn),
      error: (error: unknown) => this.establishFailed(p, error),
      complete: () =>
        this.establishFailed(
          p,
          new MongoNetworkError(`connection ${p.id} to ${this.address} ended before it was established`, {
            beforeHandshake: true,
          }),
        ),
    });
    if (this.pending.get(p.id) === p) p.subscription = subscription;
  }

  /** The factory's attempt, bounded by connectTimeoutMS on the pool's scheduler whatever the factory does. */
  private establish(info: EstablishInfo): Observable<Connection> {
    const attempt = defer(() => this.factory(info)).pipe(take(1));
    const ms = this.options.connectTimeoutMS;
    if (ms <= 0) return attempt;
    const expired = () =>
      new MongoNetworkTimeoutError(
        `connection ${info.id} to ${this.address} was not established within connectTimeoutMS (${ms} ms)`,
        { beforeHandshake: true },
      );
    return attempt.pipe(timeout({ first: ms, scheduler: this.scheduler, with: () => throwError(expired) }));
  }

  private established(p: Pending, conn: Connection): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    const service = this.options.loadBalanced ? serviceKey(conn.hello?.serviceId) : undefined;
    const entry: Entry = {
      conn,
      generation: p.generation,
      service,
      serviceGeneration: service === undefined ? 0 : this.services.join(service),
      inUse: false,
      idleSince: this.now(),
      interrupted: false,
      pinnedFor: undefined,
    };
    this.entries.set(conn, entry);
    this.emit({
      name: 'connectionReady',
      address: this.address,
      connectionId: p.id,
      durationMS: this.now() - p.createdAt,
    });
    const owner = p.owner;
    if (owner) {
      // The check-out that created it gets it, even if a clear made it stale meanwhile (CMAP "Checking
      // Out": the establishing thread has already left the wait queue); it is closed on check-in.
      owner.pending = undefined;
      this.handOut(owner, entry);
    } else {
      const reason = this._state === 'closed' ? 'poolClosed' : this.perished(entry, false);
      if (reason) this.discard(entry, reason);
      else {
        // Available before the pending count drops is observable (CMAP "Populating the Pool").
        this.available.push(entry);
        this.armIdleTimer();
      }
    }
    this.populate();
    this.processQueue();
  }

  private establishFailed(p: Pending, error: unknown): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    const err =
      error instanceof Error ? error : new MongoNetworkError(String(error), { beforeHandshake: true });
    // CMAP "backpressure-enabled": network errors of connecting and the hello (not of auth) are labelled.
    if (p.phase === 'connect' && isNetworkError(err) && mayBeOverload(err)) {
      err.addErrorLabel(SYSTEM_OVERLOADED_ERROR);
      err.addErrorLabel(RETRYABLE_ERROR);
    }
    // SDAM handles it first (it may clear the pool), then the connection is reported closed.
    this.options.onError?.(err, { phase: p.phase, generation: p.generation, maxWireVersion: 0 });
    this.emit({
      name: 'connectionClosed',
      address: this.address,
      connectionId: p.id,
      reason: 'error',
      error: err,
    });
    if (p.owner) {
      p.owner.pending = undefined;
      this.fail(p.owner, 'connectionError', err);
    } else if (this._state === 'ready') {
      this.scheduleRun(this.options.backgroundRetryMS ?? 100);
    }
    this.processQueue();
  }

  /** Cancels a pending establishment (pool closed, or cleared with interruptInUseConnections). */
  private abort(p: Pending, reason: ConnectionClosedReason, error: Error): void {
    this.pending.delete(p.id);
    p.subscription?.unsubscribe();
    this.emit({ name: 'connectionClosed', address: this.address, connectionId: p.id, reason });
    if (p.owner) {
      p.owner.pending = undefined;
      this.fail(p.owner, reason === 'poolClosed' ? 'poolClosed' : 'connectionError', error);
    }
  }

  // --- closing and perishing ---

  private perished(entry: Entry, checkIdle: boolean): ConnectionClosedReason | undefined {
    // A connection that failed is closed for its error, even when a clear made it stale too (one
    // the clear interrupted is stale).
    if (entry.conn.closed && !entry.interrupted) return 'error';
    if (entry.generation < this._generation) return 'stale';
    if (entry.service !== undefined && entry.serviceGeneration < this.services.generation(entry.service)) {
      return 'stale';
    }
    const { maxIdleTimeMS } = this.options;
    if (checkIdle && maxIdleTimeMS > 0 && this.now() - entry.idleSince >= maxIdleTimeMS) return 'idle';
    return undefined;
  }

  /** CMAP "Closing a Connection": uncount it, emit, then close the socket. */
  private discard(entry: Entry, reason: ConnectionClosedReason): void {
    if (this.entries.get(entry.conn) !== entry) return;
    this.entries.delete(entry.conn);
    const index = this.available.indexOf(entry);
    if (index >= 0) this.available.splice(index, 1);
    if (entry.service !== undefined) this.services.leave(entry.service);
    this.emit({ name: 'connectionClosed', address: this.address, connectionId: entry.conn.id, reason });
    entry.conn.close();
    if (this._state === 'closed') return;
    this.populate();
    this.processQueue();
  }

  // --- background work ---

  /** Starts background establishments up to minPoolSize while ready (CMAP "Populating the Pool"). */
  private populate(): void {
    const { minPoolSize } = this.options;
    while (this._state === 'ready' && this.totalConnectionCount < minPoolSize && this.canCreate()) {
      this.create(undefined);
    }
  }

  private scheduleRun(delay: number): void {
    if (this._state === 'closed') return;
    const at = this.now() + delay;
    if (this.runTimer && this.runAt <= at) return;
    this.runTimer?.unsubscribe();
    this.runAt = at;
    this.runTimer = this.scheduler.schedule(() => {
      this.runTimer = undefined;
      this.runAt = Number.POSITIVE_INFINITY;
      this.run();
    }, delay);
  }

  /** One background run: close perished available connections, interrupt, populate. */
  private run(): void {
    if (this._state === 'closed') return;
    for (const entry of this.available.slice()) {
      const reason = this.perished(entry, true);
      if (reason) this.discard(entry, reason);
    }
    if (this.interruptUpTo >= 0) {
      const upTo = this.interruptUpTo;
      this.interruptUpTo = -1;
      for (const p of [...this.pending.values()]) {
        if (p.generation <= upTo) this.abort(p, 'stale', this.clearedError());
      }
      for (const entry of this.entries.values()) {
        if (entry.inUse && !entry.interrupted && entry.generation <= upTo) {
          entry.interrupted = true;
          entry.conn.close();
        }
      }
    }
    this.populate();
    this.processQueue();
  }

  /** One timer for the oldest available connection's idle deadline (maxIdleTimeMS). */
  private armIdleTimer(): void {
    const { maxIdleTimeMS } = this.options;
    if (maxIdleTimeMS <= 0 || this.idleTimer || this.available.length === 0 || this._state === 'closed')
      return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const entry of this.available) oldest = Math.min(oldest, entry.idleSince);
    const delay = Math.max(0, oldest + maxIdleTimeMS - this.now());
    this.idleTimer = this.scheduler.schedule(() => {
      this.idleTimer = undefined;
      this.run();
      this.armIdleTimer();
    }, delay);
  }

  // --- helpers ---

  private now(): number {
    return this.scheduler.now();
  }

  private emit(event: EventInit): void {
    this.bus.emit(event);
  }

  private clearedError(): MongoPoolClearedError {
    return new MongoPoolClearedError(`Connection pool for ${this.address} was cleared or is paused`);
  }

  private closedError(): MongoPoolClosedError {
    return new MongoPoolClosedError(`Attempted to check out a connection from closed connection pool`);
  }
}

/**
 * CMAP "backpressure-enabled": errors that never come from an overloaded server (DNS failures,
 * certificate and host name checks of TLS) get no backpressure labels.
 */
function mayBeOverload(error: MongoError): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return true;
  if (DNS_FAILURES.has(code)) return false;
  return !(
    code.startsWith('ERR_TLS_CERT') ||
    code.startsWith('CERT_') ||
    code.startsWith('UNABLE_TO_') ||
    code.includes('SELF_SIGNED')
  );
}

const DNS_FAILURES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
