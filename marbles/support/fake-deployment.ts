// One server on virtual time for the cursor and change-stream marble tests: selection answers at
// once, each check-out gets a connection from the test's factory and is counted, and in
// load-balanced mode `hold` pins a connection (the pool's PinKind check-out) until it is released.
import type { Document } from 'bson';
import type { SchedulerLike } from 'rxjs';
import { defer, finalize, type Observable, of } from 'rxjs';
import type { CommandOptions, Connection } from '../../src/connection/types.js';
import type { ExecutionContext } from '../../src/execute/context.js';
import { type ServerType, unknownServerDescription } from '../../src/sdam/description/server-description.js';
import type { TopologyType } from '../../src/sdam/description/topology-description.js';
import type { HeldConnection, SelectedServer, TopologyLike } from '../../src/sdam/topology-contract.js';

export interface FakeDeploymentOptions {
  /** The virtual clock: deadlines (CSOT) and timers run on it. */
  readonly scheduler: SchedulerLike;
  /** Standalone (default), a replica-set primary, or a load balancer (cursors pin connections). */
  readonly type?: Extract<ServerType, 'Standalone' | 'RSPrimary' | 'LoadBalancer'>;
  readonly maxWireVersion?: number;
  /** The connection of the `n`-th check-out or pin (1-based). */
  readonly connection: (n: number) => Connection;
}

const TOPOLOGY_TYPE: Record<NonNullable<FakeDeploymentOptions['type']>, TopologyType> = {
  Standalone: 'Single',
  RSPrimary: 'ReplicaSetWithPrimary',
  LoadBalancer: 'LoadBalanced',
};

export class FakeDeployment {
  readonly ctx: ExecutionContext;
  /** Connections checked out (per command, or pinned) and not yet returned. */
  checkedOut = 0;
  /** Load-balanced: connections pinned so far (each a new one). */
  pins = 0;
  private checkOuts = 0;

  constructor(o: FakeDeploymentOptions) {
    const type = o.type ?? 'Standalone';
    const server: SelectedServer = {
      description: { ...unknownServerDescription('a:1'), type, maxWireVersion: o.maxWireVersion ?? 21 },
      topologyType: TOPOLOGY_TYPE[type],
      withConnection: <T>(fn: (c: Connection) => Observable<T>) =>
        defer(() => {
          this.checkedOut++;
          return fn(o.connection(++this.checkOuts)).pipe(finalize(() => this.checkedOut--));
        }),
      reportError: () => {},
      hold:
        type === 'LoadBalancer'
          ? () =>
              defer(() => {
                this.checkedOut++;
                this.pins++;
                let released = false;
                const held: HeldConnection = {
                  connection: o.connection(++this.checkOuts),
                  release: () => {
                    if (released) return;
                    released = true;
                    this.checkedOut--;
                  },
                };
                return of(held);
              })
          : undefined,
    };
    const topology: TopologyLike = {
      description$: of(),
      selectServer: () => of(server),
      connect: () => {},
      close: () => of(undefined),
    };
    this.ctx = {
      topology,
      retryReads: true,
      serverApiFields: {},
      socketTimeoutMS: 0,
      scheduler: o.scheduler,
    };
  }
}

/** A connection whose commands `answer` plays; `close()` marks it closed (CSOT expiry closes one). */
export function fakeConnection(
  id: number,
  maxWireVersion: number,
  answer: (command: Document, connection: Connection, options: CommandOptions) => Observable<Document>,
): Connection {
  let closed = false;
  const connection: Connection = {
    id,
    address: 'a:1',
    generation: 0,
    hello: { maxWireVersion },
    serverConnectionId: id,
    get closed() {
      return closed;
    },
    close: () => {
      closed = true;
    },
    command: (_db: string, command: Document, options: CommandOptions = {}) =>
      defer(() => answer(command, connection, options)),
  };
  return connection;
}
