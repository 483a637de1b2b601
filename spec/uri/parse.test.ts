import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topologyOptions } from '../../src/client/topology-factory.js';
import { MongoParseError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import { ReadPreference } from '../../src/read-preference.js';
import {
  applySrvRecords,
  DEFAULTS,
  hostAddressFromString,
  parseConnectionString,
  SocketHostAddress,
  TcpHostAddress,
} from '../../src/uri/index.js';

describe('parseConnectionString defaults', () => {
  it('fills every spec default', () => {
    const o = parseConnectionString('mongodb://localhost');
    assert.equal(o.maxPoolSize, 100);
    assert.equal(o.minPoolSize, 0);
    assert.equal(o.maxConnecting, 2);
    assert.equal(o.heartbeatFrequencyMS, 10_000);
    assert.equal(o.serverSelectionTimeoutMS, 30_000);
    assert.equal(o.localThresholdMS, 15);
    assert.equal(o.connectTimeoutMS, 10_000);
    assert.equal(o.socketTimeoutMS, 0);
    assert.equal(o.waitQueueTimeoutMS, 0);
    assert.equal(o.maxIdleTimeMS, 0);
    assert.equal(o.retryReads, true);
    assert.equal(o.retryWrites, true);
    assert.equal(o.serverMonitoringMode, 'auto');
    assert.equal(o.directConnection, false);
    assert.equal(o.loadBalanced, false);
    assert.equal(o.tls, false);
    assert.equal(o.readPreference.mode, 'primary');
    assert.equal(o.readConcern.isServerDefault, true);
    assert.equal(o.writeConcern.isServerDefault, true);
    assert.deepEqual(o.compressors, []);
    assert.equal(o.credentials, undefined);
    assert.equal(o.dbName, undefined);
    assert.deepEqual(o.warnings, []);
    assert.equal(o.srvServiceName, DEFAULTS.srvServiceName);
    assert.equal(o.hosts[0]?.toString(), 'localhost:27017');
  });

  it('is frozen', () => {
    const o = parseConnectionString('mongodb://localhost');
    assert.ok(Object.isFrozen(o));
  });
});

describe('client options precedence', () => {
  it('client options override URI options, keys case-insensitive', () => {
    const o = parseConnectionString('mongodb://h/?maxPoolSize=5&appName=uri&retryWrites=false', {
      maxPoolSize: 7,
      appname: 'client',
    } as Record<string, unknown>);
    assert.equal(o.maxPoolSize, 7);
    assert.equal(o.appName, 'client');
    assert.equal(o.retryWrites, false);
  });

  it('a ReadPreference instance replaces URI mode and tags', () => {
    const o = parseConnectionString('mongodb://h/?readPreference=secondary&readPreferenceTags=dc:ny', {
      readPreference: ReadPreference.nearest,
    });
    assert.equal(o.readPreference, ReadPreference.nearest);
  });

  it('a readPreference mode string merges with URI tags', () => {
    const o = parseConnectionString('mongodb://h/?readPreferenceTags=dc:ny', { readPreference: 'secondary' });
    assert.deepEqual(o.readPreference.toDocument(), { mode: 'secondary', tags: [{ dc: 'ny' }] });
  });

  it('writeConcern fields override w / journal / wtimeoutMS from the URI', () => {
    const o = parseConnectionString('mongodb://h/?w=2&journal=true&wtimeoutMS=100', {
      writeConcern: { w: 'majority' },
    });
    assert.deepEqual(o.writeConcern.toDocument(), { w: 'majority', wtimeout: 100, j: true });
  });

  it('readConcern overrides readConcernLevel', () => {
    const o = parseConnectionString('mongodb://h/?readConcernLevel=local', {
      readConcern: { level: 'majority' },
    });
    assert.deepEqual(o.readConcern.toDocument(), { level: 'majority' });
  });

  it('auth overrides URI userinfo', () => {
    const o = parseConnectionString('mongodb://a:b@h/db', { auth: { username: 'x', password: 'y' } });
    assert.equal(o.credentials?.username, 'x');
    assert.equal(o.credentials?.password, 'y');
    assert.equal(o.credentials?.source, 'db');
  });

  it('an invalid client value throws MongoParseError naming the option', () => {
    assert.throws(
      () => parseConnectionString('mongodb://h', { maxPoolSize: -1 }),
      (e: unknown) => {
        assert.ok(e instanceof MongoParseError);
        assert.match(e.message, /maxPoolSize/);
        return true;
      },
    );
    assert.throws(
      () => parseConnectionString('mongodb://h', { serverApi: { version: '2' as '1' } }),
      MongoParseError,
    );
  });

  it('an unknown client option is a warning', () => {
    const o = parseConnectionString('mongodb://h', { bogus: 1 } as Record<string, unknown>);
    assert.match(o.warnings.join('\n'), /bogus/);
  });

  it('TLS conflict rules span URI and client options', () => {
    assert.throws(
      () => parseConnectionString('mongodb://h/?tlsInsecure=true', { tlsAllowInvalidCertificates: true }),
      MongoParseError,
    );
    assert.throws(() => parseConnectionString('mongodb://h', { tls: true, ssl: false }), MongoParseError);
    assert.equal(parseConnectionString('mongodb://h/?tls=true', { tls: false }).tls, false);
  });

  it('keeps serverApi, driverInfo and monitorCommands', () => {
    const o = parseConnectionString('mongodb://h', {
      serverApi: { version: '1', strict: true },
      driverInfo: { name: 'lib' },
      monitorCommands: true,
    });
    assert.deepEqual(o.serverApi, { version: '1', strict: true });
    assert.deepEqual(o.driverInfo, { name: 'lib' });
    assert.equal(o.monitorCommands, true);
  });

  it('takes pkFactory, forceServerObjectId and minHeartbeatFrequencyMS without warnings, checking their kinds', () => {
    const o = parseConnectionString('mongodb://h', {
      pkFactory: { createPk: () => 1 },
      forceServerObjectId: true,
      minHeartbeatFrequencyMS: 50,
    });
    assert.equal(o.minHeartbeatFrequencyMS, 50);
    assert.equal(topologyOptions(o, new EventBus()).minHeartbeatFrequencyMS, 50, 'reaches the monitors');
    assert.deepEqual(o.warnings, []);
    assert.equal(parseConnectionString('mongodb://h').minHeartbeatFrequencyMS, undefined);
    assert.throws(
      () => parseConnectionString('mongodb://h', { minHeartbeatFrequencyMS: 0 }),
      MongoParseError,
    );
    assert.throws(
      () => parseConnectionString('mongodb://h', { forceServerObjectId: 'yes' as never }),
      MongoParseError,
    );
    assert.throws(() => parseConnectionString('mongodb://h', { pkFactory: 3 as never }), MongoParseError);
  });
});

describe('URI option details', () => {
  it('a deprecated key is used when its replacement is absent, with a warning', () => {
    const o = parseConnectionString('mongodb://h/?wtimeout=5');
    assert.equal(o.writeConcern.wtimeoutMS, 5);
    assert.equal(o.warnings.length, 1);
  });

  it('an empty readPreferenceTags is the empty tag set', () => {
    const o = parseConnectionString(
      'mongodb://h/?readPreference=secondary&readPreferenceTags=dc:ny&readPreferenceTags=',
    );
    assert.deepEqual(o.readPreference.tags, [{ dc: 'ny' }, {}]);
  });

  it('unknown compressors are dropped with a warning; the spec ones are kept in order, silently', () => {
    const o = parseConnectionString('mongodb://h/?compressors=zstd,lz4,snappy,zlib&zlibCompressionLevel=9');
    assert.deepEqual(o.compressors, ['zstd', 'snappy', 'zlib']);
    assert.equal(o.zlibCompressionLevel, 9);
    assert.equal(o.warnings.length, 1);
    assert.match(o.warnings[0]!, /lz4/);
  });

  it('tlsInsecure relaxes both certificate and hostname checks', () => {
    const o = parseConnectionString('mongodb://h/?tls=true&tlsInsecure=true');
    assert.equal(o.tlsAllowInvalidCertificates, true);
    assert.equal(o.tlsAllowInvalidHostnames, true);
  });

  it('a CA file turns TLS on implicitly', () => {
    assert.equal(parseConnectionString('mongodb://h/?tlsCAFile=ca.pem').tls, true);
  });

  it('rejects invalid read preference combinations', () => {
    assert.throws(() => parseConnectionString('mongodb://h/?maxStalenessSeconds=120'), MongoParseError);
    assert.throws(() => parseConnectionString('mongodb://h/?readPreferenceTags=dc:ny'), MongoParseError);
    assert.equal(
      parseConnectionString('mongodb://h/?readPreference=nearest&maxStalenessSeconds=-1').readPreference
        .maxStalenessSeconds,
      undefined,
    );
  });

  it('rejects w=0 with journal=true, minPoolSize above maxPoolSize, unknown mechanisms', () => {
    assert.throws(() => parseConnectionString('mongodb://h/?w=0&journal=true'), MongoParseError);
    assert.throws(() => parseConnectionString('mongodb://h/?minPoolSize=10&maxPoolSize=5'), MongoParseError);
    assert.throws(() => parseConnectionString('mongodb://u:p@h/?authMechanism=MONGODB-CR'), MongoParseError);
  });

  it('accepts an upper-case scheme-less-slash query and IPv6 hosts', () => {
    const o = parseConnectionString('mongodb://[::1]:27018,Example.COM?replicaSet=rs');
    assert.deepEqual(o.hosts.map(String), ['[::1]:27018', 'example.com:27017']);
    assert.equal(o.replicaSet, 'rs');
  });
});

describe('mongodb+srv', () => {
  it('flags srv, exposes the SRV name and defaults tls to true', () => {
    const o = parseConnectionString(
      'mongodb+srv://cluster0.example.com/db?srvServiceName=custom&srvMaxHosts=2',
    );
    assert.equal(o.srv, true);
    assert.equal(o.srvHost, 'cluster0.example.com');
    assert.equal(o.srvServiceName, 'custom');
    assert.equal(o.srvMaxHosts, 2);
    assert.equal(o.tls, true);
    assert.deepEqual(o.hosts, []);
  });

  it('applies the URI validation rules', () => {
    for (const uri of [
      'mongodb+srv://a.example.com:27017',
      'mongodb+srv://a.example.com,b.example.com',
      'mongodb+srv://a.example.com/?directConnection=true',
      'mongodb+srv://a.example.com/?srvMaxHosts=1&replicaSet=rs',
      'mongodb+srv://a.example.com/?srvMaxHosts=1&loadBalanced=true',
      'mongodb://a.example.com/?srvMaxHosts=1',
      'mongodb://a.example.com/?srvServiceName=x',
    ]) {
      assert.throws(() => parseConnectionString(uri), MongoParseError, uri);
    }
    assert.equal(
      parseConnectionString('mongodb+srv://a.example.com/?directConnection=false').directConnection,
      false,
    );
  });

  it('applySrvRecords sets the hosts and applies TXT options below URI options', () => {
    const hosts = [
      hostAddressFromString('h1.example.com:27017'),
      hostAddressFromString('h2.example.com:27018'),
    ];
    const o = applySrvRecords(
      'mongodb+srv://u:p@a.example.com/?replicaSet=fromUri',
      {},
      {
        hosts,
        txt: 'authSource=thedb&replicaSet=fromTxt',
      },
    );
    assert.deepEqual(o.hosts.map(String), ['h1.example.com:27017', 'h2.example.com:27018']);
    assert.equal(o.replicaSet, 'fromUri');
    assert.equal(o.credentials?.source, 'thedb');
    assert.throws(
      () => applySrvRecords('mongodb+srv://a.example.com', {}, { hosts, txt: 'maxPoolSize=1' }),
      MongoParseError,
    );
    assert.throws(
      () => applySrvRecords('mongodb+srv://a.example.com', {}, { hosts, txt: 'loadBalanced=true' }),
      MongoParseError,
    );
  });
});

describe('HostAddress', () => {
  it('prints host:port, brackets IPv6, and keeps socket paths', () => {
    assert.equal(new TcpHostAddress('::1', 1).toString(), '[::1]:1');
    assert.equal(hostAddressFromString('[::1]:27019').toString(), '[::1]:27019');
    assert.equal(hostAddressFromString('/tmp/m.sock').toString(), '/tmp/m.sock');
    assert.ok(hostAddressFromString('/tmp/m.sock') instanceof SocketHostAddress);
    assert.equal(JSON.stringify([new TcpHostAddress('a', 2)]), '["a:2"]');
  });
});

describe('malformed input', () => {
  it('throws MongoParseError, never another error', () => {
    for (const uri of [
      '',
      'mongodb://[::1',
      'mongodb://%aa',
      'mongodb://h/%aa',
      'mongodb://h/?w=%aa',
      'mongodb://h/?tls=%',
      'mongodb://h:0',
    ]) {
      assert.throws(() => parseConnectionString(uri), MongoParseError, uri);
    }
    assert.throws(() => parseConnectionString(undefined as unknown as string), MongoParseError);
  });
});
