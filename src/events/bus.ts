import { filter, Observable, Subject } from '../rx.js';
import type { EventInit, EventOf, MongoEvent, MongoEventName } from './types.js';

/**
 * The one hot event bus of a client. Emitters call `emit`; subscribers read `events$` (every
 * event) or `select(names)` (only those: the logger subscribes so, per enabled component).
 * Emitting an event nobody listens to costs nothing but the `wants` check; hot paths call
 * `wants(name)` before building one.
 */
export class EventBus {
  private readonly subject = new Subject<MongoEvent>();
  /** Subscribers of every event (`events$`). */
  private all = 0;
  /** Subscribers of some events (`select`): how many want each name. */
  private readonly some = new Map<MongoEventName, number>();
  /** Subscriptions ever made (`events$` and `select`), never decremented. */
  private made = 0;
  readonly events$: Observable<MongoEvent> = new Observable<MongoEvent>((subscriber) => {
    this.made++;
    this.all++;
    const inner = this.subject.subscribe(subscriber);
    return () => {
      this.all--;
      inner.unsubscribe();
    };
  });

  /**
   * How many subscriptions were ever made: equal counts at two moments, with `wants(name)` false at
   * both, mean no listener saw a `name` event in between (none subscribed, even briefly).
   */
  get subscriptionsMade(): number {
    return this.made;
  }

  /** True when someone listens to `name` (to any event, without a name). */
  wants(name?: MongoEventName): boolean {
    if (this.all > 0) return true;
    if (name === undefined) return this.some.size > 0;
    return this.some.has(name);
  }

  emit(event: EventInit): void {
    if (!this.wants(event.name)) return;
    this.subject.next({ ...event, time: Date.now() } as MongoEvent);
  }

  /** The events with one of `names`; while subscribed, only those are built for it. */
  select(names: ReadonlySet<MongoEventName>): Observable<MongoEvent> {
    return new Observable<MongoEvent>((subscriber) => {
      this.made++;
      for (const name of names) this.some.set(name, (this.some.get(name) ?? 0) + 1);
      const inner = this.subject.pipe(filter((e) => names.has(e.name))).subscribe(subscriber);
      return () => {
        inner.unsubscribe();
        for (const name of names) {
          const left = (this.some.get(name) ?? 1) - 1;
          if (left > 0) this.some.set(name, left);
          else this.some.delete(name);
        }
      };
    });
  }

  of<N extends MongoEventName>(name: N): Observable<EventOf<N>> {
    return this.select(new Set([name])).pipe(filter((e): e is EventOf<N> => e.name === name));
  }

  complete(): void {
    this.subject.complete();
  }
}
