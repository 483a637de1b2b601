import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { filter, firstValueFrom, lastValueFrom, type Observable, toArray } from 'rxjs';
import { buildClientMetadata } from '../../src/connection/client-metadata.js';
import { MongoServerSelectionError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import type { MongoEvent } from '../../src/events/types.js';
import { ReadPreference } from '../../src/read-preference.js';
import type { TopologyDescription } from '../../src/sdam/description/topology-description.js';
import { Topology, type TopologyOptions } from '../../src/sdam/topology.js';
import { testServer } from '../support/ferretdb.js';

function hostOf(uri: string): string {
  const u = new URL(uri.replace(/^mongodb:/, 'http:'));
  return `${u.hostname}:${u.port || 27017}`;
}

function record(bus: EventBus): { events: MongoEvent[] } {
  const out = { events: [] as MongoEvent[] };
  bus.events$.subscribe((e) => out.events.push(e));
  return out;
}

const sdamNames = new Set([
  'topologyOpening',
  'topologyDescriptionChanged',
  'topologyClosed',
  'serverOpening',
  'serverClosed',
  'serverDescriptionChanged',
]);

describe('Topology against FerretDB', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let host: string;
  before(async () => {
    server = await testServer();
    host = hostOf(server.uri);
  });
  after(() => server.release());

  const make = (extra: Partial<TopologyOptions> = {}) => {
    const bus = new EventBus();
    const seen = record(bus);
    const topology = new Topology({
      hosts: [host],
      handshake: { metadata: buildClientMetadata() },
      heartbeatFrequencyMS: 500,
      serverSelectionTimeoutMS: 2000,
      connectTimeoutMS: 2000,
      bus,
      ...extra,
    });
    return { topology, seen };
  };

  const until = (d$: Observable<TopologyDescription>, pred: (td: TopologyDescription) => boolean) =>
    firstValueFrom(d$.pipe(filter(pred)));

  it('discovers a Single topology, runs commands, and closes cleanly', async () => {
    const { topology, seen } = make();
    topology.connect();
    const td = await until(topology.description$, (t) => t.type === 'Single');
    assert.equal([...td.servers.values()][0]?.type, 'Standalone');

    const selected = await firstValueFrom(topology.selectServer({ kind: 'write', operationName: 'insert' }));
    assert.equal(selected.description.type, 'Standalone');
    const reply = await firstValueFrom(
      selected.withConnection((c) => c.command('mongorx_topology', { insert: 'c', documents: [{ x: 1 }] })),
    );
    assert.equal(reply.ok, 1);
    const read = await firstValueFrom(
      topology
        .selectServer({ kind: 'read', readPreference: ReadPreference.nearest, operationName: 'find' })
        .pipe((s) => s),
    );
    const found = await firstValueFrom(
      read.withConnection((c) => c.command('mongorx_topology', { find: 'c' })),
    );
    assert.equal(found.ok, 1);

    // Keep monitoring for a few heartbeats: polling only (no topologyVersion), never a failure.
    await new Promise((r) => setTimeout(r, 1300));
    const heartbeats = seen.events.filter((e) => e.name.startsWith('serverHeartbeat'));
    assert.ok(heartbeats.filter((e) => e.name === 'serverHeartbeatSucceeded').length >= 3);
    assert.equal(heartbeats.filter((e) => e.name === 'serverHeartbeatFailed').length, 0);
    assert.ok(heartbeats.every((e) => 'awaited' in e && e.awaited === false));

    const completed = lastValueFrom(topology.description$.pipe(toArray()));
    await firstValueFrom(topology.close(), { defaultValue: undefined });
    await completed;
    const sdam = seen.events.filter((e) => sdamNames.has(e.name)).map((e) => e.name);
    assert.deepEqual(sdam, [
      'topologyOpening',
      'topologyDescriptionChanged',
      'serverOpening',
      'serverDescriptionChanged',
      'topologyDescriptionChanged',
      'serverClosed',
      'topologyDescriptionChanged',
      'topologyClosed',
    ]);
    // Nothing of ours keeps the process alive: no sockets to the server, no timers.
    await new Promise((r) => setTimeout(r, 50));
    const resources = process
      .getActiveResourcesInfo()
      .filter((r) => r === 'Timeout' || r === 'TCPSocketWrap');
    assert.deepEqual(resources, []);
    await assert.rejects(firstValueFrom(topology.selectServer({ kind: 'read', operationName: 'find' })));
  });

  it('directConnection=true starts as Single', async () => {
    const { topology } = make({ directConnection: true });
    topology.connect();
    assert.equal(topology.description.type, 'Single');
    const s = await firstValueFrom(topology.selectServer({ kind: 'write', operationName: 'ping' }));
    assert.equal(s.description.type, 'Standalone');
    await firstValueFrom(topology.close(), { defaultValue: undefined });
  });

  it('a replicaSet name the standalone does not have: no suitable server, selection error after the timeout', async () => {
    const { topology } = make({ replicaSet: 'nosuchset', serverSelectionTimeoutMS: 1200 });
    topology.connect();
    // The timeout's length is proven on virtual time (marbles/sdam/monitor.test.ts), not by a clock here.
    await assert.rejects(
      firstValueFrom(topology.selectServer({ kind: 'read', operationName: 'find' })),
      (e: unknown) => {
        assert.ok(e instanceof MongoServerSelectionError);
        assert.match(e.message, /read preference primary/);
        assert.match(e.message, /ReplicaSetNoPrimary/);
        return true;
      },
    );
    // SDAM updateRSWithoutPrimary: a Standalone is removed from a replica-set topology.
    assert.equal(topology.description.servers.size, 0);
    await firstValueFrom(topology.close(), { defaultValue: undefined });
  });

  it('directConnection=true with a replicaSet name the server does not have: the server is Unknown', async () => {
    const { topology } = make({
      directConnection: true,
      replicaSet: 'nosuchset',
      serverSelectionTimeoutMS: 1000,
    });
    topology.connect();
    await assert.rejects(
      firstValueFrom(topology.selectServer({ kind: 'write', operationName: 'insert' })),
      MongoServerSelectionError,
    );
    assert.equal(topology.description.type, 'Single');
    assert.equal([...topology.description.servers.values()][0]?.type, 'Unknown');
    await firstValueFrom(topology.close(), { defaultValue: undefined });
  });
});
