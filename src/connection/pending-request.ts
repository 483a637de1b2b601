import type { DeserializeOptions, Document } from 'bson';
import type { SchedulerLike, Subscriber, Subscription } from '../rx.js';
import { type CommandEvents, UNMONITORED } from './command-monitoring.js';

/**
 * One acknowledged request waiting on a connection: the id its next reply answers (an exhaust
 * stream moves it on to each reply's own requestId), its socket timer and its subscriber.
 * Settles once: the last reply, an error, or the subscriber leaving.
 */
export class PendingRequest {
  private timer: Subscription | undefined;
  private settled = false;

  constructor(
    /** The request id the next reply must answer (`responseTo`). */
    public awaiting: number,
    readonly exhaust: boolean,
    /** socketTimeoutMS for each reply (0 = none). */
    private readonly timeoutMS: number,
    private readonly subscriber: Subscriber<Document>,
    private readonly events: CommandEvents,
    /** How its replies are decoded (undefined: the defaults). */
    readonly bsonOptions?: DeserializeOptions,
    /** Its reply may be assembled in a reused buffer and carry its release (`releasableReply`). */
    readonly releasable = false,
  ) {}

  /** Whether command monitoring sees its replies (a listener may then keep one). */
  get monitored(): boolean {
    return this.events !== UNMONITORED;
  }

  get done(): boolean {
    return this.settled;
  }

  /** (Re)starts the socket timer: `onTimeout` gets the timeout after that many ms on `scheduler`. */
  arm(scheduler: SchedulerLike, onTimeout: (timeoutMS: number) => void): void {
    this.timer?.unsubscribe();
    const ms = this.timeoutMS;
    this.timer = ms > 0 ? scheduler.schedule(() => onTimeout(ms), ms) : undefined;
  }

  /** Emits a reply; `last` ends the request. */
  reply(doc: Document, last: boolean): void {
    if (this.settled) return;
    if (last) this.settle();
    this.events.succeeded(doc);
    this.subscriber.next(doc);
    if (last) this.subscriber.complete();
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settle();
    this.events.failed(error);
    this.subscriber.error(error);
  }

  /** Ends the request without a word to the subscriber (it left) and stops the timer. */
  settle(): void {
    this.settled = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
  }
}
