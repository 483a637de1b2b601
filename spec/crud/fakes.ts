// Test doubles for the operations layer: a fixed ServerInfo, an executor that builds and parses
// against it, and a client context whose one server answers from a function.

import type { Document } from 'bson';
import { defer, NEVER, type Observable, of } from 'rxjs';
import type { ClientContext } from '../../src/client/client-context.js';
import type { CommandOptions, Connection } from '../../src/connection/types.js';
import { EventBus } from '../../src/events/bus.js';
import { ClusterClock } from '../../src/execute/cluster-clock.js';
import { executeOperation } from '../../src/execute/execute-operation.js';
import type { ExecutionScope } from '../../src/execute/scope.js';
import type { Execute } from '../../src/operations/bulk-write.js';
import type { BuiltCommand, CommandOperation, ServerInfo } from '../../src/operations/operation.js';
import { unknownServerDescription } from '../../src/sdam/description/server-description.js';
import type { SelectionCriteria } from '../../src/sdam/topology-contract.js';
import { ServerSessionPool } from '../../src/session/server-session-pool.js';

export const SERVER: ServerInfo = {
  address: 'localhost:27017',
  maxWireVersion: 21,
  maxBsonObjectSize: 16 * 1024 * 1024,
  maxMessageSizeBytes: 48_000_000,
  maxWriteBatchSize: 100_000,
  serverType: 'RSPrimary',
};

/** Builds each operation for `server` and parses `reply(built)`; records what was built. */
export function fakeExecute(
  reply: (built: BuiltCommand, index: number) => Document,
  server: ServerInfo = SERVER,
): { execute: Execute; sent: BuiltCommand[] } {
  const sent: BuiltCommand[] = [];
  const execute: Execute = <T>(op: CommandOperation<T>): Observable<T> =>
    defer(() => {
      const built = op.build(server);
      sent.push(built);
      return of(op.parse(reply(built, sent.length - 1), server));
    });
  return { execute, sent };
}

export interface SentCommand {
  readonly db: string;
  readonly command: Document;
  readonly options: CommandOptions | undefined;
  readonly criteria: SelectionCriteria;
}

/**
 * A ClientContext over one fake server: `reply` answers each command (throw to fail it); the server
 * reports `maxWireVersion` (default 21, MongoDB 7.0).
 */
export function fakeContext(
  reply: (command: Document, options?: CommandOptions) => Document = () => ({ ok: 1 }),
  maxWireVersion = 21,
): {
  context: ClientContext;
  sent: SentCommand[];
} {
  const sent: SentCommand[] = [];
  const description = {
    ...unknownServerDescription('localhost:27017'),
    type: 'RSPrimary' as const,
    maxWireVersion,
  };
  const selectServer = (criteria: SelectionCriteria) => {
    const connection: Connection = {
      id: 1,
      address: 'localhost:27017',
      generation: 0,
      hello: undefined,
      serverConnectionId: undefined,
      closed: false,
      command: (db, command, options) =>
        defer(() => {
          sent.push({ db, command, options, criteria });
          return of(reply(command, options));
        }),
      close: () => {},
    };
    return of({
      description,
      topologyType: 'ReplicaSetWithPrimary' as const,
      withConnection: <T>(fn: (c: Connection) => Observable<T>) => fn(connection),
      reportError: () => {},
    });
  };
  const execution = {
    topology: { description$: NEVER, selectServer, connect: () => {}, close: () => of(undefined) },
    retryReads: true,
    serverApiFields: {},
    socketTimeoutMS: 0,
  };
  const sessions = {
    pool: new ServerSessionPool(),
    clusterClock: new ClusterClock(),
    now: () => 0,
    execute: <T>(op: CommandOperation<T>, scope: ExecutionScope) => executeOperation(execution, op, scope),
  };
  return { context: { execution: () => execution, bus: new EventBus(), inherited: {}, sessions }, sent };
}
