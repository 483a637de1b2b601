import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { MongoParseError } from '../../src/errors.js';
import { MongoCredentials, parseConnectionString, redactUri } from '../../src/uri/index.js';

const SECRET = 'S3cr3tPa55';

/** Every way an options object can turn into text. */
function renderings(value: unknown): string[] {
  return [
    JSON.stringify(value),
    inspect(value),
    inspect(value, { showHidden: true, depth: 10 }),
    String(value),
    `${JSON.stringify(Object.entries(value as object))}`,
  ];
}

function errorText(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof MongoParseError, `expected MongoParseError, got ${String(e)}`);
    return `${e.message}\n${e.stack ?? ''}\n${inspect(e)}`;
  }
  assert.fail('expected an error');
}

describe('passwords never appear', () => {
  it('in credentials renderings, while the getter still returns them', () => {
    const o = parseConnectionString(`mongodb://user:${SECRET}@h/db`);
    assert.equal(o.credentials?.password, SECRET);
    for (const text of [...renderings(o.credentials), ...renderings(o)]) {
      assert.ok(!text.includes(SECRET), text);
    }
    assert.match(JSON.stringify(o.credentials), /<redacted>/);
  });

  it('in options renderings for proxyPassword and tlsCertificateKeyFilePassword', () => {
    const o = parseConnectionString(
      `mongodb://h/?proxyHost=p&proxyUsername=u&proxyPassword=${SECRET}&tlsCertificateKeyFilePassword=${SECRET}x`,
    );
    assert.equal(o.proxyPassword, SECRET);
    assert.equal(o.tlsCertificateKeyFilePassword, `${SECRET}x`);
    assert.ok(!Object.keys(o).includes('proxyPassword'));
    for (const text of [...renderings(o), JSON.stringify({ ...o })]) assert.ok(!text.includes(SECRET), text);
  });

  it('in credentials built directly', () => {
    const c = new MongoCredentials({ username: 'u', password: SECRET, source: 'admin' });
    for (const text of renderings(c)) assert.ok(!text.includes(SECRET), text);
    assert.equal(c.with({ mechanism: 'SCRAM-SHA-256' }).password, SECRET);
  });

  it('in errors for malformed userinfo', () => {
    for (const uri of [
      `mongodb://user:${SECRET}/x@h/db`,
      `mongodb://user:${SECRET}?x@h/db`,
      `mongodb://user:${SECRET}:x@h`,
      `mongodb://user:${SECRET}@x@h`,
      `mongodb://user:${SECRET}%zz@h`,
      `mongodb://user:${SECRET}@h/?authMechanism=MONGODB-X509`,
      `mongodb://user:${SECRET}@h/?authMechanism=MONGODB-OIDC&authMechanismProperties=ENVIRONMENT:test`,
    ]) {
      assert.ok(!errorText(() => parseConnectionString(uri)).includes(SECRET), uri);
    }
  });

  it('in errors and warnings for sensitive option values', () => {
    assert.ok(
      !errorText(() =>
        parseConnectionString('mongodb://h', { proxyPassword: 12345678 as unknown as string }),
      ).includes('12345678'),
    );
    const o = parseConnectionString(`mongodb://h/?authMechanismProperties=${SECRET}`);
    assert.ok(o.warnings.length > 0);
    assert.ok(!o.warnings.join('\n').includes(SECRET));
  });

  it('in redactUri output', () => {
    for (const uri of [
      `mongodb://user:${SECRET}@h1,h2/db?proxyPassword=${SECRET}&tlsCertificateKeyFilePassword=${SECRET}`,
      `mongodb://user:${SECRET}/x@h`,
      `mongodb+srv://user:${SECRET}@c.example.com/?w=1`,
    ]) {
      assert.ok(!redactUri(uri).includes(SECRET), redactUri(uri));
    }
    assert.equal(redactUri('mongodb://h1:27017/db?w=1'), 'mongodb://h1:27017/db?w=1');
  });
});
