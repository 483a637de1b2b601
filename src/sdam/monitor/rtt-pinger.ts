import type { Document } from 'bson';
import type { Connection } from '../../connection/types.js';
import type { SchedulerLike, Subscription } from '../../rx.js';
import type { RttStats } from './rtt-stats.js';
import type { MonitorConnector } from './types.js';

export interface RttPingerOptions {
  readonly address: string;
  readonly heartbeatFrequencyMS: number;
  readonly connectTimeoutMS: number;
  readonly serverApi: boolean;
  /** The declared API's fields, sent with each RTT hello (versioned-api). */
  readonly serverApiFields?: Document;
  readonly connector: MonitorConnector;
  readonly scheduler: SchedulerLike;
  /** Shared with the monitor, which resets it when a check fails. */
  readonly stats: RttStats;
}

/**
 * Measures RTT on its own connection while the monitor streams (server-monitoring "Measuring
 * RTT", "RTT thread"): a hello every heartbeatFrequencyMS. Publishes no events and never changes
 * the topology; a failure only drops its connection.
 */
export class RttPinger {
  private readonly o: RttPingerOptions;
  private connection: Connection | undefined;
  private inFlight: Subscription | undefined;
  private timer: Subscription | undefined;
  private helloOk: boolean;
  private stopped = false;

  constructor(options: RttPingerOptions) {
    this.o = options;
    this.helloOk = options.serverApi;
  }

  start(): void {
    this.ping();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.inFlight?.unsubscribe();
    this.connection?.close();
    this.connection = undefined;
  }

  private ping(): void {
    if (this.stopped) return;
    const started = this.o.scheduler.now();
    const sample = () => this.o.stats.add(this.o.scheduler.now() - started);
    const fail = () => {
      this.connection?.close();
      this.connection = undefined;
      this.helloOk = this.o.serverApi;
      this.next();
    };
    const conn = this.connection;
    if (!conn || conn.closed) {
      this.inFlight = this.o.connector(this.o.address, 'rtt').subscribe({
        next: (c) => {
          if (this.stopped) {
            c.close();
            return;
          }
          this.connection = c;
          sample();
        },
        error: fail,
        complete: () => this.next(),
      });
      return;
    }
    const command = { [this.helloOk ? 'hello' : 'isMaster']: 1, helloOk: true, ...this.o.serverApiFields };
    this.inFlight = conn
      .command('admin', command, { socketTimeoutMS: this.o.connectTimeoutMS, unmonitored: true })
      .subscribe({
        next: (reply) => {
          this.helloOk = this.o.serverApi || this.helloOk || reply.helloOk === true;
          sample();
        },
        error: fail,
        complete: () => this.next(),
      });
  }

  private next(): void {
    if (this.stopped) return;
    this.timer = this.o.scheduler.schedule(() => this.ping(), this.o.heartbeatFrequencyMS);
  }
}
