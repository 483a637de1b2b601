// 100,000 seeded mutations of real connection strings (the spec suites' URIs and our own): the
// parser either returns options or throws a MongoError (MongoParseError); nothing else escapes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConnectionString, redactUri } from '../../src/uri/index.js';
import { resolveSpecDir } from '../runner/spec-dir.js';
import { bsonValue, fuzzSeed, mutateString, Rand, TypedOutcomes } from '../support/fuzz.js';
import { readJsonTests } from './json-tests.js';

const CASES = 100_000;
const SEED = fuzzSeed(20250301);

const OWN_SEEDS = [
  'mongodb://localhost',
  'mongodb://user:p%40ss@h1:27017,h2:27018,[::1]:27019/db?replicaSet=rs&authSource=admin',
  'mongodb+srv://cluster0.example.com/?retryWrites=true&w=majority&srvMaxHosts=2',
  'mongodb://h/?connectTimeoutMS=100&socketTimeoutMS=200&serverSelectionTimeoutMS=300&heartbeatFrequencyMS=500',
  'mongodb://h/?readPreference=secondary&readPreferenceTags=dc:ny,rack:1&readPreferenceTags=&maxStalenessSeconds=120',
  'mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:t,SERVICE_NAME:x',
  'mongodb://%2Ftmp%2Fmongodb-27017.sock/db?tls=true&tlsCAFile=ca.pem&tlsAllowInvalidHostnames=true',
  'mongodb://h/?compressors=zlib,snappy&zlibCompressionLevel=9&loadBalanced=true&directConnection=false',
  'mongodb://h/?proxyHost=p&proxyPort=1080&proxyUsername=u&proxyPassword=pw&timeoutMS=0',
  'mongodb://u@h/?authMechanism=GSSAPI&authMechanismProperties=SERVICE_REALM:R,CANONICALIZE_HOST_NAME:true',
];

function specUris(): string[] {
  const dir = resolveSpecDir();
  if (!dir) return [];
  const uris: string[] = [];
  for (const suite of ['connection-string', 'uri-options', 'auth']) {
    for (const { tests } of readJsonTests(join(dir, suite, 'tests'))) {
      for (const t of tests) if (typeof t.uri === 'string') uris.push(t.uri);
    }
  }
  return uris;
}

/** Option keys worth splicing in: timing and the others with typed values. */
const KEYS = [
  'connectTimeoutMS',
  'socketTimeoutMS',
  'w',
  'wtimeoutMS',
  'journal',
  'tls',
  'ssl',
  'maxPoolSize',
  'minPoolSize',
  'readPreference',
  'readPreferenceTags',
  'authMechanism',
  'authSource',
  'authMechanismProperties',
  'compressors',
  'srvMaxHosts',
  'srvServiceName',
  'directConnection',
  'loadBalanced',
  'replicaSet',
  'tlsInsecure',
  'proxyHost',
  'serverApi',
  // Options-object only.
  'auth',
  'hedge',
  'readConcern',
  'writeConcern',
  'driverInfo',
  'monitorCommands',
  'pkFactory',
  'forceServerObjectId',
  'minHeartbeatFrequencyMS',
];

/** Fields inside the object-valued options (writeConcern.w, serverApi.version, auth.username, ...). */
const INNER_KEYS = [
  'w',
  'wtimeoutMS',
  'journal',
  'level',
  'version',
  'strict',
  'deprecationErrors',
  'username',
  'password',
  'name',
  'platform',
  'enabled',
];

function optionValue(r: Rand): unknown {
  if (!r.chance(0.4)) return bsonValue(r);
  const value: Record<string, unknown> = {};
  for (let i = 0, n = 1 + r.int(3); i < n; i++) value[r.pick(INNER_KEYS)] = bsonValue(r, 2);
  return value;
}

describe('connection string fuzzing', () => {
  it(`parses ${CASES} mutated connection strings with only typed errors (seed ${SEED})`, (t) => {
    const seeds = [...OWN_SEEDS, ...specUris()];
    const r = new Rand(SEED);
    const outcomes = new TypedOutcomes();
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    t.after(() => {
      Error.stackTraceLimit = stackTraceLimit;
    });
    for (let i = 0; i < CASES; i++) {
      let uri = mutateString(r, r.pick(seeds));
      if (r.chance(0.3))
        uri += `${uri.includes('?') ? '&' : '/?'}${r.pick(KEYS)}=${mutateString(r, r.pick(['1', 'true', 'abc', '-1', 'a:b,c']))}`;
      // Now and then the options object too: its values must be checked, never trusted.
      const clientOptions = r.chance(0.1) ? { [r.pick(KEYS)]: optionValue(r) } : {};
      outcomes.run(
        'parseConnectionString',
        () => JSON.stringify({ uri, clientOptions: String(Object.keys(clientOptions)) }),
        () => parseConnectionString(uri, clientOptions),
      );
      // redactUri (the dependency's redaction) costs ~40 parses: a sample of the cases is enough.
      if (i % 200 === 0)
        outcomes.run(
          'redactUri',
          () => JSON.stringify(uri),
          () => redactUri(uri),
        );
    }
    // Both outcomes were common: the mutations reach past the scheme check, and break things.
    assert.ok(outcomes.ok > CASES / 20, outcomes.toString());
    assert.ok((outcomes.counts.get('MongoParseError') ?? 0) > CASES / 5, outcomes.toString());
  });
});
