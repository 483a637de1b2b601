// Initial DNS seedlist discovery against a DNS server the test runs on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom } from 'rxjs';
import { MongoParseError } from '../../src/errors.js';
import {
  matchesSrvDomain,
  parseTxtRecords,
  resolveSrvHost,
  selectSrvHosts,
  validateSrvHost,
} from '../../src/sdam/srv.js';
import { type RunningDnsServer, startDnsServer } from '../support/dns-server.js';

describe('SRV domain rules (initial-dns-seedlist-discovery prose tests)', () => {
  it('accepts targets under the {domainname}, including hosts with fewer than three parts', () => {
    assert.ok(matchesSrvDomain('test1.test.build.10gen.cc', 'localhost.test.build.10gen.cc.'));
    assert.ok(matchesSrvDomain('test1.test.build.10gen.cc', 'a.b.test.build.10gen.cc'));
    assert.ok(matchesSrvDomain('localhost', 'test.localhost'));
    assert.ok(matchesSrvDomain('mongo.local', 'test_1.mongo.local'));
  });

  const rejected: [string, string][] = [
    // 2. the returned address does not end with the SRV domain
    ['localhost', 'localhost.mongodb'],
    ['mongo.local', 'test_1.evil.local'],
    ['blogs.mongodb.com', 'blogs.evil.com'],
    // 3. identical to the SRV hostname (fewer than three parts)
    ['localhost', 'localhost'],
    ['mongo.local', 'mongo.local'],
    // 4. no '.' before the shared part of the domain
    ['localhost', 'test_1.cluster_1localhost'],
    ['mongo.local', 'test_1.my_hostmongo.local'],
    ['blogs.mongodb.com', 'cluster.testmongodb.com'],
  ];
  for (const [srv, target] of rejected) {
    it(`rejects ${target} for ${srv}`, () => assert.equal(matchesSrvDomain(srv, target), false));
  }

  it('validates the host before any query: no port, one host', () => {
    assert.throws(() => validateSrvHost('a.b.c:27017'), MongoParseError);
    assert.throws(() => validateSrvHost('a.b.c,d.e.f'), MongoParseError);
    assert.equal(validateSrvHost('A.B.C.'), 'a.b.c');
  });

  it('TXT: one record, strings concatenated, only authSource/replicaSet/loadBalanced', () => {
    assert.deepEqual(parseTxtRecords([['replicaSet=repl0&', 'authSource=thisDB']]), {
      replicaSet: 'repl0',
      authSource: 'thisDB',
    });
    assert.deepEqual(parseTxtRecords([['loadBalanced=true']]), { loadBalanced: 'true' });
    assert.deepEqual(parseTxtRecords([]), {});
    assert.throws(() => parseTxtRecords([['replicaSet=a'], ['authSource=b']]), /Multiple TXT records/);
    assert.throws(() => parseTxtRecords([['ssl=false']]), /not allowed/);
    assert.throws(() => parseTxtRecords([['connectTimeoutMS=300000']]), /not allowed/);
    assert.throws(() => parseTxtRecords([['loadBalanced=maybe']]), MongoParseError);
    assert.throws(() => parseTxtRecords([['replicaSet']]), MongoParseError);
  });

  it('srvMaxHosts picks a random subset of that size, all hosts when 0 or larger', () => {
    const hosts = ['a:1', 'b:1', 'c:1', 'd:1'];
    assert.deepEqual(selectSrvHosts(hosts, 0), hosts);
    assert.deepEqual(selectSrvHosts(hosts, 9), hosts);
    const two = selectSrvHosts(hosts, 2);
    assert.equal(two.length, 2);
    assert.equal(new Set(two).size, 2);
    assert.ok(two.every((h) => hosts.includes(h)));
  });
});

describe('resolveSrvHost against a local DNS server', () => {
  let dns: RunningDnsServer;
  const srv = (...ports: number[]) =>
    ports.map((port) => ({ target: 'localhost.test.build.10gen.cc.', port }));
  before(async () => {
    dns = await startDnsServer({
      '_mongodb._tcp.test1.test.build.10gen.cc': { srv: srv(27017, 27018) },
      'test1.test.build.10gen.cc': {},
      '_mongodb._tcp.test5.test.build.10gen.cc': { srv: srv(27017) },
      'test5.test.build.10gen.cc': { txt: [['replicaSet=repl0&authSource=thisDB']] },
      '_mongodb._tcp.test6.test.build.10gen.cc': { srv: srv(27017) },
      'test6.test.build.10gen.cc': { txt: [['replicaSet=repl0'], ['authSource=otherDB']] },
      '_mongodb._tcp.test7.test.build.10gen.cc': { srv: srv(27017) },
      'test7.test.build.10gen.cc': { txt: [['ssl=false']] },
      '_mongodb._tcp.test8.test.build.10gen.cc': { srv: srv(27017) },
      'test8.test.build.10gen.cc': { txt: [['loadBalanced=true']] },
      '_mongodb._tcp.test9.test.build.10gen.cc': {
        srv: [{ target: 'localhost.build.10gen.cc', port: 27017 }],
      },
      '_mongodb._tcp.test10.test.build.10gen.cc': {},
      '_customname._tcp.test22.test.build.10gen.cc': { srv: srv(27017) },
      '_mongodb._tcp.test11.test.build.10gen.cc': { srv: srv(27017, 27018, 27019, 27020) },
      '_mongodb._tcp.test12.test.build.10gen.cc': { fail: true },
      'test12.test.build.10gen.cc': {},
      '_mongodb._tcp.mongo.local': { srv: [{ target: 'db1.mongo.local', port: 27017 }] },
    });
  });
  after(() => dns.stop());

  const resolve = (host: string, extra: Parameters<typeof resolveSrvHost>[1] = {}) =>
    firstValueFrom(resolveSrvHost(host, { resolver: dns.resolver(), ...extra }));

  it('returns the SRV targets as the seed list (priority and weight ignored)', async () => {
    const r = await resolve('test1.test.build.10gen.cc');
    assert.deepEqual(r.hosts, ['localhost.test.build.10gen.cc:27017', 'localhost.test.build.10gen.cc:27018']);
    assert.deepEqual(r.options, {});
    assert.ok(dns.queries.includes('SRV _mongodb._tcp.test1.test.build.10gen.cc'));
    assert.ok(dns.queries.includes('TXT test1.test.build.10gen.cc'));
  });

  it('returns TXT options', async () => {
    const r = await resolve('test5.test.build.10gen.cc');
    assert.deepEqual(r.options, { replicaSet: 'repl0', authSource: 'thisDB' });
    assert.deepEqual((await resolve('test8.test.build.10gen.cc')).options, { loadBalanced: 'true' });
  });

  it('errors on multiple TXT records and on options TXT may not set', async () => {
    await assert.rejects(resolve('test6.test.build.10gen.cc'), /Multiple TXT records/);
    await assert.rejects(resolve('test7.test.build.10gen.cc'), /ssl is not allowed/);
  });

  it('errors when a target is outside the domain, when there are no records, and on DNS failure', async () => {
    await assert.rejects(resolve('test9.test.build.10gen.cc'), /does not share the domain/);
    await assert.rejects(resolve('test10.test.build.10gen.cc'), MongoParseError);
    await assert.rejects(resolve('test4.test.build.10gen.cc'), MongoParseError);
    await assert.rejects(resolve('test12.test.build.10gen.cc'), MongoParseError);
  });

  it('uses srvServiceName in the query', async () => {
    const r = await resolve('test22.test.build.10gen.cc', { serviceName: 'customname' });
    assert.deepEqual(r.hosts, ['localhost.test.build.10gen.cc:27017']);
    await assert.rejects(resolve('test22.test.build.10gen.cc'), MongoParseError);
  });

  it('srvMaxHosts limits the seed list to a random subset', async () => {
    const r = await resolve('test11.test.build.10gen.cc', { maxHosts: 2 });
    assert.equal(r.hosts.length, 2);
    assert.equal((await resolve('test11.test.build.10gen.cc', { maxHosts: 0 })).hosts.length, 4);
  });

  it('accepts a two-part SRV host whose targets have one more level', async () => {
    const r = await resolve('mongo.local');
    assert.deepEqual(r.hosts, ['db1.mongo.local:27017']);
  });
});
