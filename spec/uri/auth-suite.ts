// Runs the auth spec's connection-string tests: credentials resolved from a URI.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MongoParseError } from '../../src/errors.js';
import { parseConnectionString } from '../../src/uri/index.js';
import type { SpecSuite } from '../runner/types.js';
import { casesFromFiles, orNull, plain, readJsonTests } from './json-tests.js';

interface ExpectedCredential {
  username: string | null;
  password: string | null;
  source: string;
  mechanism: string | null;
  mechanism_properties: Record<string, unknown> | null;
}

/**
 * The auth spec removed MONGODB-AWS credentials from the connection string (the same file's
 * "should throw an exception if username and password provided (MONGODB-AWS)"); these older
 * cases still in the test data contradict it, so both cannot pass.
 */
const SUPERSEDED: Record<string, string> = {
  'should use username and password if specified (MONGODB-AWS)':
    'superseded: MONGODB-AWS credentials in the URI are now an error (contradicts "should throw an exception if username and password provided (MONGODB-AWS)" in the same file)',
  'should use username, password and session token if specified (MONGODB-AWS)':
    'superseded: MONGODB-AWS credentials and AWS_SESSION_TOKEN in the URI are now an error (contradicts "should throw an exception if username and password provided (MONGODB-AWS)")',
};

function runAuthTest(test: Record<string, unknown>): void {
  const uri = String(test.uri);
  if (test.valid === false) {
    assert.throws(() => parseConnectionString(uri), MongoParseError);
    return;
  }
  const { credentials } = parseConnectionString(uri);
  const expected = test.credential as ExpectedCredential | null | undefined;
  if (expected === null) {
    assert.equal(credentials, undefined);
    return;
  }
  if (expected === undefined) return;
  assert.ok(credentials, 'expected credentials');
  assert.equal(orNull(credentials.username), expected.username, 'username');
  assert.equal(orNull(credentials.password), expected.password, 'password');
  assert.equal(credentials.source, expected.source, 'source');
  assert.equal(orNull(credentials.mechanism), expected.mechanism, 'mechanism');
  const props = plain(credentials.mechanismProperties) as Record<string, unknown>;
  assert.deepStrictEqual(
    Object.keys(props).length === 0 ? null : props,
    expected.mechanism_properties,
    'mechanism_properties',
  );
}

export const authSuite: SpecSuite = {
  name: 'auth',
  description: 'Auth spec connection-string tests: credential defaults and per-mechanism validation',
  load: (specDir) => {
    const legacy = join(specDir, 'auth', 'tests', 'legacy');
    const dir = existsSync(legacy) ? legacy : join(specDir, 'auth', 'tests');
    const files = readJsonTests(dir).filter((f) => f.tests.every((t) => typeof t.uri === 'string'));
    return casesFromFiles(files, dir, (test) => () => runAuthTest(test)).map((c) => {
      const reason = SUPERSEDED[c.name.slice(c.name.indexOf(': ') + 2)];
      return reason ? { ...c, skip: reason } : c;
    });
  },
};
