// SRV polling for mongos discovery (polling-srv-records-for-mongos-discovery prose tests) against a
// local DNS server; mongoses are scripted monitor connections, so no socket or outside DNS is used.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Document } from 'bson';
import { asyncScheduler, filter, firstValueFrom, timeout } from 'rxjs';
import { fakeConnector, type Script, scriptedConnector } from '../../marbles/sdam/harness.js';
import { Topology } from '../../src/sdam/topology.js';
import { fakeFactory } from '../pool/fakes.js';
import { type RunningDnsServer, type SrvAnswer, startDnsServer } from '../support/dns-server.js';

const HOST = 'test1.test.build.10gen.cc';
const QUERY = `_mongodb._tcp.${HOST}`;
const at = (port: number): SrvAnswer => ({ target: `localhost.test.build.10gen.cc`, port });
const addr = (port: number) => `localhost.test.build.10gen.cc:${port}`;
const mongos: Document = { ok: 1, helloOk: true, msg: 'isdbgrid', maxWireVersion: 21 };

/** Every address answers with `reply` (a mongos unless told otherwise). */
function everyone(reply: Document): Record<string, Script> {
  return new Proxy({}, { get: () => () => reply });
}

describe('SRV polling', () => {
  let dns: RunningDnsServer;
  before(async () => {
    dns = await startDnsServer();
  });
  after(() => dns.stop());
  beforeEach(() => {
    dns.zone.clear();
    dns.zone.set(QUERY, { srv: [at(27017), at(27018)] });
  });

  const open = (
    options: { srvMaxHosts?: number; reply?: Document; srvServiceName?: string; hosts?: string[] } = {},
  ) => {
    const topology = new Topology({
      hosts: options.hosts ?? [addr(27017), addr(27018)],
      heartbeatFrequencyMS: 100,
      serverMonitoringMode: 'poll',
      minHeartbeatFrequencyMS: 10,
      scheduler: asyncScheduler,
      connector: fakeConnector(
        scriptedConnector(asyncScheduler, everyone(options.reply ?? mongos)),
        (address) => fakeFactory({ address, scheduler: asyncScheduler }),
      ),
      srvPolling: {
        srvHost: HOST,
        srvMaxHosts: options.srvMaxHosts,
        srvServiceName: options.srvServiceName,
        resolver: dns.resolver(),
        rescanSrvIntervalMS: 100,
      },
    });
    topology.connect();
    return topology;
  };

  const hostsOf = (t: Topology) => [...t.description.servers.keys()].sort();
  const until = (t: Topology, pred: (hosts: string[]) => boolean) =>
    firstValueFrom(
      t.description$.pipe(
        filter(() => pred(hostsOf(t))),
        timeout(3000),
      ),
    );
  const close = (t: Topology) => firstValueFrom(t.close(), { defaultValue: undefined });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('adds a host when a record is added', async () => {
    const t = open();
    await until(t, () => t.description.type === 'Sharded');
    dns.zone.set(QUERY, { srv: [at(27017), at(27018), at(27019)] });
    await until(t, (h) => h.length === 3);
    assert.deepEqual(hostsOf(t), [addr(27017), addr(27018), addr(27019)]);
    await close(t);
  });

  it('removes a host when its record is removed', async () => {
    const t = open();
    dns.zone.set(QUERY, { srv: [at(27017)] });
    await until(t, (h) => h.length === 1);
    assert.deepEqual(hostsOf(t), [addr(27017)]);
    await close(t);
  });

  it('replaces one record, and both records with two new ones', async () => {
    const t = open();
    dns.zone.set(QUERY, { srv: [at(27017), at(27019)] });
    await until(t, (h) => h.includes(addr(27019)) && !h.includes(addr(27018)));
    dns.zone.set(QUERY, { srv: [at(27020), at(27021)] });
    await until(t, (h) => h.join() === [addr(27020), addr(27021)].join());
    await close(t);
  });

  it('keeps the hosts when the lookup fails or returns nothing, or every record is outside the domain', async () => {
    const t = open();
    await until(t, () => t.description.type === 'Sharded');
    dns.zone.set(QUERY, { fail: true });
    await sleep(350);
    dns.zone.set(QUERY, {});
    await sleep(350);
    dns.zone.set(QUERY, { srv: [{ target: 'evil.example.com', port: 27017 }] });
    await sleep(350);
    assert.deepEqual(hostsOf(t), [addr(27017), addr(27018)]);
    await close(t);
  });

  it('srvMaxHosts: keeps existing hosts and adds new ones up to the limit', async () => {
    const t = open({ srvMaxHosts: 2 });
    dns.zone.set(QUERY, { srv: [at(27017), at(27019), at(27020)] });
    await until(t, (h) => !h.includes(addr(27018)));
    const hosts = hostsOf(t);
    assert.equal(hosts.length, 2);
    assert.ok(hosts.includes(addr(27017)));
    await close(t);
  });

  it('polls the custom srvServiceName', async () => {
    dns.zone.set(`_customname._tcp.${HOST}`, { srv: [at(27017), at(27018), at(27019)] });
    const t = open({ srvServiceName: 'customname' });
    await until(t, (h) => h.length === 3);
    await close(t);
  });

  it('does not poll once the topology is a replica set', async () => {
    const rs = {
      ok: 1,
      helloOk: true,
      isWritablePrimary: true,
      setName: 'rs',
      hosts: [addr(27017)],
      maxWireVersion: 21,
    };
    const t = open({ reply: rs, hosts: [addr(27017)] });
    await until(t, () => t.description.type === 'ReplicaSetWithPrimary');
    const before = dns.queries.length;
    dns.zone.set(QUERY, { srv: [at(27017), at(27019)] });
    await sleep(400);
    assert.equal(dns.queries.length, before);
    assert.deepEqual(hostsOf(t), [addr(27017)]);
    await close(t);
  });
});
