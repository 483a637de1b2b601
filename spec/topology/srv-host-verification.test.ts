// srvAllowedHostsSuffix and srvHostValidator (initial-dns-seedlist-discovery prose tests 5-13, as
// the official driver 7.x implements them), plus srvServiceName and srvMaxHosts through a client's
// topology, against a DNS server the test runs on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import { createTopology } from '../../src/client/topology-factory.js';
import { MongoAPIError, MongoParseError } from '../../src/errors.js';
import { EventBus } from '../../src/events/bus.js';
import { acceptedSrvRecords, resolveSrvHost, type SrvHostVerification } from '../../src/sdam/srv.js';
import type { MongoClientOptions } from '../../src/uri/client-options.js';
import { parseConnectionString } from '../../src/uri/parse.js';
import { normalizeSrvAllowedHostsSuffix } from '../../src/uri/srv-host-suffix.js';
import { type RunningDnsServer, startDnsServer } from '../support/dns-server.js';

describe('srvAllowedHostsSuffix values', () => {
  it('is normalized: dots stripped then one leading ".", lowercase A-label form', () => {
    assert.equal(normalizeSrvAllowedHostsSuffix('mongodb.com'), '.mongodb.com');
    assert.equal(normalizeSrvAllowedHostsSuffix('..MongoDB.COM.'), '.mongodb.com');
    assert.equal(normalizeSrvAllowedHostsSuffix('bücher.example'), '.xn--bcher-kva.example');
    assert.equal(normalizeSrvAllowedHostsSuffix('localhost'), '.localhost', 'a reserved single label');
  });

  it('rejects what cannot be a suffix with MongoParseError', () => {
    for (const bad of ['', '...', 'com', 'a..b', 'a b.com']) {
      assert.throws(() => normalizeSrvAllowedHostsSuffix(bad), MongoParseError, bad);
    }
  });

  it('comes from the URI or the client options; both only with mongodb+srv', () => {
    const srv = 'mongodb+srv://blogs.mongodb.com';
    assert.equal(
      parseConnectionString(`${srv}/?srvAllowedHostsSuffix=MongoDB.com`).srvAllowedHostsSuffix,
      '.mongodb.com',
    );
    assert.equal(
      parseConnectionString(srv, { srvAllowedHostsSuffix: '.mongodb.com' }).srvAllowedHostsSuffix,
      '.mongodb.com',
    );
    assert.throws(() => parseConnectionString(`${srv}/?srvAllowedHostsSuffix=com`), MongoParseError);
    assert.throws(
      () => parseConnectionString('mongodb://h/?srvAllowedHostsSuffix=.mongodb.com'),
      MongoParseError,
    );
  });

  it('9. cannot be combined with srvHostValidator', () => {
    assert.throws(
      () =>
        new MongoClient('mongodb+srv://blogs.mongodb.com/?srvAllowedHostsSuffix=.mongodb.com', {
          srvHostValidator: () => true,
        }),
      (e: unknown) => e instanceof MongoParseError && /together with srvHostValidator/.test(e.message),
    );
  });

  it('11. srvHostValidator must be callable; 13. only with mongodb+srv; never in the URI', () => {
    const notCallable = { srvHostValidator: 'notacallable' } as unknown as MongoClientOptions;
    assert.throws(() => new MongoClient('mongodb+srv://blogs.mongodb.com', notCallable), MongoParseError);
    assert.throws(
      () => new MongoClient('mongodb://localhost:27017', { srvHostValidator: () => true }),
      MongoParseError,
    );
    assert.throws(
      () => new MongoClient('mongodb+srv://blogs.mongodb.com/?srvHostValidator=x'),
      MongoParseError,
    );
  });
});

describe('SRV polling applies the same check, dropping refused hosts without an error', () => {
  it('keeps the accepted records only, even when the validator throws', () => {
    const records = ['a.mydomain.net', 'b.evil.com', 'C.MyDomain.NET.'].map((name) => ({
      name,
      port: 27017,
      priority: 0,
      weight: 0,
    }));
    const names = (v: SrvHostVerification) =>
      acceptedSrvRecords('x.y.mydomain.net', records, v).map((r) => r.name);
    assert.deepEqual(names({ allowedHostsSuffix: '.mydomain.net' }), ['a.mydomain.net', 'C.MyDomain.NET.']);
    assert.deepEqual(names({}), [], 'the default check wants the .y.mydomain.net domain');
    const throwing = () => {
      throw new Error('no');
    };
    assert.deepEqual(names({ hostValidator: throwing }), []);
    assert.deepEqual(names({ hostValidator: (h) => h.startsWith('b') }), ['b.evil.com']);
  });
});

describe('SRV host verification against a local DNS server', () => {
  let dns: RunningDnsServer;
  before(async () => {
    dns = await startDnsServer({
      '_mongodb._tcp.blogs.mongodb.com': { srv: [{ target: 'blogs.evil.com', port: 27017 }] },
      '_mongodb._tcp.mongo.local': { srv: [{ target: 'mongo.local', port: 27017 }] },
      '_mongodb._tcp.cluster.mongodb.com': { srv: [{ target: 'CLUSTER.MONGODB.COM.', port: 27017 }] },
      '_mongodb._tcp.cluster.localhost': { srv: [{ target: 'db.cluster.localhost', port: 27017 }] },
      '_mongodb._tcp.cluster.mongodb.mydomain.net': {
        srv: [{ target: 'host1.us-east-1.mydomain.net', port: 27017 }],
      },
      '_customname._tcp.test11.test.build.10gen.cc': {
        srv: [27017, 27018, 27019, 27020].map((port) => ({ target: 'localhost.test.build.10gen.cc', port })),
      },
    });
  });
  after(() => dns.stop());

  const resolve = (host: string, verification?: SrvHostVerification) =>
    firstValueFrom(resolveSrvHost(host, { resolver: dns.resolver(), verification }));

  it('5. a validator returning true accepts what the default check rejects', async () => {
    const yes = { hostValidator: () => true };
    assert.deepEqual((await resolve('blogs.mongodb.com', yes)).hosts, ['blogs.evil.com:27017']);
    assert.deepEqual((await resolve('mongo.local', yes)).hosts, ['mongo.local:27017']);
    await assert.rejects(resolve('blogs.mongodb.com'), /does not share the domain/);
  });

  it('6. a validator returning false rejects what the default check accepts', async () => {
    await assert.rejects(resolve('cluster.mongodb.com', { hostValidator: () => false }), MongoAPIError);
    assert.deepEqual((await resolve('cluster.mongodb.com')).hosts, ['cluster.mongodb.com:27017']);
  });

  it('7. the validator gets the normalized host name', async () => {
    const seen: string[] = [];
    await resolve('cluster.mongodb.com', { hostValidator: (h) => seen.push(h) > 0 });
    assert.deepEqual(seen, ['cluster.mongodb.com']);
  });

  it('8. an error the validator raises is wrapped, keeping it as the cause', async () => {
    const boom = new Error('validator failed');
    await assert.rejects(
      resolve('cluster.mongodb.com', {
        hostValidator: () => {
          throw boom;
        },
      }),
      (e: unknown) => e instanceof MongoAPIError && e.cause === boom,
    );
  });

  it('10. a mixed-case target is normalized before the suffix check', async () => {
    const hosts = (await resolve('cluster.mongodb.com', { allowedHostsSuffix: '.mongodb.com' })).hosts;
    assert.deepEqual(hosts, ['cluster.mongodb.com:27017']);
  });

  it('12. a reserved single label is a usable suffix', async () => {
    const suffix = normalizeSrvAllowedHostsSuffix('localhost');
    assert.deepEqual((await resolve('cluster.localhost', { allowedHostsSuffix: suffix })).hosts, [
      'db.cluster.localhost:27017',
    ]);
  });

  it('the suffix widens the default check (the official example) and is the only check', async () => {
    await assert.rejects(resolve('cluster.mongodb.mydomain.net'), /does not share the domain/);
    const wide = { allowedHostsSuffix: normalizeSrvAllowedHostsSuffix('.mydomain.net') };
    assert.deepEqual((await resolve('cluster.mongodb.mydomain.net', wide)).hosts, [
      'host1.us-east-1.mydomain.net:27017',
    ]);
    await assert.rejects(
      resolve('cluster.mongodb.com', { allowedHostsSuffix: '.example.com' }),
      (e: unknown) => e instanceof MongoAPIError && /does not end with srvAllowedHostsSuffix/.test(e.message),
    );
  });

  it('a client topology takes srvServiceName and srvMaxHosts (and the suffix) from the URI', async () => {
    const uri =
      'mongodb+srv://test11.test.build.10gen.cc/?srvServiceName=customname&srvMaxHosts=2&srvAllowedHostsSuffix=10gen.cc';
    const options = parseConnectionString(uri);
    const topology = createTopology(uri, {}, options, new EventBus(), dns.resolver());
    try {
      const description = await firstValueFrom(topology.description$.pipe(filter((d) => d.servers.size > 0)));
      assert.equal(description.servers.size, 2, 'srvMaxHosts picks 2 of the 4 records');
      for (const address of description.servers.keys())
        assert.match(address, /^localhost\.test\.build\.10gen\.cc:270(17|18|19|20)$/);
      assert.ok(dns.queries.includes('SRV _customname._tcp.test11.test.build.10gen.cc'));
    } finally {
      await lastValueFrom(topology.close(), { defaultValue: undefined });
    }
  });
});
