// Runs the connection-string and uri-options spec JSON tests (same format) against parseConnectionString.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MongoParseError } from '../../src/errors.js';
import { isSocketAddress, parseConnectionString, type ResolvedOptions } from '../../src/uri/index.js';
import { OPTION_NAMES } from '../../src/uri/option-table.js';
import type { SpecSuite } from '../runner/types.js';
import { casesFromFiles, orNull, plain, readJsonTests } from './json-tests.js';

interface ExpectedHost {
  type: 'ipv4' | 'ip_literal' | 'hostname' | 'unix';
  host: string;
  port: number | null;
}

/** Where each spec option lands in ResolvedOptions (lowercased option name -> value). */
const OPTION_VALUE: Record<string, (o: ResolvedOptions) => unknown> = {
  authmechanism: (o) => o.credentials?.mechanism,
  authmechanismproperties: (o) => o.credentials?.mechanismProperties,
  authsource: (o) => o.credentials?.source,
  readconcernlevel: (o) => o.readConcern.level,
  w: (o) => o.writeConcern.w,
  wtimeoutms: (o) => o.writeConcern.wtimeoutMS,
  journal: (o) => o.writeConcern.journal,
  readpreference: (o) => o.readPreference.mode,
  readpreferencetags: (o) => o.readPreference.tags,
  maxstalenessseconds: (o) => o.readPreference.maxStalenessSeconds,
  ssl: (o) => o.tls,
};

function optionValue(options: ResolvedOptions, key: string): unknown {
  const lower = key.toLowerCase();
  const special = OPTION_VALUE[lower];
  if (special) return special(options);
  const name = OPTION_NAMES.get(lower);
  assert.ok(name, `test expects unknown option ${key}`);
  return (options as unknown as Record<string, unknown>)[name];
}

export function runConnectionStringTest(test: Record<string, unknown>): void {
  const uri = String(test.uri);
  if (test.valid === false) {
    assert.throws(() => parseConnectionString(uri), MongoParseError);
    return;
  }
  const options = parseConnectionString(uri);
  if (typeof test.warning === 'boolean') {
    assert.equal(options.warnings.length > 0, test.warning, `warnings: ${JSON.stringify(options.warnings)}`);
  }
  const hosts = test.hosts as ExpectedHost[] | null | undefined;
  if (hosts) {
    assert.deepEqual(
      options.hosts.map((h) =>
        isSocketAddress(h)
          ? { unix: true, host: h.socketPath }
          : { unix: false, host: h.host, port: h.port, ipLiteral: h.isIPv6 },
      ),
      hosts.map((h) =>
        h.type === 'unix'
          ? { unix: true, host: h.host }
          : { unix: false, host: h.host, port: h.port ?? 27017, ipLiteral: h.type === 'ip_literal' },
      ),
    );
  }
  const auth = test.auth as
    | { username: string | null; password: string | null; db: string | null }
    | null
    | undefined;
  if (auth) {
    assert.equal(orNull(options.credentials?.username), auth.username, 'username');
    assert.equal(orNull(options.credentials?.password), auth.password, 'password');
    assert.equal(orNull(options.dbName), auth.db, 'db');
  }
  const expected = test.options as Record<string, unknown> | null | undefined;
  for (const [key, value] of Object.entries(expected ?? {})) {
    assert.deepStrictEqual(plain(optionValue(options, key)), value, `option ${key}`);
  }
}

function suite(name: string, folder: string, description: string): SpecSuite {
  return {
    name,
    description,
    load: (specDir) => {
      const dir = join(specDir, folder, 'tests');
      return casesFromFiles(readJsonTests(dir), dir, (test) => () => runConnectionStringTest(test));
    },
  };
}

export const connectionStringSuite = suite(
  'connection-string',
  'connection-string',
  'Connection string syntax: hosts, userinfo, auth database, option keys (parseConnectionString)',
);
export const uriOptionsSuite = suite(
  'uri-options',
  'uri-options',
  'Every URI option: types, validation, conflicts',
);
