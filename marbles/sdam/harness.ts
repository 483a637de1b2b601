// A scripted deployment on virtual time: each member's hello reply is a function of the clock, and
// monitoring connections are fakes whose replies (polling and streaming) follow that script.
import assert from 'node:assert/strict';
import type { Document } from 'bson';
import { ObjectId } from 'bson';
import { defer, map, Observable, type SchedulerLike, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { FakeConnection, fakeFactory } from '../../spec/pool/fakes.js';
import { MongoNetworkError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import type { MongoEvent } from '../../src/events/types.js';
import type { ConnectionFactory } from '../../src/pool/pool.js';
import type { Connector } from '../../src/sdam/connector.js';
import type { ServerDescription } from '../../src/sdam/description/server-description.js';
import type { TopologyDescription } from '../../src/sdam/description/topology-description.js';
import type { MonitorConnector } from '../../src/sdam/monitor/types.js';
import { Topology, type TopologyOptions } from '../../src/sdam/topology.js';

/** A member's hello at a given virtual time, or 'down' (connections refused and reset). */
export type Script = (now: number) => Document | 'down';

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}
export const setName = 'rs';
const electionIds = [new ObjectId('000000000000000000000001'), new ObjectId('000000000000000000000002')];

/** A replica-set member reply. `term` picks the electionId a primary reports. */
export function member(
  role: 'primary' | 'secondary',
  me: string,
  hosts: string[],
  extra: Document = {},
  term = 0,
): Document {
  const doc: Document = {
    ok: 1,
    helloOk: true,
    isWritablePrimary: role === 'primary',
    secondary: role === 'secondary',
    setName,
    setVersion: 1,
    me,
    hosts,
    minWireVersion: 0,
    maxWireVersion: 21,
    ...extra,
  };
  if (role === 'primary') {
    doc.primary = me;
    doc.electionId = electionIds[term];
  }
  return doc;
}

/** Monitoring connector over scripted members: connecting and each hello take 1 virtual ms. */
export function scriptedConnector(
  scheduler: SchedulerLike,
  scripts: Record<string, Script>,
): MonitorConnector {
  let nextId = 1;
  const stateOf = (address: string) => scripts[address]?.(scheduler.now()) ?? 'down';
  const refused = (address: string) =>
    new MongoNetworkError(`connect ${address}: ECONNREFUSED`, { beforeHandshake: true });
  return (address) =>
    defer(() =>
      timer(1, scheduler).pipe(
        map(() => {
          const hello = stateOf(address);
          if (hello === 'down') throw refused(address);
          const conn = new FakeConnection({ id: nextId++, generation: 0, address, hello });
          conn.reply = (_db, command) =>
            command.maxAwaitTimeMS !== undefined
              ? streamReplies(scheduler, () => stateOf(address), command)
              : timer(1, scheduler).pipe(
                  map(() => {
                    const reply = stateOf(address);
                    if (reply === 'down') throw new MongoNetworkError(`connection to ${address} reset`);
                    return reply;
                  }),
                );
          return conn;
        }),
      ),
    );
}

/**
 * An exhaust hello: a reply whenever the member's topologyVersion counter moves past the last one
 * sent, or maxAwaitTimeMS after the last reply; the stream ends with an error when the member goes down.
 */
function streamReplies(
  scheduler: SchedulerLike,
  state: () => Document | 'down',
  command: Document,
): Observable<Document> {
  return new Observable<Document>((subscriber) => {
    let lastCounter = Number(command.topologyVersion?.counter ?? -1);
    let lastSent = scheduler.now();
    const tick = scheduler.schedule(function (this: unknown) {
      const s = state();
      if (s === 'down') {
        subscriber.error(new MongoNetworkError('connection reset'));
        return;
      }
      const counter = Number(s.topologyVersion?.counter ?? -1);
      if (counter !== lastCounter || scheduler.now() - lastSent >= command.maxAwaitTimeMS) {
        lastCounter = counter;
        lastSent = scheduler.now();
        subscriber.next(s);
      }
      (this as { schedule(state?: unknown, delay?: number): void }).schedule(undefined, 1);
    }, 1);
    return () => tick.unsubscribe();
  });
}

/**
 * A Connector over fakes: monitoring and RTT connections from `monitors`, pool connections from
 * one `pool(address)` factory per address (made on first use).
 */
export function fakeConnector(
  monitors: MonitorConnector,
  pool: (address: string) => ConnectionFactory,
): Connector {
  const factories = new Map<string, ConnectionFactory>();
  return (request) => {
    if (request.purpose !== 'pool') return monitors(request.address, request.purpose);
    let factory = factories.get(request.address);
    if (!factory) {
      factory = pool(request.address);
      factories.set(request.address, factory);
    }
    return factory({
      id: request.id,
      generation: request.generation,
      authenticating: request.authenticating ?? (() => {}),
    });
  };
}

/** What a scripted topology may change: topology options, the monitor connector, the pool factories. */
export type ScriptedOptions = Partial<TopologyOptions> & {
  readonly monitors?: MonitorConnector;
  readonly poolFactory?: (address: string) => ConnectionFactory;
};

/** A topology on the test scheduler with scripted monitors and fake pool connections. */
export function scriptedTopology(
  scheduler: TestScheduler,
  scripts: Record<string, Script>,
  options: ScriptedOptions = {},
): { topology: Topology; log: string[] } {
  const bus = new EventBus();
  const log: string[] = [];
  bus.events$.subscribe((e) => {
    const line = describeEvent(e);
    if (line) log.push(`${scheduler.now()} ${line}`);
  });
  const { monitors, poolFactory, ...rest } = options;
  const topology = new Topology({
    hosts: Object.keys(scripts).slice(0, 1),
    heartbeatFrequencyMS: 500,
    serverMonitoringMode: 'poll',
    serverSelectionTimeoutMS: 3000,
    connectTimeoutMS: 100,
    bus,
    scheduler,
    connector: fakeConnector(
      monitors ?? scriptedConnector(scheduler, scripts),
      poolFactory ?? ((address) => fakeFactory({ address, scheduler })),
    ),
    ...rest,
  });
  return { topology, log };
}

/** One line per SDAM / heartbeat event: what a reader of the timeline needs, no more. */
function describeEvent(e: MongoEvent): string | undefined {
  switch (e.name) {
    case 'topologyOpening':
    case 'topologyClosed':
      return e.name;
    case 'topologyDescriptionChanged':
      return `${e.name} ${(e.newDescription as TopologyDescription).type}`;
    case 'serverOpening':
    case 'serverClosed':
      return `${e.name} ${e.address}`;
    case 'serverDescriptionChanged':
      return `${e.name} ${e.address} ${(e.previousDescription as ServerDescription).type}->${(e.newDescription as ServerDescription).type}`;
    case 'serverHeartbeatStarted':
      return `${e.name} ${e.connectionId}${e.awaited ? ' awaited' : ''}`;
    case 'serverHeartbeatSucceeded':
    case 'serverHeartbeatFailed':
      return `${e.name} ${e.connectionId}${e.awaited ? ' awaited' : ''}`;
    case 'connectionPoolCleared':
      return `${e.name} ${e.address}${e.interruptInUseConnections ? ' interrupt' : ''}`;
    case 'connectionPoolReady':
      return `${e.name} ${e.address}`;
    default:
      return undefined;
  }
}
