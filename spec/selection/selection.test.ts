import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import { ReadPreference } from '../../src/read-preference.js';
import {
  initialTopologyDescription,
  serverDescriptionFromHello,
  type TopologyDescription,
  updateTopology,
} from '../../src/sdam/description/index.js';
import { averageRtt } from '../../src/sdam/monitor/rtt-stats.js';
import { inLatencyWindow, pickServer, selectServers } from '../../src/selection/select.js';
import { readPreferenceSelector, writableServerSelector } from '../../src/selection/selectors.js';

const member = (extra: Record<string, unknown>) => ({
  ok: 1,
  setName: 'rs',
  hosts: ['a:27017', 'b:27017', 'c:27017'],
  minWireVersion: 0,
  maxWireVersion: 21,
  ...extra,
});

function replicaSet(): TopologyDescription {
  let td = initialTopologyDescription({ hosts: ['a', 'b', 'c'], replicaSet: 'rs', localThresholdMS: 15 });
  td = updateTopology(
    td,
    serverDescriptionFromHello('a:27017', member({ isWritablePrimary: true }), { roundTripTime: 5 }),
  );
  td = updateTopology(
    td,
    serverDescriptionFromHello('b:27017', member({ secondary: true, tags: { dc: 'ny' } }), {
      roundTripTime: 10,
    }),
  );
  td = updateTopology(
    td,
    serverDescriptionFromHello('c:27017', member({ secondary: true, tags: { dc: 'sf' } }), {
      roundTripTime: 50,
    }),
  );
  return td;
}

const addresses = (list: readonly { address: string }[]) => list.map((s) => s.address);

describe('selection', () => {
  it('accepts the ReadPreference class and plain objects', () => {
    const td = replicaSet();
    assert.deepEqual(addresses(selectServers(td, readPreferenceSelector(ReadPreference.primary))), [
      'a:27017',
    ]);
    assert.deepEqual(
      addresses(
        selectServers(td, readPreferenceSelector(new ReadPreference('secondary', { tags: [{ dc: 'sf' }] }))),
      ),
      ['c:27017'],
    );
    assert.deepEqual(addresses(selectServers(td, readPreferenceSelector({ mode: 'SecondaryPreferred' }))), [
      'b:27017',
    ]);
    assert.deepEqual(addresses(selectServers(td, writableServerSelector())), ['a:27017']);
    assert.throws(() => readPreferenceSelector({ mode: 'fastest' }), MongoInvalidArgumentError);
  });

  it('prefers servers not deprioritized, falling back to them', () => {
    const td = replicaSet();
    const nearest = readPreferenceSelector({ mode: 'nearest' });
    assert.deepEqual(addresses(selectServers(td, nearest, { deprioritized: ['a:27017'] })), ['b:27017']);
    assert.deepEqual(addresses(selectServers(td, writableServerSelector(), { deprioritized: ['a:27017'] })), [
      'a:27017',
    ]);
  });

  it('validates maxStalenessSeconds against heartbeatFrequencyMS', () => {
    const td = replicaSet();
    assert.throws(
      () => selectServers(td, readPreferenceSelector({ mode: 'nearest', maxStalenessSeconds: 89 })),
      MongoInvalidArgumentError,
    );
    assert.doesNotThrow(() =>
      selectServers(td, readPreferenceSelector({ mode: 'nearest', maxStalenessSeconds: 90 })),
    );
    assert.doesNotThrow(() =>
      selectServers(td, readPreferenceSelector({ mode: 'nearest', maxStalenessSeconds: -1 })),
    );
  });

  it('keeps servers within localThresholdMS of the fastest', () => {
    const td = replicaSet();
    const servers = [...td.servers.values()];
    assert.deepEqual(addresses(inLatencyWindow(servers, 5)), ['a:27017', 'b:27017']);
  });

  it('picks the less busy of two random servers', () => {
    const td = replicaSet();
    const servers = [...td.servers.values()];
    const counts: Record<string, number> = { 'a:27017': 5, 'b:27017': 1, 'c:27017': 9 };
    // random() -> 0 picks index 0, then 0 among the rest (index 1).
    assert.equal(
      pickServer(
        servers,
        (a) => counts[a],
        () => 0,
      )?.address,
      'b:27017',
    );
    assert.equal(
      pickServer([], () => 0),
      undefined,
    );
    assert.equal(pickServer([servers[2]], () => 0)?.address, 'c:27017');
  });

  it('averages RTT with alpha 0.2', () => {
    assert.equal(averageRtt(null, 10), 10);
    assert.ok(Math.abs(averageRtt(10, 20) - 12) < 1e-9);
  });
});
