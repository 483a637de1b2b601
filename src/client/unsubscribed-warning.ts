import { Observable } from '../rx.js';
import { MongoRxWarning } from '../uri/warnings.js';

/**
 * The development safety net for `await collection.insertOne(doc)` (which compiles and does
 * nothing: an Observable is not a promise): an operation Observable that is garbage-collected
 * without ever having been subscribed emits one `MongoRxWarning` (code `MONGORX_UNSUBSCRIBED`)
 * per operation name. Cursors are not watched: builders (`find().sort()`) leave unsubscribed
 * cursors behind by design, and `for await` consumes them without subscribing.
 */
export const UNSUBSCRIBED_WARNING_CODE = 'MONGORX_UNSUBSCRIBED';

/** Operation names warned about already (once per name and process). */
const warned = new Set<string>();

/** Where the warning goes; tests replace it to observe it. */
let sink: (warning: MongoRxWarning) => void = (w) => process.emitWarning(w);

const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<string>((name) => {
        if (warned.has(name)) return;
        warned.add(name);
        sink(
          new MongoRxWarning(
            `${name}() returned an Observable that was never subscribed, so nothing was sent. ` +
              'Subscribe to it, or await it with lastValueFrom/firstValueFrom from rxjs.',
            UNSUBSCRIBED_WARNING_CODE,
          ),
        );
      })
    : undefined;

/** The default of the `warnUnsubscribed` client option: on unless NODE_ENV is 'production'. */
export function unsubscribedWarningDefault(): boolean {
  return process.env.NODE_ENV !== 'production';
}

/** Wraps `source` so that being collected unsubscribed warns (see above); subscribing disarms it. */
export function watchUnsubscribed<T>(name: string, source: Observable<T>): Observable<T> {
  if (!registry) return source;
  // The token is what the wrapper holds; the registry holds only the name, so it keeps nothing alive.
  const token = {};
  let armed = true;
  const watched = new Observable<T>((subscriber) => {
    if (armed) {
      armed = false;
      registry.unregister(token);
    }
    return source.subscribe(subscriber);
  });
  registry.register(watched, name, token);
  // Keep the token reachable exactly as long as the wrapper is.
  (watched as { [TOKEN]?: object })[TOKEN] = token;
  return watched;
}

const TOKEN = Symbol('mongorx.unsubscribedToken');

/**
 * Replaces each method of `proto` (its own, not getters) with one that watches the Observable it
 * returns, when `enabled(instance)` says so. Used once per public class, below its definition.
 */
export function watchMethods<C extends object>(
  proto: C,
  className: string,
  enabled: (instance: C) => boolean,
): void {
  for (const name of Object.getOwnPropertyNames(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (name === 'constructor' || !descriptor || typeof descriptor.value !== 'function') continue;
    const original: unknown = descriptor.value;
    const method = original as (this: C, ...args: unknown[]) => unknown;
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      enumerable: descriptor.enumerable,
      value: function (this: C, ...args: unknown[]): unknown {
        const result = method.apply(this, args);
        // Only plain Observables: cursors and other Observable classes keep their own type and methods.
        return result instanceof Observable && result.constructor === Observable && enabled(this)
          ? watchUnsubscribed(`${className}.${name}`, result)
          : result;
      },
    });
  }
}

/** Tests: send warnings to `to` instead of the process, and forget which names were warned about. */
export function redirectUnsubscribedWarnings(to: (warning: MongoRxWarning) => void): () => void {
  const previous = sink;
  sink = to;
  warned.clear();
  return () => {
    sink = previous;
  };
}
