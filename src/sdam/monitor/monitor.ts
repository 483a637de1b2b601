import type { Document } from 'bson';
import type { Connection } from '../../connection/types.js';
import { isNetworkError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import type { SchedulerLike, Subscription } from '../../rx.js';
import {
  type ServerDescription,
  serverDescriptionFromHello,
  unknownServerDescription,
} from '../description/server-description.js';
import { RttPinger } from './rtt-pinger.js';
import { RttStats } from './rtt-stats.js';
import type { MonitorConnector } from './types.js';

export interface MonitorOptions {
  readonly address: string;
  readonly heartbeatFrequencyMS: number;
  readonly minHeartbeatFrequencyMS: number;
  /** 0 = no timeout; awaitable hellos use connectTimeoutMS + heartbeatFrequencyMS. */
  readonly connectTimeoutMS: number;
  /** Resolved from serverMonitoringMode (see `streamingEnabled`). */
  readonly streaming: boolean;
  /** Server API requested: the server supports `hello` from the start. */
  readonly serverApi: boolean;
  /** The declared API's fields (versioned-api: on every command, heartbeats too). */
  readonly serverApiFields?: Document;
  readonly connector: MonitorConnector;
  readonly scheduler: SchedulerLike;
  readonly bus?: EventBus;
  /** The topology the monitor belongs to (named in heartbeat events, for the SDAM log messages). */
  readonly topologyId?: number;
  /** Each check's outcome; errors come as Unknown descriptions carrying the error. */
  readonly onDescription: (description: ServerDescription) => void;
}

type State = 'idle' | 'checking' | 'waiting' | 'stopped';

/**
 * One server's monitor (server-monitoring "Monitor thread"), as a callback state machine on an
 * RxJS scheduler: check, then either continue at once (streaming, or a known server just failed
 * with a network error) or wait heartbeatFrequencyMS, woken early by `requestCheck` but never
 * sooner than minHeartbeatFrequencyMS after the wait began.
 */
export class Monitor {
  private readonly o: MonitorOptions;
  private state: State = 'idle';
  private connection: Connection | undefined;
  private inFlight: Subscription | undefined;
  private timer: Subscription | undefined;
  private waitStart = 0;
  private checkRequested = false;
  private previous: ServerDescription;
  private helloOk: boolean;
  private readonly rtt = new RttStats();
  private pinger: RttPinger | undefined;
  /** Time of a heartbeatStarted already published for the next streamed reply. */
  private streamStarted: number | undefined;

  constructor(options: MonitorOptions) {
    this.o = options;
    this.previous = unknownServerDescription(options.address);
    this.helloOk = options.serverApi;
  }

  start(): void {
    if (this.state === 'idle') this.check();
  }

  /**
   * Requests an immediate check (server selection waiting, or a state-change error). During a check
   * it is remembered, so the wait that follows ends at the minHeartbeatFrequencyMS floor.
   */
  requestCheck(): void {
    if (this.state === 'stopped' || this.checkRequested) return;
    this.checkRequested = true;
    if (this.state !== 'waiting') return;
    this.timer?.unsubscribe();
    this.timer = this.o.scheduler.schedule(() => this.check(), this.untilFloor());
  }

  /** Time left until minHeartbeatFrequencyMS has passed since the wait began. */
  private untilFloor(): number {
    return Math.max(0, this.waitStart + this.o.minHeartbeatFrequencyMS - this.o.scheduler.now());
  }

  /**
   * The topology marked the server Unknown after an application network error: cancel the check in
   * progress, close the monitoring connection, and wait before checking again ("hello Cancellation").
   */
  cancelCheck(): void {
    if (this.state === 'stopped') return;
    this.dropConnection();
    if (this.state === 'checking') this.wait();
  }

  stop(): void {
    this.state = 'stopped';
    this.timer?.unsubscribe();
    this.dropConnection();
    this.pinger?.stop();
    this.pinger = undefined;
  }

  private now(): number {
    return this.o.scheduler.now();
  }

  private dropConnection(): void {
    const sub = this.inFlight;
    this.inFlight = undefined;
    sub?.unsubscribe();
    this.connection?.close();
    this.connection = undefined;
    this.streamStarted = undefined;
  }

  private check(): void {
    if (this.state === 'stopped') return;
    this.state = 'checking';
    this.timer = undefined;
    this.checkRequested = false;
    const conn = this.connection;
    if (!conn || conn.closed) {
      this.connection = undefined;
      const started = this.heartbeatStarted(false);
      this.track(
        this.o.connector(this.o.address, 'monitor').subscribe({
          next: (c) => {
            this.connection = c;
            this.rtt.add(this.now() - started);
            this.succeeded(c.hello ?? {}, started, false);
          },
          error: (e: unknown) => this.failed(e, started, false),
          complete: () => this.afterSuccess(),
        }),
      );
    } else if (this.o.streaming && this.previous.topologyVersion) {
      this.stream(conn, this.previous.topologyVersion);
    } else {
      const started = this.heartbeatStarted(false);
      const timeout = this.o.connectTimeoutMS;
      this.track(
        conn
          .command('admin', this.helloCommand(), { socketTimeoutMS: timeout, unmonitored: true })
          .subscribe({
            next: (reply) => {
              this.rtt.add(this.now() - started);
              this.succeeded(reply, started, false);
            },
            error: (e: unknown) => this.failed(e, started, false),
            complete: () => this.afterSuccess(),
          }),
      );
    }
  }

  /** Streaming hello: one exhaust command whose replies arrive as the topology changes. */
  private stream(conn: Connection, topologyVersion: Document): void {
    const { heartbeatFrequencyMS: hf, connectTimeoutMS: ct } = this.o;
    let started = this.streamStarted ?? this.heartbeatStarted(true);
    this.streamStarted = undefined;
    const command = {
      ...this.helloCommand(),
      topologyVersion,
      maxAwaitTimeMS: hf,
    };
    this.track(
      conn
        .command('admin', command, {
          exhaustAllowed: true,
          socketTimeoutMS: ct === 0 ? 0 : ct + hf,
          unmonitored: true,
        })
        .subscribe({
          next: (reply) => {
            this.succeeded(reply, started, true);
            // The next reply is read at once: announce it now (server-monitoring "SDAM Monitoring").
            if (this.state === 'checking') {
              started = this.heartbeatStarted(true);
              this.streamStarted = started;
            }
          },
          error: (e: unknown) => this.failed(e, started, true),
          complete: () => this.afterSuccess(),
        }),
    );
  }

  private track(sub: Subscription): void {
    // A synchronous source may already have finished and moved the state on.
    if (!sub.closed) this.inFlight = sub;
  }

  private helloCommand(): Document {
    return { [this.helloOk ? 'hello' : 'isMaster']: 1, helloOk: true, ...this.o.serverApiFields };
  }

  /** Who a heartbeat event is about: the server, its topology and the monitoring connection when there is one. */
  private heartbeatIds(): {
    connectionId: string;
    topologyId?: number;
    driverConnectionId?: number;
    serverConnectionId?: number;
  } {
    const conn = this.connection;
    return {
      connectionId: this.o.address,
      ...(this.o.topologyId !== undefined && { topologyId: this.o.topologyId }),
      ...(conn && { driverConnectionId: conn.id }),
      ...(conn?.serverConnectionId !== undefined && { serverConnectionId: conn.serverConnectionId }),
    };
  }

  private heartbeatStarted(awaited: boolean): number {
    this.o.bus?.emit({ name: 'serverHeartbeatStarted', ...this.heartbeatIds(), awaited });
    return this.now();
  }

  private succeeded(reply: Document, started: number, awaited: boolean): void {
    if (this.state === 'stopped') return;
    const duration = this.now() - started;
    // Once hello is in use it stays (a hello reply need not say helloOk); with a declared API, always.
    this.helloOk = this.o.serverApi || this.helloOk || reply.helloOk === true;
    this.o.bus?.emit({
      name: 'serverHeartbeatSucceeded',
      ...this.heartbeatIds(),
      duration,
      reply,
      awaited,
    });
    const description = serverDescriptionFromHello(this.o.address, reply, {
      roundTripTime: this.rtt.average(),
      minRoundTripTime: this.rtt.min(),
      now: this.now(),
    });
    this.previous = description;
    if (this.o.streaming && description.topologyVersion && !this.pinger) {
      this.pinger = new RttPinger({ ...this.o, stats: this.rtt });
      this.pinger.start();
    }
    this.o.onDescription(description);
  }

  private afterSuccess(): void {
    this.inFlight = undefined;
    if (this.state !== 'checking') return;
    if (this.o.streaming && this.previous.topologyVersion) this.check();
    else this.wait();
  }

  private failed(error: unknown, started: number, awaited: boolean): void {
    this.inFlight = undefined;
    if (this.state !== 'checking') return;
    const failure = error instanceof Error ? error : new Error(String(error));
    const duration = this.now() - started;
    this.o.bus?.emit({
      name: 'serverHeartbeatFailed',
      ...this.heartbeatIds(),
      duration,
      failure,
      awaited,
    });
    this.dropConnection();
    this.rtt.reset();
    const wasKnown = this.previous.type !== 'Unknown';
    this.helloOk = this.o.serverApi;
    this.previous = unknownServerDescription(this.o.address, failure, { now: this.now() });
    this.o.onDescription(this.previous);
    if (this.state !== 'checking') return;
    // A known server that just failed with a network error is retried at once ("retry hello once").
    if (isNetworkError(failure) && wasKnown) this.check();
    else this.wait();
  }

  private wait(): void {
    this.state = 'waiting';
    this.waitStart = this.now();
    const delay = this.checkRequested ? this.untilFloor() : this.o.heartbeatFrequencyMS;
    this.timer = this.o.scheduler.schedule(() => this.check(), delay);
  }
}
