// server-selection spec runner: server_selection/**, rtt/, in_window/. The logging/ folder is
// unified-format and runs under the unified runner.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Document } from 'bson';
import { averageRtt } from '../../src/sdam/monitor/rtt-stats.js';
import { pickServer, selectServers } from '../../src/selection/select.js';
import { readPreferenceSelector } from '../../src/selection/selectors.js';
import type { SpecCase, SpecSuite } from '../runner/types.js';
import { loadJsonFiles } from '../sdam/json-files.js';
import { runSelectionCase, topologyFromSpec } from './selection-case.js';

function runRtt(doc: Document): void {
  const previous = doc.avg_rtt_ms === 'NULL' ? null : (doc.avg_rtt_ms as number);
  const actual = averageRtt(previous, doc.new_rtt_ms as number);
  assert.ok(
    Math.abs(actual - (doc.new_avg_rtt as number)) < 1e-9,
    `average RTT ${actual} != ${doc.new_avg_rtt}`,
  );
}

/** A small deterministic PRNG (mulberry32) so the frequency checks cannot flake. */
function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** in_window: select `iterations` times with mocked operation counts and compare frequencies. */
function runInWindow(doc: Document): void {
  const td = topologyFromSpec(doc);
  const counts = new Map<string, number>(
    (doc.mocked_topology_state as Document[]).map((s) => [s.address as string, s.operation_count as number]),
  );
  const candidates = selectServers(td, readPreferenceSelector({ mode: 'nearest' }));
  const iterations = doc.iterations as number;
  const random = seededRandom(42);
  const picks = new Map<string, number>();
  for (let i = 0; i < iterations; i++) {
    const sd = pickServer(candidates, (address) => counts.get(address) ?? 0, random);
    assert.ok(sd, 'a server is selected');
    picks.set(sd.address, (picks.get(sd.address) ?? 0) + 1);
  }
  const { tolerance, expected_frequencies: expected } = doc.outcome as Document;
  for (const [address, frequency] of Object.entries(expected as Record<string, number>)) {
    const actual = (picks.get(address) ?? 0) / iterations;
    assert.ok(
      Math.abs(actual - frequency) <= tolerance,
      `${address}: frequency ${actual}, expected ${frequency}`,
    );
  }
}

export const serverSelectionSuite: SpecSuite = {
  name: 'server-selection',
  description: 'server-selection server_selection/, rtt/ and in_window/ on the pure selection functions',
  load(specDir: string): SpecCase[] {
    const root = join(specDir, 'server-selection', 'tests');
    const folder = (name: string, run: (doc: Document) => void) =>
      loadJsonFiles(root, join(root, name)).map(
        (file): SpecCase => ({ name: file.name, run: () => run(file.doc) }),
      );
    return [
      ...folder('server_selection', runSelectionCase),
      ...folder('rtt', runRtt),
      ...folder('in_window', runInWindow),
    ];
  },
};
