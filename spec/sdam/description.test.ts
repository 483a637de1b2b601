import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectId } from 'bson';
import {
  MongoAuthError,
  MongoError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoPoolClearedError,
  MongoServerError,
  MongoWriteConcernError,
} from '../../src/errors.js';
import {
  type ApplicationError,
  applicationErrorOf,
  commandErrorOfReply,
  describeTopology,
  diffTopologyEvents,
  handleApplicationError,
  handleMonitorCheckError,
  initialTopologyDescription,
  invalidatedPrimaries,
  normalizeAddress,
  openingEvents,
  STALE_PRIMARY_NEWER,
  serverDescriptionEquals,
  serverDescriptionFromHello,
  splitAddress,
  type TopologyDescription,
  unknownServerDescription,
  updateTopology,
} from '../../src/sdam/description/index.js';

const primaryHello = (hosts: string[], extra: Record<string, unknown> = {}) => ({
  ok: 1,
  isWritablePrimary: true,
  setName: 'rs',
  hosts,
  minWireVersion: 0,
  maxWireVersion: 21,
  ...extra,
});

function rsWithPrimary(): TopologyDescription {
  const td = initialTopologyDescription({ hosts: ['a', 'b'], replicaSet: 'rs' });
  return updateTopology(td, serverDescriptionFromHello('a:27017', primaryHello(['a:27017', 'b:27017'])));
}

describe('addresses', () => {
  it('lower-cases hosts and adds the default port', () => {
    assert.equal(normalizeAddress('A.Example.COM'), 'a.example.com:27017');
    assert.equal(normalizeAddress('[::1]'), '[::1]:27017');
    assert.equal(normalizeAddress('[::1]:27018'), '[::1]:27018');
    assert.equal(normalizeAddress('/tmp/mongodb-27017.sock'), '/tmp/mongodb-27017.sock');
    assert.deepEqual(splitAddress('[::1]:27018'), { host: '::1', port: 27018 });
    assert.deepEqual(splitAddress('h:1'), { host: 'h', port: 1 });
  });
});

describe('ServerDescription', () => {
  it('parses limits, lastWrite and RTT from hello', () => {
    const sd = serverDescriptionFromHello(
      'A:27017',
      {
        ok: 1,
        isWritablePrimary: false,
        secondary: true,
        setName: 'rs',
        me: 'A:27017',
        maxBsonObjectSize: 16777216,
        maxMessageSizeBytes: 48000000,
        maxWriteBatchSize: 100000,
        lastWrite: { lastWriteDate: new Date(5000) },
        tags: { dc: 'ny' },
        compression: ['zstd'],
        connectionId: 7,
        helloOk: true,
      },
      { roundTripTime: 4, minRoundTripTime: 2, now: 123 },
    );
    assert.equal(sd.address, 'a:27017');
    assert.equal(sd.type, 'RSSecondary');
    assert.equal(sd.me, 'a:27017');
    assert.equal(sd.lastWriteDate, 5000);
    assert.equal(sd.roundTripTime, 4);
    assert.equal(sd.minRoundTripTime, 2);
    assert.equal(sd.lastUpdateTime, 123);
    assert.equal(sd.maxWriteBatchSize, 100000);
    assert.deepEqual(sd.compression, ['zstd']);
    assert.equal(sd.connectionId, 7);
    assert.equal(sd.helloOk, true);
  });

  it('treats ok: 0 as Unknown and hidden members as RSOther', () => {
    assert.equal(serverDescriptionFromHello('a', { ok: 0, errmsg: 'boom' }).type, 'Unknown');
    assert.equal(
      serverDescriptionFromHello('a', { ok: 1, setName: 'rs', secondary: true, hidden: true }).type,
      'RSOther',
    );
    assert.equal(serverDescriptionFromHello('a', { ok: 1, ismaster: true, msg: 'isdbgrid' }).type, 'Mongos');
  });

  it('equality ignores RTT and update time but not hosts or errors', () => {
    const a = serverDescriptionFromHello('a', primaryHello(['a:27017', 'b:27017']), {
      roundTripTime: 1,
      now: 1,
    });
    const b = serverDescriptionFromHello('a', primaryHello(['b:27017', 'a:27017']), {
      roundTripTime: 9,
      now: 2,
    });
    assert.ok(serverDescriptionEquals(a, b));
    const c = serverDescriptionFromHello('a', primaryHello(['a:27017']));
    assert.ok(!serverDescriptionEquals(a, c));
    assert.ok(
      !serverDescriptionEquals(unknownServerDescription('a', new Error('x')), unknownServerDescription('a')),
    );
  });
});

describe('initialTopologyDescription', () => {
  it('chooses the initial type and rejects invalid combinations', () => {
    assert.equal(initialTopologyDescription({ hosts: ['a'] }).type, 'Unknown');
    assert.equal(initialTopologyDescription({ hosts: ['a'], directConnection: true }).type, 'Single');
    assert.equal(
      initialTopologyDescription({ hosts: ['a', 'b'], replicaSet: 'rs' }).type,
      'ReplicaSetNoPrimary',
    );
    const lb = initialTopologyDescription({ hosts: ['lb'], loadBalanced: true });
    assert.equal(lb.type, 'LoadBalanced');
    assert.equal(lb.servers.get('lb:27017')?.type, 'LoadBalancer');
    assert.throws(
      () => initialTopologyDescription({ hosts: ['a', 'b'], directConnection: true }),
      MongoInvalidArgumentError,
    );
    assert.throws(
      () => initialTopologyDescription({ hosts: ['a'], loadBalanced: true, replicaSet: 'rs' }),
      MongoInvalidArgumentError,
    );
  });

  it('keeps a load balancer a LoadBalancer on failures', () => {
    const lb = initialTopologyDescription({ hosts: ['lb'], loadBalanced: true });
    const next = updateTopology(lb, unknownServerDescription('lb:27017', new Error('down')));
    assert.equal(next.servers.get('lb:27017')?.type, 'LoadBalancer');
    const decision = handleApplicationError(
      lb,
      'lb:27017',
      { kind: 'network', beforeHandshake: false, maxWireVersion: 21, serviceId: 'svc' },
      0,
    );
    assert.equal(decision.topology.servers.get('lb:27017')?.type, 'LoadBalancer');
    assert.equal(decision.clearPool, true, "the connection's service is cleared");
  });
});

describe('updateTopology', () => {
  it('ignores servers not in the topology and stale topologyVersions', () => {
    const td = rsWithPrimary();
    assert.equal(updateTopology(td, serverDescriptionFromHello('z:27017', primaryHello(['z:27017']))), td);
    const pid = new ObjectId();
    const newer = updateTopology(
      td,
      serverDescriptionFromHello(
        'a:27017',
        primaryHello(['a:27017', 'b:27017'], { topologyVersion: { processId: pid, counter: 5 } }),
      ),
    );
    const older = serverDescriptionFromHello(
      'a:27017',
      primaryHello(['a:27017', 'b:27017'], { topologyVersion: { processId: pid, counter: 4 } }),
    );
    assert.equal(updateTopology(newer, older), newer);
  });

  it('reports primaries invalidated by a newer primary', () => {
    const td = rsWithPrimary();
    const next = updateTopology(
      td,
      serverDescriptionFromHello('b:27017', primaryHello(['a:27017', 'b:27017'])),
    );
    assert.equal(next.servers.get('a:27017')?.error?.message, STALE_PRIMARY_NEWER);
    assert.deepEqual(
      invalidatedPrimaries(td, next).map((sd) => sd.address),
      ['a:27017'],
    );
  });
});

/** Applies an application error to server a (the primary) of rsWithPrimary(). */
function onPrimary(error: Partial<ApplicationError> & Pick<ApplicationError, 'kind'>, poolGeneration = 0) {
  const td = rsWithPrimary();
  return {
    td,
    ...handleApplicationError(
      td,
      'a:27017',
      { beforeHandshake: false, maxWireVersion: 21, ...error },
      poolGeneration,
    ),
  };
}

describe('error handling', () => {
  it('marks Unknown on network errors after the handshake, not on timeouts', () => {
    const network = onPrimary({ kind: 'network' });
    assert.equal(network.topology.type, 'ReplicaSetNoPrimary');
    assert.equal(network.clearPool, true);
    assert.equal(network.cancelMonitorCheck, true);
    assert.equal(network.requestImmediateCheck, false);
    const timeout = onPrimary({ kind: 'timeout' });
    assert.equal(timeout.topology, timeout.td);
    assert.equal(timeout.clearPool, false);
  });

  it('ignores errors labelled SystemOverloadedError (connect/hello); other establishment errors mark Unknown', () => {
    const connect = onPrimary({ kind: 'network', beforeHandshake: true, systemOverloaded: true });
    assert.equal(connect.topology, connect.td);
    assert.equal(connect.clearPool, false);
    // The pool does not label errors of the authentication step, nor DNS or certificate failures.
    const duringAuth = onPrimary({ kind: 'timeout', beforeHandshake: true });
    assert.equal(duringAuth.serverDescription?.type, 'Unknown');
    assert.equal(duringAuth.clearPool, true);
    const auth = onPrimary({ kind: 'auth', beforeHandshake: true });
    assert.equal(auth.clearPool, true);
    // "not error.completedHandshake": a server error in the hello that is no state change.
    const helloError = onPrimary({ kind: 'command', beforeHandshake: true, code: 8000 });
    assert.equal(helloError.serverDescription?.type, 'Unknown');
    assert.equal(helloError.clearPool, true);
    const afterHandshake = onPrimary({ kind: 'command', code: 8000 });
    assert.equal(afterHandshake.topology, afterHandshake.td);
    const overloaded = onPrimary({ kind: 'network', systemOverloaded: true });
    assert.equal(overloaded.topology, overloaded.td);
  });

  it('load-balanced: never marks Unknown; clears only the service of the connection', () => {
    const td = initialTopologyDescription({ hosts: ['lb:27017'], loadBalanced: true });
    const on = (error: Partial<ApplicationError> & Pick<ApplicationError, 'kind'>) =>
      handleApplicationError(td, 'lb:27017', { beforeHandshake: false, maxWireVersion: 21, ...error }, 0);
    const network = on({ kind: 'network', serviceId: 'svc' });
    assert.equal(network.topology, td);
    assert.equal(network.clearPool, true);
    const early = on({ kind: 'network', beforeHandshake: true });
    assert.equal(early.clearPool, false, 'no serviceId before the handshake: nothing to clear');
    assert.equal(on({ kind: 'command', code: 91, serviceId: 'svc' }).clearPool, true);
  });

  it('state change errors request a check and clear only on shutdown or < 4.2', () => {
    const stepDown = onPrimary({ kind: 'command', code: 10107 });
    assert.equal(stepDown.serverDescription?.type, 'Unknown');
    assert.equal(stepDown.requestImmediateCheck, true);
    assert.equal(stepDown.clearPool, false);
    const shutdown = onPrimary({ kind: 'command', code: 91 });
    assert.equal(shutdown.clearPool, true);
    const old = onPrimary({ kind: 'command', errmsg: 'not master', maxWireVersion: 7 });
    assert.equal(old.clearPool, true);
    const stale = onPrimary({ kind: 'command', code: 91, connectionGeneration: 0 }, 1);
    assert.equal(stale.topology, stale.td);
  });

  it('monitor timeouts interrupt in-use connections', () => {
    const td = rsWithPrimary();
    const decision = handleMonitorCheckError(td, 'a:27017', new MongoNetworkTimeoutError('t'), {
      timeout: true,
    });
    assert.equal(decision.interruptInUseConnections, true);
    assert.equal(decision.topology.servers.get('a:27017')?.type, 'Unknown');
  });

  it('classifies thrown errors', () => {
    const ctx = { phase: 'command', maxWireVersion: 21, generation: 3 } as const;
    assert.equal(applicationErrorOf(new MongoNetworkTimeoutError('t'), ctx)?.kind, 'timeout');
    assert.equal(applicationErrorOf(new MongoNetworkTimeoutError('t'), ctx)?.connectionGeneration, 3);
    assert.equal(
      applicationErrorOf(new MongoNetworkError('n'), { ...ctx, phase: 'connect' })?.beforeHandshake,
      true,
    );
    assert.equal(
      applicationErrorOf(new MongoNetworkError('n'), { ...ctx, phase: 'auth' })?.beforeHandshake,
      true,
    );
    assert.equal(applicationErrorOf(new MongoPoolClearedError('p'), ctx), undefined);
    assert.equal(applicationErrorOf(new MongoAuthError('a'), ctx)?.kind, 'auth');
    const server = applicationErrorOf(
      new MongoServerError({ ok: 0, code: 189, errmsg: 'stepped down' }),
      ctx,
    );
    assert.equal(server?.kind, 'command');
    assert.equal(server?.code, 189);
    assert.equal(
      applicationErrorOf(new MongoServerError({ ok: 0, code: 18 }), { ...ctx, phase: 'auth' })?.kind,
      'auth',
    );
    const wce = applicationErrorOf(new MongoWriteConcernError({ code: 91, errmsg: 'shutting down' }), ctx);
    assert.equal(wce?.code, 91);
    const labelled = new MongoNetworkError('n', { beforeHandshake: true });
    labelled.addErrorLabel('SystemOverloadedError');
    assert.equal(applicationErrorOf(labelled, ctx)?.systemOverloaded, true);
    assert.equal(applicationErrorOf(new MongoError('other'), ctx), undefined);
  });

  it('reads command replies: ok:0 first, then writeConcernError, never writeErrors', () => {
    assert.deepEqual(commandErrorOfReply({ ok: 0, code: 91, errmsg: 'x' }), {
      code: 91,
      errmsg: 'x',
      topologyVersion: null,
    });
    assert.equal(
      commandErrorOfReply({ ok: 1, writeConcernError: { code: 11600, errmsg: 'y' } })?.code,
      11600,
    );
    assert.equal(commandErrorOfReply({ ok: 1, writeErrors: [{ code: 10107 }] }), undefined);
  });
});

describe('events', () => {
  it('opening events, then changes, additions and removals in order', () => {
    const td = initialTopologyDescription({ hosts: ['a', 'c'], replicaSet: 'rs' });
    assert.deepEqual(
      openingEvents(1, td).map((e) => e.name),
      ['topologyOpening', 'topologyDescriptionChanged', 'serverOpening', 'serverOpening'],
    );
    const next = updateTopology(
      td,
      serverDescriptionFromHello('a:27017', primaryHello(['a:27017', 'b:27017'])),
    );
    const events = diffTopologyEvents(td, next, 1);
    assert.deepEqual(
      events.map((e) => `${e.name}${'address' in e ? ` ${e.address}` : ''}`),
      [
        'serverDescriptionChanged a:27017',
        'serverOpening b:27017',
        'serverClosed c:27017',
        'topologyDescriptionChanged',
      ],
    );
    assert.deepEqual(diffTopologyEvents(next, next, 1), []);
    // A repeated identical reply changes nothing observable.
    const again = updateTopology(
      next,
      serverDescriptionFromHello('a:27017', primaryHello(['a:27017', 'b:27017'])),
    );
    assert.deepEqual(diffTopologyEvents(next, again, 1), []);
  });

  it('describes a topology in one line', () => {
    const td = updateTopology(
      initialTopologyDescription({ hosts: ['a', 'b'], replicaSet: 'rs' }),
      unknownServerDescription('b:27017', new Error('connect ECONNREFUSED')),
    );
    assert.equal(
      describeTopology(td),
      'ReplicaSetNoPrimary (setName rs): a:27017 Unknown, b:27017 Unknown (connect ECONNREFUSED)',
    );
  });
});
