// close() over real sockets: a counting transport sees every socket the topology opened (pool,
// streaming monitor, RTT pinger) destroyed by the time close() completes; every waiting or running
// operation has a typed error; and the process has no socket or timer more than before the test.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  asyncScheduler,
  catchError,
  concatMap,
  filter,
  firstValueFrom,
  lastValueFrom,
  type Observable,
  of,
  take,
  tap,
} from 'rxjs';
import { createTopology } from '../../src/client/topology-factory.js';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { netTransport, type Transport } from '../../src/connection/transport.js';
import { EventBus } from '../../src/events/bus.js';
import { ReadPreference } from '../../src/read-preference.js';
import { socketConnector } from '../../src/sdam/connector.js';
import type { SrvResolver } from '../../src/sdam/srv.js';
import { Topology } from '../../src/sdam/topology.js';
import { parseConnectionString } from '../../src/uri/parse.js';
import { runUntilExit } from '../support/child-process.js';
import { MockServer, newTopologyVersion } from '../support/mock-server/index.js';

/** How many of each kind of handle keep this process alive. */
function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'TLSWrap'];

/** A replica-set primary (reporting topologyVersion, so monitors stream) whose finds never answer. */
async function frozenFindPrimary(): Promise<MockServer> {
  const server = await MockServer.start({
    handler: (request) => (request.commandName === 'find' ? { noReply: true } : undefined),
  });
  server.setHello({
    role: 'primary',
    setName: 'rs',
    hosts: [server.address],
    topologyVersion: newTopologyVersion(),
  });
  return server;
}

describe('Topology close over real sockets', () => {
  it('destroys every socket before close() completes and leaves no handle behind', async () => {
    const before = handles();
    const server = await frozenFindPrimary();
    const sockets: Socket[] = [];
    const counting: Transport = {
      connect: (target, options) =>
        netTransport.connect(target, options).pipe(tap((s) => sockets.push(s as Socket))),
    };
    const topology = new Topology({
      hosts: [server.address],
      replicaSet: 'rs',
      heartbeatFrequencyMS: 500,
      serverMonitoringMode: 'stream',
      pool: { maxPoolSize: 1 },
      scheduler: asyncScheduler,
      connector: socketConnector({ handshake: { metadata: buildClientMetadata() }, transport: counting }),
    });
    topology.connect();
    await firstValueFrom(topology.description$.pipe(filter((td) => td.type === 'ReplicaSetWithPrimary')));

    const settled = (source: Observable<unknown>) =>
      lastValueFrom(source.pipe(catchError((e: Error) => of(e.name))), { defaultValue: 'completed empty' });
    const find = () =>
      topology.selectServer({ kind: 'write', operationName: 'find' }).pipe(
        take(1),
        concatMap((s) => s.withConnection((c) => c.command('db', { find: 'c' }))),
      );
    const sent = server.nextRequest((r) => r.commandName === 'find');
    const inFlight = settled(find());
    await sent;
    const queued = settled(find());
    const waiting = settled(
      topology.selectServer({
        kind: 'read',
        readPreference: ReadPreference.secondary,
        operationName: 'find',
      }),
    );
    // Monitor and RTT pinger (streaming: the server reports a topologyVersion) and the pool's one.
    assert.equal(sockets.length, 3);

    await lastValueFrom(topology.close(), { defaultValue: undefined });
    assert.deepEqual(
      sockets.map((s) => s.destroyed),
      [true, true, true],
      'every socket destroyed when close() completes',
    );
    assert.deepEqual(await Promise.all([inFlight, queued, waiting]), [
      'MongoPoolClosedError',
      'MongoPoolClosedError',
      'MongoTopologyClosedError',
    ]);

    await Promise.all(sockets.map((s) => (s.closed ? undefined : once(s, 'close'))));
    await server.stop();
    // Closed handles leave the list once the event loop has run their close callbacks: give it a
    // bounded number of turns (not a duration).
    const leftOver = () => WATCHED.some((kind) => (handles().get(kind) ?? 0) > (before.get(kind) ?? 0));
    for (let turn = 0; turn < 100 && leftOver(); turn++)
      await new Promise((resolve) => setImmediate(resolve));
    const after = handles();
    for (const kind of WATCHED) {
      assert.equal(after.get(kind) ?? 0, before.get(kind) ?? 0, `${kind}: ${[...after]}`);
    }
  });

  it('a process whose only work was the client exits by itself after close(), the find ended typed', async () => {
    const server = await frozenFindPrimary();
    try {
      const { code, last } = await runUntilExit(join(import.meta.dirname, 'close-exit-script.ts'), [
        server.uri,
      ]);
      assert.equal(code, 0);
      const report = JSON.parse(last || '{}');
      assert.equal(report.findOutcome, 'MongoPoolClosedError');
      const timers = (report.resources as string[]).filter((r) => r === 'Timeout');
      assert.deepEqual(timers, [], 'no timer left when close() completed');
    } finally {
      await server.stop();
    }
  });
});

describe('mongodb+srv topology close', () => {
  it('errors a selection still waiting for DNS with MongoTopologyClosedError and never starts the topology', async () => {
    const uri = 'mongodb+srv://test1.test.build.10gen.cc/';
    const options = parseConnectionString(uri);
    let lookups = 0;
    // DNS that never answers.
    const resolver: SrvResolver = {
      resolveSrv: () => {
        lookups++;
        return new Promise(() => {});
      },
      resolveTxt: () => new Promise(() => {}),
    };
    const bus = new EventBus();
    const events: string[] = [];
    bus.events$.subscribe((e) => events.push(e.name));
    const topology = createTopology(uri, {}, options, bus, resolver);
    const selection = lastValueFrom(
      topology
        .selectServer({ kind: 'read', operationName: 'find' })
        .pipe(catchError((e: Error) => of(e.name))),
    );
    await lastValueFrom(topology.close(), { defaultValue: undefined });
    assert.equal(await selection, 'MongoTopologyClosedError');
    assert.equal(
      await lastValueFrom(
        topology
          .selectServer({ kind: 'read', operationName: 'find' })
          .pipe(catchError((e: Error) => of(e.name))),
      ),
      'MongoTopologyClosedError',
    );
    assert.equal(lookups, 1);
    assert.deepEqual(events, [], 'no topology was opened');
  });
});
