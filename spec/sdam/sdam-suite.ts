// SDAM spec runner: server-discovery-and-monitoring/tests/{single,rs,sharded,load-balanced,errors,monitoring}.
// Feeds hello replies and application errors to the pure description layer and checks the outcome.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Document, ObjectId } from 'bson';
import { ConnectionString } from 'mongodb-connection-string-url';
import { MongoNetworkError } from '../../src/errors.js';
import {
  type ApplicationError,
  commandErrorOfReply,
  compareObjectIds,
  compareTopologyVersion,
  diffTopologyEvents,
  handleApplicationError,
  handleMonitorCheckError,
  initialTopologyDescription,
  openingDescription,
  openingEvents,
  parseTopologyVersion,
  type SdamEventInit,
  type ServerDescription,
  serverDescriptionFromHello,
  type TopologyDescription,
  updateTopology,
} from '../../src/sdam/description/index.js';
import type { SpecCase, SpecSuite } from '../runner/types.js';
import { loadJsonFiles } from './json-files.js';

const FOLDERS = ['single', 'rs', 'sharded', 'load-balanced', 'errors', 'monitoring'];
const TOPOLOGY_ID = 42;

/** A client stand-in: the topology description, per-server pool generations, and the events so far. */
class SimulatedClient {
  td: TopologyDescription;
  readonly generations = new Map<string, number>();
  events: SdamEventInit[];

  constructor(uri: string) {
    const cs = new ConnectionString(uri);
    const p = cs.searchParams;
    const bool = (name: string) => (p.has(name) ? p.get(name) === 'true' : undefined);
    const initial = initialTopologyDescription({
      hosts: cs.hosts,
      directConnection: bool('directConnection'),
      loadBalanced: bool('loadBalanced'),
      replicaSet: p.get('replicaSet') ?? undefined,
    });
    // As the topology does: a load balancer opens Unknown and becomes a LoadBalancer at once.
    this.td = openingDescription(initial);
    this.events = openingEvents(TOPOLOGY_ID, this.td);
    if (this.td !== initial) this.replace(initial);
  }

  private replace(next: TopologyDescription): void {
    this.events.push(...diffTopologyEvents(this.td, next, TOPOLOGY_ID));
    this.td = next;
  }

  generation(address: string): number {
    return this.generations.get(address) ?? 0;
  }

  onHello(address: string, reply: Document): void {
    if (Object.keys(reply).length === 0) {
      const decision = handleMonitorCheckError(this.td, address, new MongoNetworkError('hello failed'), {
        timeout: false,
      });
      if (decision.clearPool && this.td.servers.has(address))
        this.generations.set(address, this.generation(address) + 1);
      this.replace(decision.topology);
      return;
    }
    this.replace(updateTopology(this.td, serverDescriptionFromHello(address, reply, { roundTripTime: 0 })));
  }

  onApplicationError(e: Document): void {
    const address = e.address as string;
    const base = {
      beforeHandshake: e.when === 'beforeHandshakeCompletes',
      maxWireVersion: e.maxWireVersion as number,
      connectionGeneration: e.generation as number | undefined,
    };
    let error: ApplicationError;
    if (e.type === 'command') {
      const info = commandErrorOfReply(e.response as Document);
      if (!info) return;
      error = { ...base, kind: 'command', ...info };
    } else {
      // The pool labels network errors of connecting and the hello SystemOverloadedError (CMAP
      // "backpressure-enabled"); these files describe such errors without their labels.
      const systemOverloaded = base.beforeHandshake;
      error = { ...base, kind: e.type === 'timeout' ? 'timeout' : 'network', systemOverloaded };
    }
    const decision = handleApplicationError(this.td, address, error, this.generation(address));
    if (decision.clearPool) this.generations.set(address, this.generation(address) + 1);
    this.replace(decision.topology);
  }
}

function checkOutcome(client: SimulatedClient, outcome: Document): void {
  const td = client.td;
  assert.equal(td.type, outcome.topologyType, 'topologyType');
  if ('setName' in outcome) assert.equal(td.setName, outcome.setName, 'setName');
  if ('logicalSessionTimeoutMinutes' in outcome) {
    assert.equal(
      td.logicalSessionTimeoutMinutes,
      outcome.logicalSessionTimeoutMinutes,
      'logicalSessionTimeoutMinutes',
    );
  }
  if ('maxSetVersion' in outcome) assert.equal(td.maxSetVersion, outcome.maxSetVersion, 'maxSetVersion');
  if ('maxElectionId' in outcome) {
    assert.equal(
      compareObjectIds(td.maxElectionId, outcome.maxElectionId as ObjectId | null),
      0,
      'maxElectionId',
    );
  }
  if ('compatible' in outcome) assert.equal(td.compatible, outcome.compatible, 'compatible');
  const expected = outcome.servers as Document;
  assert.deepEqual([...td.servers.keys()].sort(), Object.keys(expected).sort(), 'server addresses');
  for (const [address, exp] of Object.entries(expected) as [string, Document][]) {
    checkServer(td.servers.get(address)!, exp, client.generation(address));
  }
}

function checkServer(sd: ServerDescription, exp: Document, generation: number): void {
  const at = `${sd.address}:`;
  assert.equal(sd.type, exp.type, `${at} type`);
  for (const field of [
    'setName',
    'setVersion',
    'logicalSessionTimeoutMinutes',
    'minWireVersion',
    'maxWireVersion',
  ]) {
    if (!(field in exp)) continue;
    // SDAM "ServerDescription": the wire versions default to 0; the files write that unset value as null.
    const wire = field === 'minWireVersion' || field === 'maxWireVersion';
    const expected = wire && exp[field] === null ? 0 : exp[field];
    assert.equal(sd[field as keyof ServerDescription], expected, `${at} ${field}`);
  }
  if ('electionId' in exp)
    assert.equal(compareObjectIds(sd.electionId, exp.electionId), 0, `${at} electionId`);
  if ('topologyVersion' in exp) {
    const tv = parseTopologyVersion(exp.topologyVersion);
    const same =
      tv === null ? sd.topologyVersion === null : compareTopologyVersion(sd.topologyVersion, tv) === 0;
    assert.ok(same, `${at} topologyVersion ${JSON.stringify(sd.topologyVersion)} != ${JSON.stringify(tv)}`);
  }
  if ('error' in exp) {
    assert.ok(sd.error?.message.includes(exp.error as string), `${at} error ${sd.error?.message}`);
  }
  if (exp.pool) assert.equal(generation, exp.pool.generation, `${at} pool generation`);
}

const EVENT_NAMES: Record<string, SdamEventInit['name']> = {
  topology_opening_event: 'topologyOpening',
  topology_description_changed_event: 'topologyDescriptionChanged',
  server_opening_event: 'serverOpening',
  server_closed_event: 'serverClosed',
  server_description_changed_event: 'serverDescriptionChanged',
};

function checkEvents(actual: SdamEventInit[], expected: Document[]): void {
  const names = (list: { name: string }[]) => list.map((e) => e.name);
  const expectedEvents = expected.map((e) => {
    const [key, body] = Object.entries(e)[0] as [string, Document];
    return { name: EVENT_NAMES[key] ?? key, body };
  });
  assert.deepEqual(names(actual), names(expectedEvents), 'event names');
  expectedEvents.forEach(({ body }, i) => {
    const event = actual[i] as Document;
    if ('address' in body) assert.equal(event.address, body.address, `event ${i} address`);
    for (const key of ['previousDescription', 'newDescription']) {
      if (!(key in body)) continue;
      if (event.name === 'topologyDescriptionChanged')
        matchTopology(event[key], body[key], `event ${i} ${key}`);
      else matchServer(event[key], body[key], `event ${i} ${key}`);
    }
  });
}

function matchTopology(td: TopologyDescription, exp: Document, at: string): void {
  assert.equal(td.type, exp.topologyType, `${at} topologyType`);
  if ('setName' in exp) assert.equal(td.setName, exp.setName, `${at} setName`);
  const servers = exp.servers as Document[];
  assert.deepEqual([...td.servers.keys()].sort(), servers.map((s) => s.address).sort(), `${at} servers`);
  for (const s of servers) matchServer(td.servers.get(s.address)!, s, `${at} ${s.address}`);
}

function matchServer(sd: ServerDescription, exp: Document, at: string): void {
  assert.equal(sd.address, exp.address, `${at} address`);
  assert.equal(sd.type, exp.type, `${at} type`);
  for (const key of ['hosts', 'passives', 'arbiters'] as const) {
    if (key in exp) assert.deepEqual([...sd[key]].sort(), [...exp[key]].sort(), `${at} ${key}`);
  }
  assert.equal(sd.primary, exp.primary ?? null, `${at} primary`);
  assert.equal(sd.setName, exp.setName ?? null, `${at} setName`);
}

function runFile(doc: Document, monitoring: boolean): void {
  const client = new SimulatedClient(doc.uri as string);
  for (const phase of doc.phases as Document[]) {
    for (const [address, reply] of (phase.responses ?? []) as [string, Document][])
      client.onHello(address, reply);
    for (const e of (phase.applicationErrors ?? []) as Document[]) client.onApplicationError(e);
    const outcome = phase.outcome as Document;
    if (monitoring) {
      checkEvents(client.events, outcome.events as Document[]);
      client.events = [];
    } else {
      checkOutcome(client, outcome);
    }
  }
}

export const sdamSuite: SpecSuite = {
  name: 'sdam',
  description:
    'server-discovery-and-monitoring single/rs/sharded/load-balanced/errors/monitoring on the pure description layer',
  load(specDir: string): SpecCase[] {
    const root = join(specDir, 'server-discovery-and-monitoring', 'tests');
    return FOLDERS.flatMap((folder) =>
      loadJsonFiles(root, join(root, folder)).map(
        (file): SpecCase => ({
          name: `${file.name}: ${file.doc.description}`,
          run: () => runFile(file.doc, folder === 'monitoring'),
        }),
      ),
    );
  },
};
