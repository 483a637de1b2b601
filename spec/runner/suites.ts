import type { SpecSuite } from './types.js';

/**
 * Every suite `npm run spec` knows, by name. Each entry loads its module lazily so that a
 * suite's dependencies are read only when it runs. Add a line here when adding a suite.
 */
export const suites: Record<string, () => Promise<SpecSuite>> = {
  'connection-string': async () => (await import('../uri/connection-string-suite.js')).connectionStringSuite,
  'uri-options': async () => (await import('../uri/connection-string-suite.js')).uriOptionsSuite,
  auth: async () => (await import('../uri/auth-suite.js')).authSuite,
  'read-write-concern': async () =>
    (await import('../uri/read-write-concern-suite.js')).readWriteConcernSuite,
  cmap: async () => (await import('../pool/cmap-suite.js')).cmapSuite,
  sdam: async () => (await import('../sdam/sdam-suite.js')).sdamSuite,
  'server-selection': async () =>
    (await import('../selection/server-selection-suite.js')).serverSelectionSuite,
  'max-staleness': async () => (await import('../selection/max-staleness-suite.js')).maxStalenessSuite,
};

/** Unified-format folders run as `unified:<folder>`; the unified runner registers its loader here. */
export let unifiedSuite: ((folder: string) => Promise<SpecSuite>) | undefined;
export function registerUnified(loader: (folder: string) => Promise<SpecSuite>): void {
  unifiedSuite = loader;
}

export async function loadSuite(name: string): Promise<SpecSuite | undefined> {
  const direct = suites[name];
  if (direct) return direct();
  if (name.startsWith('unified:') && unifiedSuite) return unifiedSuite(name.slice('unified:'.length));
  return undefined;
}
