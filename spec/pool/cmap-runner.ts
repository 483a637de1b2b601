// Runs one cmap-format test (connection-monitoring-and-pooling/tests/cmap-format/README.md) against
// ConnectionPool with fake connections on virtual time. "Threads" are queues of operations; a
// blocking operation (checkOut, wait, waitForEvent) keeps its thread's next one from starting.
import assert from 'node:assert/strict';
import type { Document } from 'bson';
import type { Connection } from '../../src/connection/types.js';
import { EventBus } from '../../src/events/bus.js';
import type { CmapEvent, MongoEvent } from '../../src/events/types.js';
import { ConnectionPool } from '../../src/pool/pool.js';
import { handshakeFaults } from './fail-point.js';
import { fakeFactory } from './fakes.js';
import { VirtualClock } from './virtual-clock.js';

export interface CmapTest {
  readonly style: 'unit' | 'integration';
  readonly description: string;
  readonly poolOptions?: Document;
  readonly operations: readonly Operation[];
  readonly error?: Document;
  readonly events: readonly Document[];
  readonly ignore?: readonly string[];
  readonly failPoint?: Document;
}

interface Operation {
  readonly name: string;
  readonly thread?: string;
  readonly target?: string;
  readonly label?: string;
  readonly connection?: string;
  readonly ms?: number;
  readonly event?: string;
  readonly count?: number;
  readonly timeout?: number;
  readonly interruptInUseConnections?: boolean;
}

/** A started operation: done once `done` is true; `error` set if it failed. */
interface Task {
  done: boolean;
  error?: unknown;
}

interface Thread {
  readonly ops: Operation[];
  current: Task | undefined;
  error: unknown;
}

const ADDRESS = 'localhost:27017';
/** How long (virtual ms) a blocking operation may take before the test fails as stuck. */
const DEFAULT_DEADLINE_MS = 60_000;
const CMAP_NAMES = new Set<string>([
  'connectionPoolCreated',
  'connectionPoolReady',
  'connectionPoolCleared',
  'connectionPoolClosed',
  'connectionCreated',
  'connectionReady',
  'connectionClosed',
  'connectionCheckOutStarted',
  'connectionCheckOutFailed',
  'connectionCheckedOut',
  'connectionCheckedIn',
]);

function isCmapEvent(e: MongoEvent): e is CmapEvent {
  return CMAP_NAMES.has(e.name);
}

/** Spec type name of an event: `connectionCheckedOut` -> `ConnectionCheckedOut`. */
export function specType(e: CmapEvent): string {
  return e.name[0].toUpperCase() + e.name.slice(1);
}

/** The spec's MATCH: `expected` is a subset of `actual`; 42 and "42" mean "any value". */
export function assertMatches(actual: unknown, expected: unknown, path: string): void {
  if (expected === 42 || expected === '42') {
    assert.ok(actual !== undefined && actual !== null, `${path}: expected a value`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    for (const [i, v] of expected.entries()) assertMatches((actual as unknown[])[i], v, `${path}[${i}]`);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: expected an object`);
    for (const [k, v] of Object.entries(expected)) {
      assertMatches((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
    return;
  }
  assert.equal(actual, expected, path);
}

/** An event as the spec names its fields (`duration` for our `durationMS`). */
function asSpecEvent(e: CmapEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { ...e, type: specType(e) };
  if ('durationMS' in e) out.duration = e.durationMS;
  return out;
}

export function runCmapTest(test: CmapTest): void {
  const clock = new VirtualClock();
  const bus = new EventBus();
  const events: CmapEvent[] = [];
  const sub = bus.events$.subscribe((e) => {
    if (isCmapEvent(e)) events.push(e);
  });
  const fault = handshakeFaults(test.failPoint);
  const factory = fakeFactory({
    address: ADDRESS,
    scheduler: clock.scheduler,
    delayMS: (id) => fault(id).delayMS,
    failWith: (id) => fault(id).error,
  });
  const o = test.poolOptions ?? {};
  const pick = (key: string): Record<string, number> => (typeof o[key] === 'number' ? { [key]: o[key] } : {});
  // The harness plays SDAM: an establishment error clears the pool ("Populating the Pool").
  const pool: ConnectionPool = new ConnectionPool(
    {
      address: ADDRESS,
      ...pick('maxPoolSize'),
      ...pick('minPoolSize'),
      ...pick('maxConnecting'),
      ...pick('waitQueueTimeoutMS'),
      ...pick('maxIdleTimeMS'),
      onError: (_error, context) => {
        if (context.phase !== 'command') pool.clear();
      },
    },
    factory,
    bus,
    clock.scheduler,
  );

  const labels = new Map<string, Connection>();
  const threads = new Map<string, Thread>();
  const count = (type: string) => events.filter((e) => specType(e) === type).length;

  /** Starts `op`; the returned task completes now or later as virtual time runs. */
  const start = (op: Operation): Task => {
    const task: Task = { done: false };
    const finish = (error?: unknown) => {
      task.done = true;
      if (error !== undefined) task.error = error;
      pump();
    };
    try {
      switch (op.name) {
        case 'start':
          threads.set(op.target!, { ops: [], current: undefined, error: undefined });
          break;
        case 'checkOut':
          pool.checkOut().subscribe({
            next: (conn) => {
              if (op.label) labels.set(op.label, conn);
            },
            complete: () => finish(),
            error: (e: unknown) => finish(e),
          });
          return task;
        case 'checkIn': {
          const conn = labels.get(op.connection!);
          assert.ok(conn, `no connection labelled ${op.connection}`);
          pool.checkIn(conn);
          break;
        }
        case 'clear':
          pool.clear({ interruptInUseConnections: op.interruptInUseConnections });
          break;
        case 'close':
          pool.close();
          break;
        case 'ready':
          pool.ready();
          break;
        case 'wait':
          clock.scheduler.schedule(() => finish(), op.ms ?? 0);
          return task;
        case 'waitForEvent':
        case 'waitForThread':
          // Conditions: checked by `settled` below as time runs.
          return task;
        default:
          throw new Error(`unknown operation ${op.name}`);
      }
      task.done = true;
    } catch (e) {
      task.done = true;
      task.error = e;
    }
    return task;
  };

  /** Whether a condition-style task is satisfied now (and completes it). */
  const settled = (op: Operation, task: Task, startedAt: number): boolean => {
    if (task.done) return true;
    if (op.name === 'waitForEvent') {
      if (count(op.event!) >= (op.count ?? 1)) task.done = true;
      else if (op.timeout !== undefined && clock.now() - startedAt >= op.timeout) {
        task.done = true;
        task.error = new Error(`timed out waiting for ${op.count} ${op.event} events`);
      }
    } else if (op.name === 'waitForThread') {
      const t = threads.get(op.target!);
      if (!t) throw new Error(`no thread ${op.target}`);
      if (t.ops.length === 0 && (!t.current || t.current.done)) {
        task.done = true;
        if (t.error !== undefined) task.error = t.error;
      }
    }
    return task.done;
  };

  const threadStarts = new Map<Task, { op: Operation; at: number }>();
  let pumping = false;
  /** Starts each thread's next operation once its current one is done. */
  const pump = (): void => {
    if (pumping) return;
    pumping = true;
    try {
      let progressed = true;
      while (progressed) {
        progressed = false;
        for (const t of threads.values()) {
          const cur = t.current;
          if (cur) {
            const meta = threadStarts.get(cur);
            if (meta && !settled(meta.op, cur, meta.at)) continue;
            if (cur.error !== undefined && t.error === undefined) t.error = cur.error;
          }
          // A thread that failed runs nothing more.
          if (t.error !== undefined) t.ops.length = 0;
          const op = t.ops.shift();
          if (!op) {
            t.current = undefined;
            continue;
          }
          const at = clock.now();
          t.current = start(op);
          threadStarts.set(t.current, { op, at });
          progressed = true;
        }
      }
    } finally {
      pumping = false;
    }
  };

  let mainError: unknown;
  let seen: CmapEvent[] = [];
  try {
    for (const op of test.operations) {
      if (op.thread) {
        const t = threads.get(op.thread);
        assert.ok(t, `no thread ${op.thread}`);
        t.ops.push(op);
        pump();
        continue;
      }
      const at = clock.now();
      const task = start(op);
      const ok = clock.runUntil(
        () => {
          pump();
          return settled(op, task, at);
        },
        at + (op.timeout ?? DEFAULT_DEADLINE_MS),
      );
      if (!ok) throw new Error(`operation ${op.name} did not finish`);
      if (task.error !== undefined) throw task.error;
    }
  } catch (e) {
    mainError = e;
  } finally {
    // Events up to here are the test's; closing afterwards only stops timers.
    seen = events.slice();
    pool.close();
    clock.advanceBy(DEFAULT_DEADLINE_MS);
    sub.unsubscribe();
  }

  if (test.error) {
    assert.ok(mainError instanceof Error, `expected error ${JSON.stringify(test.error)}`);
    const { type, message } = test.error;
    if (type)
      assert.ok([type, `Mongo${type}`].includes(mainError.name), `error type ${mainError.name} != ${type}`);
    if (message !== undefined) assert.equal(mainError.message, message);
  } else if (mainError !== undefined) {
    throw mainError;
  }

  const ignored = new Set(test.ignore ?? []);
  const actual = seen.filter((e) => !ignored.has(specType(e))).map(asSpecEvent);
  test.events.forEach((expected, i) => {
    assert.ok(
      i < actual.length,
      `missing event ${i}: ${JSON.stringify(expected)}\nactual: ${describe(actual)}`,
    );
    try {
      assertMatches(actual[i], expected, `events[${i}]`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nactual: ${describe(actual)}`);
    }
  });
}

function describe(events: readonly Record<string, unknown>[]): string {
  return events
    .map(
      (e) =>
        `${e.type}${e.connectionId === undefined ? '' : `(${e.connectionId})`}${e.reason ? `[${e.reason}]` : ''}`,
    )
    .join(', ');
}
