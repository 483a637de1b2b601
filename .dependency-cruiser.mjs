// dependency-cruiser config: the layer rules of shared/DESIGN.md ("arrows point down only").
// `npm run deps` checks src/ with it; `npm test` runs it after biome and fails on any violation.
// spec/tools/deps.test.ts runs it on tiny fixture trees to prove the rules bite.
//
// Layers, top to bottom. A module may import its own layer and any layer *below* it, never one
// above it nor another layer of the same rank. Rules match path patterns, so folders that do not
// exist yet (session/, gridfs/) are covered the moment they appear, and `src/X.ts` counts as the
// layer of `src/X/` (e.g. execute.ts before it became execute/).
// src/index.ts is the public barrel and may import anything.

/** @param {string} name a folder under src/ */
const folder = (name) => `^src/${name}(/|\\.ts$)`;

// Root-level modules (src/*.ts) that are not a layer of their own, the barrel or errors.ts.
const namedRootFiles = [
  'index',
  'errors',
  'client',
  'gridfs',
  'cursor',
  'session',
  'execute',
  'sdam',
  'selection',
  'operations',
  'pool',
  'connection',
  'wire',
  'uri',
  'events',
];
const rootModules = `^src/(?!(${namedRootFiles.join('|')})\\.ts$)[^/]+\\.ts$`;

/** Each entry is one rank; layers in the same rank may not import each other. */
export const ranks = [
  [{ name: 'client', path: folder('client'), does: 'MongoClient, Db, Collection: options, public API' }],
  [{ name: 'gridfs', path: folder('gridfs'), does: 'buckets on top of the public Collection API' }],
  [{ name: 'cursor', path: folder('cursor'), does: 'cold cursor Observables: demand, prefetch' }],
  [{ name: 'session', path: folder('session'), does: 'ClientSession, server-session pool, transactions' }],
  [{ name: 'execute', path: folder('execute'), does: 'the one execution path (scope, select, send, retry)' }],
  [
    {
      name: 'sdam',
      // sdam/ and sdam/monitor/; sdam/description/ is a rank of its own further down.
      path: '^src/sdam(\\.ts$|/(?!description/))',
      does: 'topology (BehaviorSubject state), servers, monitors, SRV polling',
    },
  ],
  [{ name: 'selection', path: folder('selection'), does: 'pure server selection' }],
  // selection works on TopologyDescription, so the pure description sits below it.
  [{ name: 'sdam/description', path: '^src/sdam/description/', does: 'pure SDAM descriptions and updates' }],
  [{ name: 'operations', path: folder('operations'), does: 'one pure builder/parser per command' }],
  [{ name: 'pool', path: folder('pool'), does: 'CMAP connection pool' }],
  [{ name: 'connection', path: folder('connection'), does: 'socket/TLS, handshake, auth/' }],
  [{ name: 'wire', path: folder('wire'), does: 'pure codec and frame splitter' }],
  [
    { name: 'uri', path: folder('uri'), does: 'connection string -> validated options' },
    { name: 'events', path: folder('events'), does: 'typed event union and the bus' },
  ],
  [{ name: 'root', path: rootModules, does: 'read-preference, read-concern, write-concern, version' }],
  [{ name: 'errors', path: '^src/errors\\.ts$', does: 'the error taxonomy' }],
];

const layers = ranks.flat();
const barrel = '^src/index\\.ts$';

/** One rule per layer: it may import only itself and the layers of lower ranks. */
const layerRules = ranks.flatMap((rank, i) =>
  rank.map((layer) => {
    const below = ranks.slice(i + 1).flat();
    return {
      name: `layer-${layer.name.replace('/', '-')}`,
      comment:
        `${layer.name} may import only ${below.map((l) => l.name).join(', ') || 'nothing in src/'} ` +
        '(shared/DESIGN.md: arrows point down only)',
      severity: 'error',
      from: { path: layer.path },
      to: { path: '^src/', pathNot: [layer.path, ...below.map((l) => l.path)] },
    };
  }),
);

// Runtime dependencies src/ may import (DESIGN.md "Runtime dependencies"), besides node: builtins
// (that builtins are spelled node:<name> is biome's lint/style/useNodejsImportProtocol).
const allowedPackages = ['bson', 'mongodb-connection-string-url', '@mongodb-js/saslprep', 'rxjs'];
const allowedPackagePath = `(^|/)node_modules/(${allowedPackages.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'No import cycles in src/ (type-only imports count too).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-unlayered-module',
      comment: 'Every module in src/ belongs to a layer of .dependency-cruiser.mjs (add new folders there).',
      severity: 'error',
      from: { path: '^src/', pathNot: [barrel, ...layers.map((l) => l.path)] },
      to: {},
    },
    {
      name: 'no-orphans',
      comment: 'A module in src/ that nothing imports and that imports nothing is dead code.',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: [barrel, '\\.d\\.ts$'] },
      to: {},
    },
    {
      name: 'src-only-runtime-packages',
      comment: `src/ imports only ${allowedPackages.join(', ')} and node: builtins.`,
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypesNot: ['local', 'core'], pathNot: allowedPackagePath },
    },
    {
      name: 'src-stays-in-src',
      comment: 'src/ never imports spec/, marbles/, bench/, scripts/ or other files outside src/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['local'], pathNot: '^src/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import in src/ resolves to a file or an installed package.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies of the design too.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
