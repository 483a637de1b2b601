// A client context around a scripted topology, for tests of sessions and transactions: the
// execution context (retries on, no API version) and the handle context a Collection takes.
import type { SchedulerLike } from 'rxjs';
import type { ClientContext } from '../../src/client/client-context.js';
import { EventBus } from '../../src/events/bus.js';
import type { ExecutionContext } from '../../src/execute/context.js';
import type { TopologyLike } from '../../src/sdam/topology-contract.js';
import { ClientSession, type SessionOwner } from '../../src/session/client-session.js';

export function sessionContext(
  owner: SessionOwner,
  topology: TopologyLike,
  scheduler?: SchedulerLike,
): { ctx: ExecutionContext; context: ClientContext } {
  const ctx: ExecutionContext = {
    topology,
    retryReads: true,
    retryWrites: true,
    serverApiFields: {},
    socketTimeoutMS: 0,
    scheduler,
    clusterClock: owner.clusterClock,
    implicitSession: () => new ClientSession(owner, {}, false),
  };
  return { ctx, context: { execution: () => ctx, bus: new EventBus(), inherited: {}, sessions: owner } };
}
