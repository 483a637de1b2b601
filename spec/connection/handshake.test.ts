import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { calculateObjectSize } from 'bson';
import {
  buildClientMetadata,
  MAX_METADATA_BYTES,
  truncateMetadata,
} from '../../src/connection/client-metadata.js';
import { buildHandshakeCommand, serverApiFields } from '../../src/connection/handshake.js';
import { DRIVER_NAME, DRIVER_VERSION } from '../../src/version.js';

describe('handshake (mongodb-handshake)', () => {
  it('reports the driver version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));
    assert.equal(DRIVER_VERSION, pkg.version);
    assert.equal(DRIVER_NAME, pkg.name);
  });

  it('builds client metadata with driver, os, platform and application', () => {
    const m = buildClientMetadata({ appName: 'app', driverInfo: { name: 'wrapper', version: '2.0' } });
    assert.deepEqual(m.application, { name: 'app' });
    assert.equal(m.driver.name, 'mongorx|wrapper');
    assert.equal(m.driver.version, `${DRIVER_VERSION}|2.0`);
    assert.equal(typeof m.os.type, 'string');
    assert.match(m.platform, /^Node\.js v\d+/);
  });

  it('truncates to 512 bytes in the spec order: env fields, os fields, env, platform', () => {
    const big = {
      driver: { name: 'mongorx', version: '1' },
      os: { type: 'Linux', name: 'linux', architecture: 'x64', version: 'x'.repeat(100) },
      platform: 'p'.repeat(600),
      env: { name: 'aws.lambda', region: 'r'.repeat(50) },
    };
    const t = truncateMetadata(big);
    assert.ok(calculateObjectSize(t) <= MAX_METADATA_BYTES);
    assert.deepEqual(t.os, { type: 'Linux' });
    assert.equal(t.env, undefined);
    assert.ok(t.platform.length < 600);
    const small = truncateMetadata({ ...big, platform: 'short', os: { type: 'Linux', name: 'linux' } });
    assert.deepEqual(small.env, big.env, 'nothing is cut when it fits');
  });

  it('uses legacy isMaster over OP_QUERY unless serverApi or loadBalanced', () => {
    const base = {
      metadata: { driver: { name: 'x', version: '1' } },
      compressors: ['zlib', 'snappy', 'lz4'],
    };
    const legacy = buildHandshakeCommand(base);
    assert.equal(legacy.legacy, true);
    assert.equal(legacy.command.isMaster, 1);
    assert.equal(legacy.command.helloOk, true);
    assert.deepEqual(
      legacy.command.compression,
      ['zlib', 'snappy'],
      'the spec compressors are offered in URI order, unknown ones never',
    );
    const api = buildHandshakeCommand({ ...base, serverApi: { version: '1', strict: true } });
    assert.equal(api.legacy, false);
    assert.equal(api.command.hello, 1);
    assert.equal(api.command.apiVersion, '1');
    assert.equal(api.command.apiStrict, true);
    const lb = buildHandshakeCommand({ ...base, loadBalanced: true });
    assert.equal(lb.command.loadBalanced, true);
    assert.equal(lb.legacy, false);
  });

  it('serverApiFields maps the Stable API options', () => {
    assert.deepEqual(serverApiFields(undefined), {});
    assert.deepEqual(serverApiFields({ version: '1', strict: false, deprecationErrors: true }), {
      apiVersion: '1',
      apiStrict: false,
      apiDeprecationErrors: true,
    });
  });
});
