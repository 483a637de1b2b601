// Invalid values of timing options: ignored with a visible warning in the URI (connection-string
// spec), a MongoParseError naming the option in the options object.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MongoClient } from '../../src/client/mongo-client.js';
import { MongoParseError } from '../../src/errors.js';
import { DEFAULTS, emitOptionWarnings, MongoRxWarning, parseConnectionString } from '../../src/uri/index.js';

const TIMING_OPTIONS = [
  'connectTimeoutMS',
  'socketTimeoutMS',
  'serverSelectionTimeoutMS',
  'heartbeatFrequencyMS',
  'localThresholdMS',
  'maxIdleTimeMS',
  'waitQueueTimeoutMS',
  'wtimeoutMS',
  'timeoutMS',
] as const;
const BAD_URI_VALUES = ['abc', '-1', '1.5', '1e3', '0x10', '99999999999', '%20100'];

/** Collects process warnings while a test runs. */
function captureWarnings(): { readonly seen: Error[]; stop(): void } {
  const seen: Error[] = [];
  const listener = (w: Error) => seen.push(w);
  process.on('warning', listener);
  return { seen, stop: () => process.off('warning', listener) };
}

/** process 'warning' events are delivered on the next tick. */
const nextTick = () => new Promise<void>((r) => process.nextTick(r));

describe('invalid timing values in the URI', () => {
  for (const name of TIMING_OPTIONS) {
    it(`${name}: each bad value is ignored with a warning naming the option and the expected form`, () => {
      // wtimeoutMS takes any safe integer, so 99999999999 is valid there.
      for (const value of BAD_URI_VALUES.filter((v) => name !== 'wtimeoutMS' || v !== '99999999999')) {
        const o = parseConnectionString(`mongodb://h/?${name}=${value}`);
        assert.equal(o.warnings.length, 1, `${name}=${value}: ${JSON.stringify(o.warnings)}`);
        assert.match(o.warnings[0]!, new RegExp(`'${name}'.*expected an integer from`));
      }
    });
  }

  it('keeps the default when the value is ignored', () => {
    const o = parseConnectionString('mongodb://h/?connectTimeoutMS=abc&socketTimeoutMS=-5');
    assert.equal(o.connectTimeoutMS, DEFAULTS.connectTimeoutMS);
    assert.equal(o.socketTimeoutMS, DEFAULTS.socketTimeoutMS);
  });

  it('names the minimum of heartbeatFrequencyMS', () => {
    const [w] = parseConnectionString('mongodb://h/?heartbeatFrequencyMS=100').warnings;
    assert.match(w!, /'heartbeatFrequencyMS': "100" \(expected an integer from 500 to/);
  });
});

describe('invalid timing values in the options object', () => {
  for (const name of TIMING_OPTIONS) {
    it(`${name}: throws MongoParseError naming the option`, () => {
      for (const value of ['abc', '100', -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, null, {}]) {
        assert.throws(
          () => parseConnectionString('mongodb://h/', { [name]: value }),
          (e: unknown) => e instanceof MongoParseError && e.message.includes(`'${name}'`),
          `${name}: ${String(value)}`,
        );
      }
    });
  }
});

describe('warnings are visible', () => {
  let capture: ReturnType<typeof captureWarnings>;
  beforeEach(() => {
    capture = captureWarnings();
  });
  afterEach(() => capture.stop());

  it('emitOptionWarnings emits one MongoRxWarning per warning and tells the logger', async () => {
    const logged: string[] = [];
    const o = parseConnectionString('mongodb://h/?connectTimeoutMS=abc&foo=bar');
    emitOptionWarnings(o, (m) => logged.push(m));
    await nextTick();
    assert.deepEqual(logged, o.warnings);
    assert.equal(capture.seen.length, 2);
    for (const w of capture.seen) {
      assert.ok(w instanceof MongoRxWarning);
      assert.equal(w.name, 'MongoRxWarning');
      assert.equal((w as MongoRxWarning).code, 'MONGORX_OPTION');
    }
    assert.deepEqual(
      capture.seen.map((w) => w.message),
      o.warnings,
    );
  });

  it('new MongoClient() emits the warnings of its connection string', async () => {
    const client = new MongoClient('mongodb://127.0.0.1:1/?connectTimeoutMS=abc');
    await nextTick();
    assert.equal(capture.seen.length, 1);
    assert.match(capture.seen[0]!.message, /connectTimeoutMS/);
    assert.equal(client.options.connectTimeoutMS, DEFAULTS.connectTimeoutMS);
  });

  it('a valid connection string emits nothing', async () => {
    new MongoClient('mongodb://127.0.0.1:1/?connectTimeoutMS=100');
    await nextTick();
    assert.equal(capture.seen.length, 0);
  });

  it('no password reaches a warning', async () => {
    const client = new MongoClient('mongodb://u:pw@127.0.0.1:1/?tlsCertificateKeyFilePassword=&foo=s3cr3t');
    await nextTick();
    for (const w of [...capture.seen.map((e) => e.message), ...client.options.warnings]) {
      assert.doesNotMatch(w, /s3cr3t|pw/);
    }
  });
});
