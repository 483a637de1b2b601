import type { EventBus } from '../events/bus.js';
import type { EventOf, MongoEventName } from '../events/types.js';
import type { Subscription } from '../rx.js';

type Listener = (event: never) => void;

/**
 * The official driver's EventEmitter surface (`client.on('commandStarted', fn)`) over the event
 * bus: each listener is one `select` of its event name, so only events someone listens to are
 * built. Command events reach listeners whatever `monitorCommands` says.
 */
export class EventListeners {
  private readonly byName = new Map<MongoEventName, Map<Listener, Subscription[]>>();

  constructor(private readonly bus: EventBus) {}

  add<N extends MongoEventName>(name: N, listener: (event: EventOf<N>) => void, once: boolean): void {
    let listeners = this.byName.get(name);
    if (!listeners) {
      listeners = new Map();
      this.byName.set(name, listeners);
    }
    const subs = listeners.get(listener as Listener) ?? [];
    listeners.set(listener as Listener, subs);
    const sub = this.bus.select(new Set([name])).subscribe((event) => {
      if (once) this.drop(name, listener as Listener, sub);
      listener(event as EventOf<N>);
    });
    subs.push(sub);
  }

  /** Removes the listener's most recent registration for `name` (EventEmitter's removeListener). */
  remove(name: MongoEventName, listener: Listener): void {
    const subs = this.byName.get(name)?.get(listener);
    const last = subs?.[subs.length - 1];
    if (last) this.drop(name, listener, last);
  }

  removeAll(name?: MongoEventName): void {
    for (const [n, listeners] of this.byName) {
      if (name !== undefined && n !== name) continue;
      for (const subs of listeners.values()) for (const s of subs) s.unsubscribe();
      this.byName.delete(n);
    }
  }

  count(name: MongoEventName): number {
    let n = 0;
    for (const subs of this.byName.get(name)?.values() ?? []) n += subs.length;
    return n;
  }

  private drop(name: MongoEventName, listener: Listener, sub: Subscription): void {
    sub.unsubscribe();
    const listeners = this.byName.get(name);
    const subs = listeners?.get(listener);
    if (!listeners || !subs) return;
    const i = subs.indexOf(sub);
    if (i >= 0) subs.splice(i, 1);
    if (subs.length === 0) listeners.delete(listener);
    if (listeners.size === 0) this.byName.delete(name);
  }
}
