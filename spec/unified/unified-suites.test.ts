// Runs the unified-format spec suites against the test server under node:test, one test per case.
import { after, before, describe, it } from 'node:test';
import { resolveSpecDir } from '../runner/spec-dir.js';
import { type Deployment, openServer, type UnifiedServer } from './server.js';
import { deploymentFor, unifiedSuite } from './suite.js';

const FOLDERS = [
  'crud',
  'collection-management',
  'index-management',
  'run-command',
  'unified-test-format',
  'sessions',
  'causal-consistency',
  'retryable-writes',
  'retryable-reads',
  'client-side-operations-timeout',
  'server-discovery-and-monitoring',
  'gridfs',
  'versioned-api',
  'mongodb-handshake',
  'transactions',
  'transactions@sharded',
  'transactions-convenient-api',
  'transactions-convenient-api@sharded',
  'load-balancers',
  // Logging (the SDAM logging files run with server-discovery-and-monitoring and its @sharded/@load-balanced).
  'command-logging-and-monitoring/tests/logging',
  'command-logging-and-monitoring/tests/logging@replicaset',
  'connection-monitoring-and-pooling/tests/logging',
  'server-selection/tests/logging',
  'server-selection/tests/logging@replicaset',
  'server-selection/tests/logging@sharded',
  'server-selection/tests/logging@load-balanced',
  'server-discovery-and-monitoring@sharded',
  'server-discovery-and-monitoring@load-balanced',
  // The logging files of invalid/ (each must be refused: the runner checks the logging schema).
  'unified-test-format/tests/invalid',
  'change-streams',
];
const specDir = resolveSpecDir();

describe('unified spec suites', { concurrency: 1 }, () => {
  // One deployment of each kind for all suites: the test server, and the replica-set proxy in front of it.
  const servers = new Map<Deployment, Promise<UnifiedServer>>();
  const shared = (kind: Deployment) => {
    let server = servers.get(kind);
    if (!server) {
      server = openServer(kind);
      servers.set(kind, server);
    }
    return server;
  };
  before(() => shared('server'));
  after(async () => {
    for (const server of servers.values()) await (await server).release();
  });

  for (const folder of FOLDERS) {
    describe(`unified:${folder}`, async () => {
      if (!specDir) {
        it('spec tests directory', { skip: 'spec tests not found (SPEC_TESTS_DIR)' }, () => {});
        return;
      }
      const cases = await unifiedSuite(folder, { server: () => shared(deploymentFor(folder)) }).load(specDir);
      // Fully passed, commands only (outcome data not checked) and skipped, reported apart.
      const counts = { full: 0, commandsOnly: 0, skipped: cases.filter((c) => c.skip).length };
      after(() =>
        console.log(
          `unified:${folder}: ${counts.full} fully passed, ${counts.commandsOnly} commands-only, ${counts.skipped} skipped`,
        ),
      );
      // Driver gaps run as TODO: reported, but they do not fail the suite.
      // A TODO case (an unbuilt feature) may wait forever: bounded, so it cannot hang the suite.
      for (const c of cases)
        it(
          c.name,
          c.skip ? { skip: c.skip } : c.todo ? { todo: c.todo, timeout: 120_000 } : {},
          async (t) => {
            const partial = await c.run();
            if (partial) {
              counts.commandsOnly++;
              t.diagnostic(`commands only: ${partial.commandsOnly}`);
            } else if (!c.todo) counts.full++;
          },
        );
    });
  }
});
