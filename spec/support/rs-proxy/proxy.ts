// startReplicaSetProxy: members (or routers) on free loopback ports in front of one FerretDB.
import type { Document } from 'bson';
import { type RunningFerretDB, startFerretDB } from '../ferretdb.js';
import { ChangeStreams } from './change-streams/index.js';
import { LogicalClock } from './cluster-time.js';
import { CommandLog } from './command-log.js';
import type { Deployment } from './dispatch.js';
import { FailPoints } from './fail-point.js';
import { Member } from './member.js';
import { RetryMemory } from './retry-memory.js';
import { ReplicaSetState } from './topology.js';
import { TransactionTable } from './transactions.js';
import type { FailPointTarget, ReplicaSetProxy, ReplicaSetProxyOptions } from './types.js';
import { UpstreamPool } from './upstream.js';

/** `host:port` or a one-host `mongodb://` URI without credentials. */
function parseUpstream(upstream: string): { host: string; port: number } {
  const hostPart = upstream.replace(/^mongodb:\/\//, '').split(/[/?]/)[0] ?? '';
  if (hostPart.includes('@') || hostPart.includes(',')) {
    throw new Error(`rs-proxy: upstream must be one host without credentials: ${upstream}`);
  }
  const m = /^(.+):(\d+)$/.exec(hostPart);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: hostPart, port: 27017 };
}

function memberCount(options: ReplicaSetProxyOptions): number {
  const routers = options.mongos ?? 0;
  if (![0, 1, 2].includes(routers)) throw new RangeError('rs-proxy: mongos must be 0, 1 or 2');
  if (routers > 0) return routers;
  const members = options.members ?? 3;
  if (members !== 1 && members !== 3) throw new RangeError('rs-proxy: members must be 1 or 3');
  return members;
}

export async function startReplicaSetProxy(options: ReplicaSetProxyOptions = {}): Promise<ReplicaSetProxy> {
  const count = memberCount(options);
  const kind = (options.mongos ?? 0) > 0 ? 'sharded' : 'replicaset';
  const setName = kind === 'replicaset' ? (options.setName ?? 'rs0') : undefined;
  const random = options.random ?? Math.random;
  let ferretdb: RunningFerretDB | undefined;
  const members: Member[] = [];
  let upstream: UpstreamPool | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await Promise.allSettled(members.map((m) => m.close()));
      upstream?.close();
      await ferretdb?.stop();
    })();
    return closing;
  };
  try {
    if (!options.upstream) ferretdb = await startFerretDB();
    const target = options.upstream
      ? parseUpstream(options.upstream)
      : { host: ferretdb!.host, port: ferretdb!.port };
    const shared = options.failPointScope === 'deployment' ? new FailPoints(random) : undefined;
    for (let i = 0; i < count; i++) members.push(await Member.listen(i, shared ?? new FailPoints(random)));
    upstream = new UpstreamPool(target.host, target.port, options.upstreamPoolSize ?? 32);
    const hosts = members.map((m) => m.address);
    const state =
      kind === 'replicaset'
        ? new ReplicaSetState(count, () => {
            for (const m of members) m.topologyVersion.bump();
          })
        : undefined;
    const log = new CommandLog(options.maxRecords ?? 10_000);
    const clock = new LogicalClock();
    const transactions = new TransactionTable(upstream);
    const deployment: Deployment = {
      kind,
      setName,
      hosts,
      state,
      clock,
      retries: new RetryMemory(),
      transactions,
      changeStreams: new ChangeStreams(),
      upstream,
      record: (r) => log.add(r),
    };
    for (const m of members) m.serve(deployment);
    const needState = (what: string) => {
      if (!state) throw new Error(`rs-proxy: ${what} needs a replica set (this is mongos mode)`);
      return state;
    };
    const pointsOf = (t: FailPointTarget): FailPoints[] => {
      if (shared) return [shared];
      if (t === 'all') return members.map((m) => m.failPoints);
      const m = members[t];
      if (!m) throw new RangeError(`rs-proxy: no member ${t}`);
      return [m.failPoints];
    };
    return {
      kind,
      setName,
      hosts,
      members,
      uri:
        kind === 'replicaset'
          ? `mongodb://${hosts.join(',')}/?replicaSet=${setName}`
          : `mongodb://${hosts.join(',')}/`,
      upstreamUri: `mongodb://${target.host}:${target.port}/`,
      get primaryIndex() {
        return state?.primary;
      },
      get clusterTime() {
        return clock.now();
      },
      stepDown: (o = {}) => needState('stepDown').stepDown(o.next),
      elect: (index) => needState('elect').elect(index),
      reconfig: () => needState('reconfig').reconfig(),
      configureFailPoint: (command: Document, t: FailPointTarget = 'all') => {
        let reply: Document = { ok: 1 };
        for (const points of pointsOf(t)) {
          reply = points.configure(command);
          if (Number(reply.ok) !== 1) break;
        }
        return reply;
      },
      commands: log.records,
      isolateOpenTransactions: () => transactions.isolateOpen(),
      nextCommand: (match) => log.next(match),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
