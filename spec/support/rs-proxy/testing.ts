// Helpers of the proxy's tests: a proxy on the FerretDB `npm test` shares (or its own), unique
// database names, and a direct client of the upstream.
import { MongoClient } from 'mongodb';
import { startReplicaSetProxy } from './proxy.js';
import type { ReplicaSetProxy, ReplicaSetProxyOptions } from './types.js';

export function testProxy(options: ReplicaSetProxyOptions = {}): Promise<ReplicaSetProxy> {
  return startReplicaSetProxy({ upstream: process.env.MONGORX_SHARED_FERRETDB_URI, ...options });
}

let databases = 0;
export function uniqueDbName(tag: string): string {
  return `rsproxy_${tag}_${process.pid}_${++databases}`;
}

/** The official driver connected straight to the upstream (no proxy between). */
export function upstreamClient(proxy: ReplicaSetProxy): MongoClient {
  return new MongoClient(proxy.upstreamUri, { directConnection: true });
}
