// Runs the read-write-concern spec's document and connection-string tests.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MongoError } from '../../src/errors.js';
import { ReadConcern } from '../../src/read-concern.js';
import { parseConnectionString } from '../../src/uri/index.js';
import { WriteConcern, type WriteConcernOptions } from '../../src/write-concern.js';
import type { SpecSuite } from '../runner/types.js';
import { casesFromFiles, readJsonTests } from './json-tests.js';

function runDocumentTest(test: Record<string, unknown>): void {
  if (test.writeConcern !== undefined) {
    const input = test.writeConcern as WriteConcernOptions;
    if (test.valid === false) {
      assert.throws(() => new WriteConcern(input), MongoError);
      return;
    }
    const wc = new WriteConcern(input);
    assert.deepStrictEqual(wc.toDocument(), test.writeConcernDocument);
    assert.equal(wc.isServerDefault, test.isServerDefault, 'isServerDefault');
    assert.equal(wc.isAcknowledged, test.isAcknowledged, 'isAcknowledged');
  }
  if (test.readConcern !== undefined) {
    const input = test.readConcern as { level?: string };
    if (test.valid === false) {
      assert.throws(() => new ReadConcern(input.level), MongoError);
      return;
    }
    const rc = new ReadConcern(input.level);
    assert.deepStrictEqual(rc.toDocument(), test.readConcernDocument);
    assert.equal(rc.isServerDefault, test.isServerDefault, 'isServerDefault');
  }
}

function runConnectionStringTest(test: Record<string, unknown>): void {
  const uri = String(test.uri);
  if (test.valid === false) {
    assert.throws(() => parseConnectionString(uri), MongoError);
    return;
  }
  const options = parseConnectionString(uri);
  if (test.writeConcern !== undefined) {
    const expected = test.writeConcern as WriteConcernOptions;
    const { w, wtimeoutMS, journal } = options.writeConcern;
    assert.deepStrictEqual(JSON.parse(JSON.stringify({ w, wtimeoutMS, journal })), expected, 'writeConcern');
  }
  if (test.readConcern !== undefined) {
    assert.deepStrictEqual(options.readConcern.toDocument(), test.readConcern, 'readConcern');
  }
}

export const readWriteConcernSuite: SpecSuite = {
  name: 'read-write-concern',
  description: 'ReadConcern/WriteConcern command documents and their connection-string options',
  load: (specDir) => {
    const base = join(specDir, 'read-write-concern', 'tests');
    const documents = readJsonTests(join(base, 'document'));
    const uris = readJsonTests(join(base, 'connection-string'));
    return [
      ...casesFromFiles(documents, join(base, 'document'), (test) => () => runDocumentTest(test)).map(
        prefix('document/'),
      ),
      // Reported as a skip with its reason when the spec dir lacks the folder (never silently empty).
      ...casesFromFiles(uris, join(base, 'connection-string'), (test) => () => runConnectionStringTest(test))
        .map(prefix('connection-string/'))
        .map((c) => (CONTRADICTED.test(c.name) ? { ...c, skip: CONTRADICTED_REASON } : c)),
    ];
  },
};

/**
 * read-write-concern wants `wtimeoutMS=-500` to fail parsing while uri-options ("Too low wTimeoutMS
 * causes a warning", -2) wants a warning and a valid client: the driver follows uri-options.
 */
const CONTRADICTED = /wtimeoutMS as an invalid number/;
const CONTRADICTED_REASON =
  'contradicts uri-options concern-options "Too low wTimeoutMS causes a warning" (the driver warns)';

function prefix(p: string) {
  return <T extends { name: string }>(c: T): T => ({ ...c, name: `${p}${c.name}` });
}
