// Helpers of the proxy's tests: a proxy on the FerretDB `npm test` shares (or its own), raw
// connections closed with it, unique database names, a direct client of the upstream.
import assert from 'node:assert/strict';
import { type Document, Long, UUID } from 'bson';
import { MongoClient } from 'mongodb';
import { startReplicaSetProxy } from './proxy.js';
import { RawConnection } from './raw-client.js';
import { RetryMemory } from './retry-memory.js';
import type { ReplicaSetProxy, ReplicaSetProxyOptions } from './types.js';

export function testProxy(options: ReplicaSetProxyOptions = {}): Promise<ReplicaSetProxy> {
  return startReplicaSetProxy({ upstream: process.env.MONGORX_SHARED_FERRETDB_URI, ...options });
}

/** One proxy for a describe block, and the raw connections its tests open (destroyed in `stop`). */
export class ProxyFixture {
  private started: ReplicaSetProxy | undefined;
  private readonly open: RawConnection[] = [];

  get proxy(): ReplicaSetProxy {
    if (!this.started) throw new Error('ProxyFixture: start() first');
    return this.started;
  }

  async start(options: ReplicaSetProxyOptions = {}): Promise<void> {
    this.started = await testProxy(options);
  }

  /** A raw connection to a member; with `appName`, after a handshake hello naming it. */
  async connect(member = 0, appName?: string): Promise<RawConnection> {
    const c = await RawConnection.open(this.proxy.hosts[member]!);
    this.open.push(c);
    if (appName) await c.command({ hello: 1, client: { application: { name: appName } } });
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.open) c.destroy();
    await this.started?.close();
  }
}

let databases = 0;
export function uniqueDbName(tag: string): string {
  return `rsproxy_${tag}_${process.pid}_${++databases}`;
}

/** The official driver connected straight to the upstream (no proxy between). */
export function upstreamClient(proxy: ReplicaSetProxy): MongoClient {
  return new MongoClient(proxy.upstreamUri, { directConnection: true });
}

/** An insert as a retryable write: a new session and txnNumber 1 unless given. */
export function retryableInsert(
  db: string,
  documents: Document[],
  lsid = { id: new UUID() },
  txnNumber = 1,
): Document {
  return { insert: 'c', documents, lsid, txnNumber: Long.fromInt(txnNumber), $db: db };
}

/**
 * The inserts the proxy saw for `db`: asserts no (lsid, txnNumber) ran twice at the upstream, and
 * counts the replies dropped after execution and the retries answered from the retry memory.
 */
export function insertRetryOutcomes(
  proxy: ReplicaSetProxy,
  db: string,
): { dropped: number; answered: number } {
  const inserts = proxy.commands.filter((r) => r.commandName === 'insert' && r.command.$db === db);
  const runs = new Map<string, number>();
  for (const r of inserts.filter((i) => i.executed)) {
    const key = `${RetryMemory.sessionKey(r.command.lsid)}#${String(r.command.txnNumber)}`;
    runs.set(key, (runs.get(key) ?? 0) + 1);
  }
  assert.ok(
    [...runs.values()].every((n) => n === 1),
    'no (lsid, txnNumber) ran twice at FerretDB',
  );
  return {
    dropped: inserts.filter((r) => r.outcome === 'dropped-after-execution').length,
    answered: inserts.filter((r) => r.outcome === 'retry-answered').length,
  };
}
