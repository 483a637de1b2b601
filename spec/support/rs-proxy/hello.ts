// hello / isMaster as a MongoDB 7.0 (maxWireVersion 21) replica-set member or mongos answers it:
// the reply shape comes from the mock server's `helloReply`; this adds the replica-set state,
// $clusterTime, and the awaitable/streaming protocol (SDAM monitoring spec).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Document, Long, ObjectId } from 'bson';
import { type HelloOptions, helloReply } from '../mock-server/hello.js';
import type { ClientConnection, ProxyRequest } from './client-connection.js';
import type { LogicalClock } from './cluster-time.js';
import type { ReplicaSetState, TopologyVersion } from './topology.js';

/** 7.0: what the proxy claims to be (FerretDB 1.24 also says 7.0 in buildInfo). */
export const MAX_WIRE_VERSION = 21;

export interface HelloSource {
  readonly kind: 'replicaset' | 'sharded';
  readonly setName: string | undefined;
  readonly hosts: readonly string[];
  /** Replica-set members only. */
  readonly state: ReplicaSetState | undefined;
  readonly clock: LogicalClock;
}

export function buildHello(
  source: HelloSource,
  memberIndex: number,
  topologyVersion: TopologyVersion,
  conn: ClientConnection,
  command: Document,
): Document {
  const tv = topologyVersion.current as { processId: ObjectId; counter: Long };
  const common: HelloOptions = {
    topologyVersion: tv,
    maxWireVersion: MAX_WIRE_VERSION,
    logicalSessionTimeoutMinutes: 30,
  };
  const state = source.state;
  let options: HelloOptions;
  if (source.kind === 'sharded' || !state) {
    options = { ...common, role: 'mongos' };
  } else {
    const primary = state.primary;
    options = {
      ...common,
      role: primary === memberIndex ? 'primary' : 'secondary',
      setName: source.setName,
      hosts: [...source.hosts],
      me: source.hosts[memberIndex],
      primary: primary === undefined ? undefined : source.hosts[primary],
      setVersion: state.setVersion,
      electionId: primary === memberIndex ? state.electionId : undefined,
      lastWrite: source.clock.lastWrite(state.term),
    };
  }
  const reply = helloReply(options, { connectionId: conn.id, command, serverCompressors: [] });
  // A mongos behind a load balancer names its service to a client that says loadBalanced: true;
  // each router is one service (its topologyVersion's processId stands for it).
  if (options.role === 'mongos' && command.loadBalanced === true) reply.serviceId = tv.processId;
  return source.clock.stamp(reply);
}

/**
 * Answers a hello. An awaitable one (`topologyVersion` + `maxAwaitTimeMS`) waits while the
 * client's topologyVersion is current, and is answered at once when the member changes; with
 * `exhaustAllowed` it keeps answering (moreToCome) until the connection closes. Before each later
 * streamed reply `again` runs the command's fail points anew: an error reply ends the stream,
 * 'stop' means the connection is gone.
 */
export async function answerHello(
  conn: ClientConnection,
  request: ProxyRequest,
  topologyVersion: TopologyVersion,
  build: () => Document,
  again: () => Promise<Document | 'stop' | undefined> = async () => undefined,
): Promise<void> {
  const { topologyVersion: clientVersion, maxAwaitTimeMS } = request.command;
  if (clientVersion === undefined || maxAwaitTimeMS === undefined) {
    conn.reply(request, build());
    return;
  }
  const waitMS = Number(maxAwaitTimeMS);
  let known: unknown = clientVersion;
  let responseTo = request.requestId;
  for (let first = true; ; first = false) {
    if (!first) {
      const failed = await again();
      if (failed === 'stop' || conn.closed) return;
      if (failed) {
        conn.reply(request, failed, { responseTo });
        return;
      }
    }
    if (topologyVersion.isCurrent(known)) {
      const signal = AbortSignal.any([topologyVersion.changed, conn.signal]);
      await sleep(waitMS, undefined, { signal }).catch(() => undefined);
    }
    if (conn.closed) return;
    const stream = request.exhaustAllowed;
    responseTo = conn.reply(request, build(), { moreToCome: stream, responseTo });
    if (!stream) return;
    known = topologyVersion.current;
  }
}
