import { filter, type Observable, Subject } from '../rx.js';
import type { EventInit, EventOf, MongoEvent, MongoEventName } from './types.js';

/**
 * The one hot event bus of a client. Emitters call `emit`; subscribers read `events$`.
 * Emitting with no subscriber costs one object allocation; `wants()` lets hot paths skip even that.
 */
export class EventBus {
  private readonly subject = new Subject<MongoEvent>();
  readonly events$: Observable<MongoEvent> = this.subject.asObservable();

  /** True when someone listens; emitters on hot paths check it before building an event. */
  wants(): boolean {
    return this.subject.observed;
  }

  emit(event: EventInit): void {
    if (!this.subject.observed) return;
    this.subject.next({ ...event, time: Date.now() } as MongoEvent);
  }

  of<N extends MongoEventName>(name: N): Observable<EventOf<N>> {
    return this.events$.pipe(filter((e): e is EventOf<N> => e.name === name));
  }

  complete(): void {
    this.subject.complete();
  }
}
