// Shared by the server-selection and max-staleness runners: builds a TopologyDescription from a
// test's `topology_description` and checks suitable_servers / in_latency_window / error.
import assert from 'node:assert/strict';
import type { Document } from 'bson';
import { MongoInvalidArgumentError } from '../../src/errors.js';
import {
  DEFAULT_HEARTBEAT_FREQUENCY_MS,
  DEFAULT_LOCAL_THRESHOLD_MS,
  type ServerDescription,
  type ServerType,
  type TopologyDescription,
  type TopologyType,
  toNumber,
  unknownServerDescription,
} from '../../src/sdam/description/index.js';
import { inLatencyWindow, suitableServers } from '../../src/selection/select.js';
import { readPreferenceSelector, writableServerSelector } from '../../src/selection/selectors.js';

export function serverFromSpec(s: Document): ServerDescription {
  const base = unknownServerDescription(s.address as string);
  return {
    ...base,
    type: s.type as ServerType,
    roundTripTime: s.avg_rtt_ms ?? null,
    tags: (s.tags as Record<string, string> | undefined) ?? {},
    lastUpdateTime: s.lastUpdateTime ?? 0,
    lastWriteDate: toNumber(s.lastWrite?.lastWriteDate),
    maxWireVersion: s.maxWireVersion ?? 21,
  };
}

export function topologyFromSpec(doc: Document): TopologyDescription {
  const desc = doc.topology_description as Document;
  const servers = (desc.servers as Document[]).map(serverFromSpec);
  return {
    type: desc.type as TopologyType,
    setName: null,
    maxSetVersion: null,
    maxElectionId: null,
    servers: new Map(servers.map((sd) => [sd.address, sd])),
    stale: false,
    compatible: true,
    compatibilityError: null,
    logicalSessionTimeoutMinutes: null,
    heartbeatFrequencyMS: doc.heartbeatFrequencyMS ?? DEFAULT_HEARTBEAT_FREQUENCY_MS,
    localThresholdMS: DEFAULT_LOCAL_THRESHOLD_MS,
    seeds: servers.map((sd) => sd.address),
  };
}

const addresses = (list: readonly { address: string }[]) => list.map((s) => s.address).sort();

/** Runs one server-selection / max-staleness JSON case. */
export function runSelectionCase(doc: Document): void {
  const td = topologyFromSpec(doc);
  const rp = (doc.read_preference as Document | undefined) ?? {};
  const select = () => {
    const selector =
      doc.operation === 'write'
        ? writableServerSelector()
        : readPreferenceSelector({
            mode: (rp.mode as string | undefined) ?? 'primary',
            tags: rp.tag_sets as Document[] | undefined,
            maxStalenessSeconds: rp.maxStalenessSeconds as number | undefined,
          });
    const deprioritized = ((doc.deprioritized_servers ?? []) as Document[]).map((s) => s.address as string);
    return suitableServers(td, selector, { deprioritized });
  };
  if (doc.error) {
    assert.throws(select, MongoInvalidArgumentError);
    return;
  }
  const suitable = select();
  if (doc.suitable_servers)
    assert.deepEqual(addresses(suitable), addresses(doc.suitable_servers), 'suitable_servers');
  if (doc.in_latency_window) {
    assert.deepEqual(
      addresses(inLatencyWindow(suitable, td.localThresholdMS)),
      addresses(doc.in_latency_window),
      'in_latency_window',
    );
  }
}
