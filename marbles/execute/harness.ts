// Scripted deployments on virtual time for tests of the execution path (CSOT, client backpressure)
// and of sessions and transactions: a connection answers each command as a script says after a
// virtual-time delay, and records what was sent, when, on which connection.
import assert from 'node:assert/strict';
import type { Document } from 'bson';
import { defer, finalize, map, NEVER, type Observable, of, switchMap, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Connection } from '../../src/connection/types.js';
import { MongoServerError } from '../../src/errors.js';
import type { ExecutionContext } from '../../src/execute/context.js';
import { ExecutionScope } from '../../src/execute/scope.js';
import {
  type ServerDescription,
  unknownServerDescription,
} from '../../src/sdam/description/server-description.js';
import type { SelectedServer, TopologyLike } from '../../src/sdam/topology-contract.js';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

/** One command as the scripted server received it. */
export interface Sent {
  readonly at: number;
  readonly db: string;
  readonly address: string;
  readonly command: Document;
  readonly connectionId: number;
  readonly socketTimeoutMS: number | undefined;
}

/**
 * How the server answers command number `index`: after `delay` virtual ms (default 1), `error`, or
 * `reply` (an `ok: 0` reply errors as a MongoServerError; default `{ ok: 1, n: 1 }`).
 */
export type Script = (
  command: Document,
  index: number,
) => { delay?: number; reply?: Document; error?: Error };

export const nameOf = (command: Document): string => Object.keys(command)[0] ?? '';

/** A connection that answers by `script` on `ts`'s clock and logs to `sent`. */
export function scriptedConnection(
  ts: TestScheduler,
  id: number,
  address: string,
  script: Script,
  sent: Sent[],
  onClose: () => void = () => {},
): Connection {
  return {
    id,
    address,
    generation: 0,
    hello: { maxWireVersion: 21 },
    serverConnectionId: id,
    closed: false,
    close: onClose,
    command: (db: string, command: Document, options) =>
      defer(() => {
        const index = sent.length;
        sent.push({
          at: ts.now(),
          db,
          address,
          command,
          connectionId: id,
          socketTimeoutMS: options?.socketTimeoutMS,
        });
        const { delay = 1, reply, error } = script(command, index);
        return timer(delay, ts).pipe(
          switchMap(() => {
            if (error) return throwError(() => error);
            const answer = reply ?? { ok: 1, n: 1 };
            return answer.ok === 1 ? of(answer) : throwError(() => new MongoServerError(answer));
          }),
        );
      }),
  };
}

export interface OneServerOptions {
  /** Virtual ms before selection succeeds (Infinity: never). */
  readonly selectMS?: number;
  readonly minRoundTripTime?: number;
  /** The server's type (default Standalone). */
  readonly type?: ServerDescription['type'];
  readonly script?: Script;
  /** Overrides of the execution context (retry settings, jitter, ...). */
  readonly ctx?: Partial<ExecutionContext>;
}

/** A one-server deployment on virtual time that records commands, check-outs, closes and selections. */
export class OneServer {
  readonly sent: Sent[] = [];
  /** The deprioritized servers each selection was given. */
  readonly selections: string[][] = [];
  checkedOut = 0;
  closed = 0;
  readonly ctx: ExecutionContext;
  private connections = 0;

  constructor(
    private readonly ts: TestScheduler,
    o: OneServerOptions = {},
  ) {
    const script = o.script ?? (() => ({}));
    const server: SelectedServer = {
      description: {
        ...unknownServerDescription('a:1'),
        type: o.type ?? 'Standalone',
        maxWireVersion: 21,
        minRoundTripTime: o.minRoundTripTime ?? 0,
        logicalSessionTimeoutMinutes: 30,
      },
      topologyType:
        o.type === 'Mongos' ? 'Sharded' : o.type === 'RSPrimary' ? 'ReplicaSetWithPrimary' : 'Single',
      withConnection: <T>(fn: (c: Connection) => Observable<T>) =>
        defer(() => {
          this.checkedOut++;
          const c = scriptedConnection(this.ts, ++this.connections, 'a:1', script, this.sent, () => {
            this.closed++;
          });
          return fn(c).pipe(finalize(() => this.checkedOut--));
        }),
      reportError: () => {},
    };
    const selectMS = o.selectMS ?? 0;
    const topology: TopologyLike = {
      description$: of(),
      selectServer: (criteria) => {
        // The real topology fails selection at the criteria's deadline; NEVER stands for a server
        // that never shows up, so only the operation's own deadline ends the wait.
        assert.ok(criteria);
        this.selections.push([...(criteria.deprioritized ?? [])].map((s) => s.address));
        if (selectMS === Number.POSITIVE_INFINITY) return NEVER;
        return selectMS === 0 ? of(server) : timer(selectMS, this.ts).pipe(map(() => server));
      },
      connect: () => {},
      close: () => of(undefined),
    };
    this.ctx = {
      topology,
      retryReads: true,
      retryWrites: true,
      serverApiFields: {},
      socketTimeoutMS: 7,
      scheduler: ts,
      ...o.ctx,
    };
  }
}

/** Runs `source` from frame 0 and returns `frame:outcome` (`next`, `|`, or `#ErrorName`). */
export function outcome<T>(
  ts: TestScheduler,
  make: () => Observable<T>,
): { log: string[]; errors: unknown[] } {
  const log: string[] = [];
  const errors: unknown[] = [];
  ts.run(() => {
    make().subscribe({
      next: () => log.push(`${ts.now()}:next`),
      error: (e: unknown) => {
        errors.push(e);
        log.push(`${ts.now()}:#${(e as Error).constructor.name}`);
      },
      complete: () => log.push(`${ts.now()}:|`),
    });
  });
  return { log, errors };
}

/** A scope with `timeoutMS` (CSOT when defined), its deadline started at `now`. */
export function scoped(timeoutMS: number | undefined, now = 0): ExecutionScope {
  const scope = new ExecutionScope({ timeoutMS });
  scope.startDeadline(now);
  return scope;
}
