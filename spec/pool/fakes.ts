// Fake connections and factories for pool tests: no sockets, establishment timed on a scheduler.
import type { Document } from 'bson';
import { defer, map, Observable, of, type SchedulerLike, Subject, timer } from 'rxjs';
import type { CommandOptions, Connection } from '../../src/connection/types.js';
import { MongoNetworkError } from '../../src/errors.js';
import type { ConnectionFactory } from '../../src/pool/pool.js';

export class FakeConnection implements Connection {
  readonly id: number;
  readonly address: string;
  readonly generation: number;
  readonly hello: Document | undefined;
  readonly serverConnectionId: number | undefined = undefined;
  closed = false;
  /** What `command` answers; tests replace it to script replies or failures. */
  reply: (db: string, command: Document) => Observable<Document> = () => of({ ok: 1 });

  constructor(info: { id: number; generation: number; address: string; hello?: Document }) {
    this.id = info.id;
    this.generation = info.generation;
    this.address = info.address;
    this.hello = info.hello ?? { ok: 1, isWritablePrimary: true };
  }

  private readonly closing = new Subject<never>();

  /** Answers with `reply`; a close while it runs errors it with MongoNetworkError, like a socket would. */
  command(db: string, command: Document, _options?: CommandOptions): Observable<Document> {
    return new Observable<Document>((subscriber) => {
      if (this.closed) {
        subscriber.error(this.closedError());
        return;
      }
      const onClose = this.closing.subscribe({ error: (e: unknown) => subscriber.error(e) });
      const sub = this.reply(db, command).subscribe(subscriber);
      return () => {
        onClose.unsubscribe();
        sub.unsubscribe();
      };
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing.error(this.closedError());
  }

  private closedError(): MongoNetworkError {
    return new MongoNetworkError(`connection ${this.id} to ${this.address} closed`);
  }
}

export interface FakeFactoryOptions {
  readonly address: string;
  readonly scheduler: SchedulerLike;
  /** Virtual ms each establishment takes (default 0: ready on the next scheduler turn). */
  readonly delayMS?: (id: number) => number;
  /** An error to fail establishment `id` with (after the delay), or undefined to succeed. */
  readonly failWith?: (id: number) => Error | undefined;
  /** The hello reply a connection gets (e.g. with a serviceId in load-balanced tests). */
  readonly hello?: (id: number) => Document;
  /** What each connection's commands answer (default `{ ok: 1 }`). */
  readonly reply?: (db: string, command: Document) => Observable<Document>;
  /** Virtual ms after which the hello is done and authentication begins (`info.authenticating()`). */
  readonly authenticateAt?: number;
}

/** A factory recording every connection it made, keyed by id. */
export function fakeFactory(options: FakeFactoryOptions): ConnectionFactory & {
  readonly made: Map<number, FakeConnection>;
  readonly attempts: number[];
} {
  const made = new Map<number, FakeConnection>();
  const attempts: number[] = [];
  const factory: ConnectionFactory = ({ id, generation, authenticating }) =>
    defer(() => {
      attempts.push(id);
      const auth = options.authenticateAt;
      if (auth !== undefined) options.scheduler.schedule(() => authenticating(), auth);
      const delay = options.delayMS?.(id) ?? 0;
      const error = options.failWith?.(id);
      return timer(delay, options.scheduler).pipe(
        map(() => {
          if (error) throw error;
          const conn = new FakeConnection({
            id,
            generation,
            address: options.address,
            hello: options.hello?.(id),
          });
          if (options.reply) conn.reply = options.reply;
          made.set(id, conn);
          return conn;
        }),
      );
    });
  return Object.assign(factory, { made, attempts });
}
