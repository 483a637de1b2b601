// `unified:<folder>` suites: each test of each file is a SpecCase, run against the test server.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Document, EJSON } from 'bson';
import { registerUnified } from '../runner/suites.js';
import type { SpecCase, SpecSuite } from '../runner/types.js';
import { DRIVER_DEVIATIONS, DRIVER_GAPS } from './driver-gaps.js';
import { FERRETDB_LIMITATIONS, limitationFor, RUNNER_GAPS } from './ferretdb-limitations.js';
import { requirementsUnmet } from './requirements.js';
import { runUnifiedTest } from './runner.js';
import { type Deployment, openServer, type UnifiedServer } from './server.js';
import { csotTimeScaleFor, scaleDurations } from './time-scale.js';

/** A unified case; `todo` names the unbuilt driver feature it needs (driver-gaps.ts). */
export type UnifiedCase = SpecCase;

interface Folder {
  readonly dir: string;
  /** valid-fail: each test must fail for the case to pass. */
  readonly mustFail: boolean;
  /** Only the files whose name matches (the part of invalid/ the runner checks). */
  readonly only?: RegExp;
}

/**
 * unified-test-format/tests/invalid: the runner checks the format's schema only where logging is
 * concerned (log-expect.ts, checkLoggingSchema), so only those files run; each must be refused.
 */
const INVALID_FOLDER = 'unified-test-format/tests/invalid';
const LOGGING_SCHEMA_FILES = /LogMessage|observeLogMessages/;

/** Where a suite's JSON lives: `<folder>/tests/unified`, `<folder>/tests`, or the folder itself. */
function foldersOf(specDir: string, folder: string): Folder[] {
  if (folder === 'unified-test-format') {
    const base = join(specDir, folder, 'tests');
    return [
      { dir: join(base, 'valid-pass'), mustFail: false },
      { dir: join(base, 'valid-fail'), mustFail: true },
    ];
  }
  if (folder === INVALID_FOLDER)
    return [{ dir: join(specDir, folder), mustFail: true, only: LOGGING_SCHEMA_FILES }];
  const candidates = [
    join(specDir, folder, 'tests', 'unified'),
    join(specDir, folder, 'tests'),
    join(specDir, folder),
  ];
  const dir = candidates.find((c) => existsSync(c) && statSync(c).isDirectory());
  return dir ? [{ dir, mustFail: folder.endsWith('valid-fail') }] : [];
}

/** Suites whose cases need a replica set: they run behind the replica-set proxy. */
const REPLICA_SET_SUITES = new Set([
  'retryable-writes',
  'retryable-reads',
  'sessions',
  'causal-consistency',
  'server-discovery-and-monitoring',
  'client-side-operations-timeout',
  // Its search-index cases need a replica set (the proxy answers them as a 7.0 without Atlas Search).
  'index-management',
  'versioned-api',
  'transactions',
  'transactions-convenient-api',
  'change-streams',
  // Its fail points (errorLabels) need the proxy; runs when the spec-tests snapshot has the folder.
  'client-backpressure',
]);

/**
 * `<folder>@<deployment>` runs a folder's cases against another deployment than its own, for the
 * cases whose runOnRequirements want it: `@sharded` (the proxy's mongos routers), `@replicaset`,
 * `@load-balanced`.
 */
const DEPLOYMENT_SUFFIXES: Readonly<Record<string, Deployment>> = {
  '@sharded': 'sharded',
  '@replicaset': 'replicaset',
  '@load-balanced': 'load-balanced',
};

function suffixOf(suite: string): string | undefined {
  return Object.keys(DEPLOYMENT_SUFFIXES).find((s) => suite.endsWith(s));
}

export function deploymentFor(folder: string): Deployment {
  const suffix = suffixOf(folder);
  if (suffix) return DEPLOYMENT_SUFFIXES[suffix] as Deployment;
  if (folder.split('/')[0] === 'load-balancers') return 'load-balanced';
  return REPLICA_SET_SUITES.has(folder.split('/')[0] ?? folder) ? 'replicaset' : 'server';
}

/** The folder of a suite name (without its `@<deployment>`). */
function folderOf(suite: string): string {
  const suffix = suffixOf(suite);
  return suffix ? suite.slice(0, -suffix.length) : suite;
}

export interface UnifiedSuiteOptions {
  /** A server the caller owns (and releases); else one is opened per suite and released after its last case. */
  readonly server?: () => Promise<UnifiedServer>;
}

async function skipReason(
  server: UnifiedServer,
  path: string,
  file: Document,
  test: Document,
): Promise<string | undefined> {
  if (test.skipReason) return `skipReason: ${test.skipReason}`;
  const unmet =
    (await requirementsUnmet(file.runOnRequirements, server.info)) ??
    (await requirementsUnmet(test.runOnRequirements, server.info));
  if (unmet) return unmet;
  const gap =
    limitationFor(RUNNER_GAPS, path, file, test) ?? limitationFor(DRIVER_DEVIATIONS, path, file, test);
  if (gap) return gap;
  if (server.info.ferretdbVersion)
    return limitationFor(FERRETDB_LIMITATIONS, path, file, test, server.info.proxied);
  return undefined;
}

async function failsAsExpected(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch {
    return;
  }
  throw new Error('valid-fail test passed: the runner should have rejected it');
}

export interface UnifiedSuite extends SpecSuite {
  load(specDir: string): Promise<UnifiedCase[]>;
}

/** Suites whose durations are stretched (see time-scale.ts). */
const timeScaled = (folder: string) => folder === 'client-side-operations-timeout';

export function unifiedSuite(folder: string, options: UnifiedSuiteOptions = {}): UnifiedSuite {
  return {
    name: `unified:${folder}`,
    description: `unified test format files of ${folder}`,
    async load(specDir: string): Promise<UnifiedCase[]> {
      const folders = foldersOf(specDir, folderOf(folder));
      if (folders.length === 0) throw new Error(`no unified tests for ${folder} under ${specDir}`);
      const server = await (options.server ?? (() => openServer(deploymentFor(folder))))();
      const cases: UnifiedCase[] = [];
      try {
        for (const { dir, mustFail, only } of folders) {
          for (const name of readdirSync(dir)
            .filter((f) => f.endsWith('.json') && (!only || only.test(f)))
            .sort()) {
            const path = `${dir.slice(specDir.length + 1)}/${name}`;
            const file = EJSON.parse(readFileSync(join(dir, name), 'utf8'), { relaxed: true }) as Document;
            for (const test of file.tests ?? []) {
              const skip = await skipReason(server, path, file, test);
              const scale = timeScaled(folder) ? csotTimeScaleFor(path, String(test.description)) : 1;
              // Millisecond-timeout suites discover the deployment before their operations run.
              const run =
                scale > 1
                  ? () =>
                      runUnifiedTest(scaleDurations(file, scale), scaleDurations(test, scale), server, {
                        connectClients: true,
                      })
                  : () => runUnifiedTest(file, test, server, { connectClients: timeScaled(folder) });
              cases.push({
                name: `${path}: ${test.description}`,
                skip,
                todo: skip ? undefined : limitationFor(DRIVER_GAPS, path, file, test),
                run: mustFail ? () => failsAsExpected(run) : run,
              });
            }
          }
        }
      } catch (e) {
        if (!options.server) await server.release();
        throw e;
      }
      return options.server ? cases : releaseAfterLast(cases, server);
    },
  };
}

/** Releases the suite's own server once its last runnable case has run. */
function releaseAfterLast(cases: UnifiedCase[], server: UnifiedServer): UnifiedCase[] {
  let lastRunnable = -1;
  cases.forEach((c, i) => {
    if (!c.skip) lastRunnable = i;
  });
  if (lastRunnable < 0) {
    void server.release();
    return cases;
  }
  return cases.map((c, i) =>
    i === lastRunnable
      ? {
          name: c.name,
          todo: c.todo,
          run: async () => {
            try {
              await c.run();
            } finally {
              await server.release();
            }
          },
        }
      : c,
  );
}

registerUnified(async (folder) => unifiedSuite(folder));
