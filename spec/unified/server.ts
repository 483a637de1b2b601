// The deployment the unified runner talks to, and what it learnt about it (buildInfo, hello).
import type { Document } from 'bson';
import { lastValueFrom } from 'rxjs';
import { MongoClient } from '../../src/index.js';
import { testServer } from '../support/ferretdb.js';
import { startReplicaSetProxy } from '../support/rs-proxy/index.js';
import type { ServerInfo } from './requirements.js';

export interface UnifiedServer {
  readonly uri: string;
  /** The internal MongoClient (initialData, outcome, fail points). */
  readonly internal: MongoClient;
  readonly info: ServerInfo;
  /** The replica-set proxy: hides writes of still-open transactions for an outcome check (rs-proxy). */
  isolateOpenTransactions?(): Promise<'none' | 'isolated' | 'unknown'>;
  /** The proxy: turns a fail point off on every member or router (each has its own). */
  failPointOff?(name: string): void;
  release(): Promise<void>;
}

export function command(client: MongoClient, db: string, cmd: Document): Promise<Document> {
  return lastValueFrom(client.db(db).command(cmd));
}

function topologyOf(hello: Document): string {
  if (hello.msg === 'isdbgrid') return hello.serviceId ? 'load-balanced' : 'sharded';
  if (hello.setName) return 'replicaset';
  return 'single';
}

/**
 * What a suite runs against: the test server as it is, or (without MONGODB_URI) a 3-member
 * replica set, 2 mongos routers or one router behind a "load balancer" (the client connects with
 * loadBalanced=true; the router names its serviceId) played by the proxy in front of it.
 */
export type Deployment = 'server' | 'replicaset' | 'sharded' | 'load-balanced';

/** The test server, or the replica-set proxy in front of it; released in that order. */
async function deploymentOf(kind: Deployment): Promise<{
  uri: string;
  proxied: boolean;
  isolateOpenTransactions?: () => Promise<'none' | 'isolated' | 'unknown'>;
  failPointOff?: (name: string) => void;
  release(): Promise<void>;
}> {
  const server = await testServer();
  if (kind === 'server' || process.env.MONGODB_URI) return { ...server, proxied: false };
  try {
    const proxy = await startReplicaSetProxy(
      kind === 'sharded'
        ? { mongos: 2, upstream: server.uri }
        : kind === 'load-balanced'
          ? { mongos: 1, upstream: server.uri }
          : { members: 3, upstream: server.uri },
    );
    return {
      uri: kind === 'load-balanced' ? `${proxy.uri}?loadBalanced=true` : proxy.uri,
      proxied: true,
      isolateOpenTransactions: () => proxy.isolateOpenTransactions(),
      failPointOff: (name: string) => {
        proxy.configureFailPoint({ configureFailPoint: name, mode: 'off' }, 'all');
      },
      release: async () => {
        await proxy.close();
        await server.release();
      },
    };
  } catch (e) {
    await server.release();
    throw e;
  }
}

/** Starts (or reuses) the deployment and probes it with an internal client. */
export async function openServer(kind: Deployment = 'server'): Promise<UnifiedServer> {
  const server = await deploymentOf(kind);
  const internal = new MongoClient(server.uri);
  try {
    const build = await command(internal, 'admin', { buildInfo: 1 });
    const hello = await command(internal, 'admin', { hello: 1 });
    const info: ServerInfo = {
      version: String(build.version),
      // Behind a load balancer the user-level hello says mongos; the URI says load-balanced.
      topology: /[?&]loadBalanced=true/i.test(server.uri) ? 'load-balanced' : topologyOf(hello),
      auth: /@/.test(server.uri.replace(/^mongodb(\+srv)?:\/\//, '').split('/')[0] ?? ''),
      ferretdbVersion: typeof build.ferretdbVersion === 'string' ? build.ferretdbVersion : undefined,
      proxied: server.proxied,
      serverParameters: async () => {
        try {
          return await command(internal, 'admin', { getParameter: '*' });
        } catch {
          return undefined;
        }
      },
    };
    return {
      uri: server.uri,
      internal,
      info,
      isolateOpenTransactions: server.isolateOpenTransactions,
      failPointOff: server.failPointOff,
      release: async () => {
        await lastValueFrom(internal.close(), { defaultValue: undefined });
        await server.release();
      },
    };
  } catch (e) {
    await lastValueFrom(internal.close(), { defaultValue: undefined });
    await server.release();
    throw e;
  }
}
