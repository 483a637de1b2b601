// The logger (logging spec and the logging parts of the command, CMAP, SDAM and server-selection
// specs): configuration, severities, truncation, each message's fields, destinations. Events are
// emitted on a bus by hand; nothing reads the clock.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ObjectId } from 'bson';
import { EventBus } from '../../src/events/bus.js';
import { resolveLoggerConfig } from '../../src/events/logging/config.js';
import { openSink } from '../../src/events/logging/destination.js';
import { addressFields, truncate } from '../../src/events/logging/fields.js';
import { MongoLogger } from '../../src/events/logging/logger.js';
import { enables, parseSeverity } from '../../src/events/logging/severity.js';
import type { EventInit } from '../../src/events/types.js';
import { type Log, MongoClient, type MongoLoggerClientOptions, MongoParseError } from '../../src/index.js';

/** A logger writing into an array, attached to a fresh bus. */
function collecting(options: MongoLoggerClientOptions, env: Record<string, string> = {}) {
  const logs: Log[] = [];
  const bus = new EventBus();
  const logger = new MongoLogger(
    resolveLoggerConfig(env, { ...options, mongodbLogPath: { write: (log) => logs.push(log) } }),
  );
  const subscription = logger.attach(bus);
  return { logs, bus, logger, subscription };
}

/** The fields of one message, without time, component and severity. */
function data(log: Log | undefined): Record<string, unknown> {
  assert.ok(log, 'a message was logged');
  const { t: _t, c: _c, s: _s, ...rest } = log;
  return rest;
}

describe('logging: severities', () => {
  it('parses the spec names case-insensitively, off included; anything else is undefined', () => {
    assert.equal(parseSeverity('DEBUG'), 'debug');
    assert.equal(parseSeverity('Warn'), 'warn');
    assert.equal(parseSeverity('off'), 'off');
    assert.equal(parseSeverity('warning'), undefined);
    assert.equal(parseSeverity(3), undefined);
  });
  it('a minimum enables itself and everything more severe', () => {
    assert.equal(enables('info', 'info'), true);
    assert.equal(enables('info', 'warn'), true);
    assert.equal(enables('info', 'debug'), false);
    assert.equal(enables('trace', 'debug'), true);
    assert.equal(enables('off', 'emergency'), false);
  });
});

describe('logging: configuration', () => {
  it('logs nothing by default', () => {
    const c = resolveLoggerConfig({});
    assert.deepEqual(Object.values(c.severities), ['off', 'off', 'off', 'off', 'off']);
    assert.equal(c.maxDocumentLength, 1000);
    assert.deepEqual(c.destination, { kind: 'stderr' });
  });
  it('MONGODB_LOG_ALL sets every component; a component variable wins over it', () => {
    const c = resolveLoggerConfig({ MONGODB_LOG_ALL: 'info', MONGODB_LOG_COMMAND: 'debug' });
    assert.equal(c.severities.command, 'debug');
    assert.equal(c.severities.topology, 'info');
    assert.equal(c.severities.serverSelection, 'info');
    assert.equal(c.severities.connection, 'info');
  });
  it('reads each component variable', () => {
    const c = resolveLoggerConfig({
      MONGODB_LOG_TOPOLOGY: 'trace',
      MONGODB_LOG_SERVER_SELECTION: 'notice',
      MONGODB_LOG_CONNECTION: 'ERROR',
      MONGODB_LOG_CLIENT: 'warn',
    });
    assert.deepEqual(c.severities, {
      command: 'off',
      topology: 'trace',
      serverSelection: 'notice',
      connection: 'error',
      client: 'warn',
    });
  });
  it('ignores invalid environment values with a warning, never a throw', () => {
    const c = resolveLoggerConfig({
      MONGODB_LOG_ALL: 'debug',
      MONGODB_LOG_COMMAND: 'verbose',
      MONGODB_LOG_MAX_DOCUMENT_LENGTH: 'ten',
    });
    assert.equal(c.severities.command, 'debug', 'as if MONGODB_LOG_COMMAND were not set');
    assert.equal(c.maxDocumentLength, 1000);
    assert.equal(c.warnings.length, 2);
    assert.match(c.warnings[0] ?? '', /MONGODB_LOG_COMMAND/);
  });
  it('client options win over the environment, `default` included', () => {
    const env = {
      MONGODB_LOG_ALL: 'debug',
      MONGODB_LOG_TOPOLOGY: 'debug',
      MONGODB_LOG_MAX_DOCUMENT_LENGTH: '5',
    };
    const c = resolveLoggerConfig(env, {
      mongodbLogComponentSeverities: { command: 'info', default: 'off' },
      mongodbLogMaxDocumentLength: 20,
      mongodbLogPath: 'stdout',
    });
    assert.equal(c.severities.command, 'info');
    assert.equal(c.severities.topology, 'off');
    assert.equal(c.maxDocumentLength, 20);
    assert.deepEqual(c.destination, { kind: 'stdout' });
    assert.equal(resolveLoggerConfig(env).maxDocumentLength, 5);
  });
  it('MONGODB_LOG_PATH: stdout and stderr case-insensitively, else a file', () => {
    assert.deepEqual(resolveLoggerConfig({ MONGODB_LOG_PATH: 'STDOUT' }).destination, { kind: 'stdout' });
    assert.deepEqual(resolveLoggerConfig({ MONGODB_LOG_PATH: 'StdErr' }).destination, { kind: 'stderr' });
    assert.deepEqual(resolveLoggerConfig({ MONGODB_LOG_PATH: '/tmp/x.log' }).destination, {
      kind: 'file',
      path: '/tmp/x.log',
    });
  });
  it('invalid options throw MongoParseError, as other client options do', () => {
    const bad: unknown[] = [
      { mongodbLogComponentSeverities: { command: 'loud' } },
      { mongodbLogComponentSeverities: { commands: 'debug' } },
      { mongodbLogMaxDocumentLength: -1 },
      { mongodbLogMaxDocumentLength: 1.5 },
      { mongodbLogPath: 'a-file.log' },
      { mongodbLogPath: {} },
    ];
    for (const options of bad)
      assert.throws(() => resolveLoggerConfig({}, options as MongoLoggerClientOptions), MongoParseError);
  });
  it('the client checks the kind of the logging options like its other options', () => {
    assert.throws(
      () => new MongoClient('mongodb://h', { mongodbLogMaxDocumentLength: '9' as unknown as number }),
      MongoParseError,
    );
  });
});

describe('logging: truncation', () => {
  it('cuts after max code points and appends ... (not counted)', () => {
    assert.equal(truncate('abcdef', 3), 'abc...');
    assert.equal(truncate('abc', 3), 'abc');
    assert.equal(truncate('abc', 0), '...');
  });
  it('never splits a surrogate pair', () => {
    const text = '😀😀😀';
    assert.equal(truncate(text, 2), '😀😀...');
    assert.equal(truncate(`a${text}`, 2), 'a😀...');
    assert.equal(truncate(text, 3), text);
  });
  it('documents in messages are relaxed extended JSON cut at mongodbLogMaxDocumentLength', () => {
    const { logs, bus } = collecting({
      mongodbLogComponentSeverities: { command: 'debug' },
      mongodbLogMaxDocumentLength: 10,
    });
    bus.emit({
      name: 'commandStarted',
      requestId: 1,
      databaseName: 'db',
      commandName: 'insert',
      address: 'h:1',
      connectionId: 1,
      command: { insert: 'a-long-collection-name', n: 1 },
    });
    assert.equal(data(logs[0]).command, '{"insert":...');
  });
});

describe('logging: nothing is built when it is off', () => {
  it('a logger with every component off does not listen', () => {
    const { bus, subscription } = collecting({});
    assert.equal(subscription.closed, true);
    assert.equal(bus.wants(), false);
    assert.equal(bus.wants('commandStarted'), false);
  });
  it('a component listens to its own events only', () => {
    const { bus, logs } = collecting({ mongodbLogComponentSeverities: { command: 'debug' } });
    assert.equal(bus.wants('commandStarted'), true);
    assert.equal(bus.wants('connectionCreated'), false);
    assert.equal(bus.wants('serverSelectionStarted'), false);
    bus.emit({ name: 'connectionCreated', address: 'h:1', connectionId: 1 });
    assert.equal(logs.length, 0);
  });
  it('a severity below the messages turns them off (info hides the debug messages, not the wait)', () => {
    const { bus } = collecting({ mongodbLogComponentSeverities: { serverSelection: 'info' } });
    assert.equal(bus.wants('serverSelectionStarted'), false);
    assert.equal(bus.wants('waitingForSuitableServer'), true);
  });
  it('unsubscribing the logger leaves nothing listening', () => {
    const { bus, subscription } = collecting({ mongodbLogComponentSeverities: { default: 'debug' } });
    assert.equal(bus.wants('topologyOpening'), true);
    subscription.unsubscribe();
    assert.equal(bus.wants(), false);
  });
});

describe('logging: command messages', () => {
  const base = {
    requestId: 7,
    databaseName: 'db',
    commandName: 'find',
    address: 'example.com:27018',
    connectionId: 3,
    serverConnectionId: 99,
    operationId: 5,
  } as const;
  it('Command started / succeeded / failed with the spec fields, at debug', () => {
    const { bus, logs } = collecting({ mongodbLogComponentSeverities: { command: 'debug' } });
    bus.emit({ name: 'commandStarted', ...base, command: { find: 'c', $db: 'db' } });
    bus.emit({ name: 'commandSucceeded', ...base, duration: 2, reply: { ok: 1 } });
    bus.emit({ name: 'commandFailed', ...base, duration: 4, failure: new Error('boom') });
    assert.deepEqual(
      logs.map((l) => [l.c, l.s]),
      [
        ['command', 'debug'],
        ['command', 'debug'],
        ['command', 'debug'],
      ],
    );
    const common = {
      commandName: 'find',
      databaseName: 'db',
      requestId: 7,
      operationId: 5,
      driverConnectionId: 3,
      serverHost: 'example.com',
      serverPort: 27018,
      serverConnectionId: 99,
    };
    assert.deepEqual(data(logs[0]), {
      message: 'Command started',
      ...common,
      command: '{"find":"c","$db":"db"}',
    });
    assert.deepEqual(data(logs[1]), {
      message: 'Command succeeded',
      ...common,
      durationMS: 2,
      reply: '{"ok":1}',
    });
    assert.deepEqual(data(logs[2]), {
      message: 'Command failed',
      ...common,
      durationMS: 4,
      failure: { name: 'Error', message: 'boom' },
    });
  });
  it('omits absent fields and names a service id in hex', () => {
    const { bus, logs } = collecting({ mongodbLogComponentSeverities: { command: 'debug' } });
    const serviceId = new ObjectId();
    bus.emit({
      name: 'commandStarted',
      requestId: 1,
      databaseName: 'db',
      commandName: 'ping',
      address: '/tmp/mongodb-27017.sock',
      connectionId: 1,
      serviceId,
      command: { ping: 1 },
    });
    const d = data(logs[0]);
    assert.equal(d.serviceId, serviceId.toHexString());
    assert.equal(d.serverHost, '/tmp/mongodb-27017.sock');
    for (const absent of ['serverPort', 'serverConnectionId', 'operationId'])
      assert.equal(absent in d, false);
  });
  it('redacts the failure of a sensitive command', () => {
    const { bus, logs } = collecting({ mongodbLogComponentSeverities: { command: 'debug' } });
    bus.emit({
      name: 'commandFailed',
      ...base,
      commandName: 'saslStart',
      duration: 1,
      failure: new Error('pw'),
    });
    assert.deepEqual(data(logs[0]).failure, {});
  });
  it('a server error keeps its code, code name, labels and reply (truncated)', () => {
    const { bus, logs } = collecting({
      mongodbLogComponentSeverities: { command: 'debug' },
      mongodbLogMaxDocumentLength: 8,
    });
    const failure = Object.assign(new Error('bad'), {
      code: 2,
      codeName: 'BadValue',
      errorLabels: new Set(['X']),
      errorResponse: { ok: 0, errmsg: 'bad' },
    });
    bus.emit({ name: 'commandFailed', ...base, duration: 1, failure });
    assert.deepEqual(data(logs[0]).failure, {
      name: 'Error',
      message: 'bad',
      code: 2,
      codeName: 'BadValue',
      errorLabels: ['X'],
      errorResponse: '{"ok":0,...',
    });
  });
});

describe('logging: connection messages', () => {
  it('every CMAP event has its message, with the spec reason strings', () => {
    const { bus, logs } = collecting({ mongodbLogComponentSeverities: { connection: 'debug' } });
    const address = 'h:27017';
    const events: EventInit[] = [
      {
        name: 'connectionPoolCreated',
        address,
        options: {
          maxPoolSize: 5,
          minPoolSize: 1,
          maxIdleTimeMS: 10,
          waitQueueTimeoutMS: 0,
          maxConnecting: 2,
        },
      },
      { name: 'connectionPoolReady', address },
      { name: 'connectionCreated', address, connectionId: 1 },
      { name: 'connectionReady', address, connectionId: 1, durationMS: 3 },
      { name: 'connectionCheckOutStarted', address },
      { name: 'connectionCheckedOut', address, connectionId: 1, durationMS: 4 },
      { name: 'connectionCheckedIn', address, connectionId: 1 },
      { name: 'connectionCheckOutFailed', address, reason: 'timeout', durationMS: 5 },
      {
        name: 'connectionCheckOutFailed',
        address,
        reason: 'connectionError',
        error: new Error('refused'),
        durationMS: 6,
      },
      { name: 'connectionPoolCleared', address, interruptInUseConnections: false },
      { name: 'connectionClosed', address, connectionId: 1, reason: 'stale' },
      { name: 'connectionClosed', address, connectionId: 2, reason: 'error', error: new Error('reset') },
      { name: 'connectionClosed', address, connectionId: 3, reason: 'idle' },
      { name: 'connectionPoolClosed', address },
    ];
    for (const e of events) bus.emit(e);
    const host = { serverHost: 'h', serverPort: 27017 };
    assert.deepEqual(logs.map(data), [
      {
        message: 'Connection pool created',
        ...host,
        maxIdleTimeMS: 10,
        minPoolSize: 1,
        maxPoolSize: 5,
        maxConnecting: 2,
        waitQueueTimeoutMS: 0,
      },
      { message: 'Connection pool ready', ...host },
      { message: 'Connection created', ...host, driverConnectionId: 1 },
      { message: 'Connection ready', ...host, driverConnectionId: 1, durationMS: 3 },
      { message: 'Connection checkout started', ...host },
      { message: 'Connection checked out', ...host, driverConnectionId: 1, durationMS: 4 },
      { message: 'Connection checked in', ...host, driverConnectionId: 1 },
      {
        message: 'Connection checkout failed',
        ...host,
        reason: 'Wait queue timeout elapsed without a connection becoming available',
        durationMS: 5,
      },
      {
        message: 'Connection checkout failed',
        ...host,
        reason: 'An error occurred while trying to establish a new connection',
        error: { name: 'Error', message: 'refused' },
        durationMS: 6,
      },
      { message: 'Connection pool cleared', ...host },
      {
        message: 'Connection closed',
        ...host,
        driverConnectionId: 1,
        reason: 'Connection became stale because the pool was cleared',
      },
      {
        message: 'Connection closed',
        ...host,
        driverConnectionId: 2,
        reason: 'An error occurred while using the connection',
        error: { name: 'Error', message: 'reset' },
      },
      {
        message: 'Connection closed',
        ...host,
        driverConnectionId: 3,
        reason: 'Connection has been available but unused for longer than the configured max idle time',
      },
      { message: 'Connection pool closed', ...host },
    ]);
    assert.ok(logs.every((l) => l.c === 'connection' && l.s === 'debug'));
  });
});

describe('logging: topology messages', () => {
  it('monitoring lifecycle, description changes and heartbeats; no serverDescriptionChanged message', () => {
    const { bus, logs } = collecting({ mongodbLogComponentSeverities: { topology: 'debug' } });
    const description = {
      type: 'ReplicaSetNoPrimary',
      setName: 'rs',
      servers: new Map([['a:1', { address: 'a:1', type: 'RSSecondary', roundTripTime: 2, error: null }]]),
    };
    const ids = { connectionId: 'a:1', topologyId: 4, driverConnectionId: 8, serverConnectionId: 80 };
    const events: EventInit[] = [
      { name: 'topologyOpening', topologyId: 4 },
      { name: 'serverOpening', topologyId: 4, address: 'a:1' },
      {
        name: 'topologyDescriptionChanged',
        topologyId: 4,
        previousDescription: {},
        newDescription: description,
      },
      {
        name: 'serverDescriptionChanged',
        topologyId: 4,
        address: 'a:1',
        previousDescription: {},
        newDescription: {},
      },
      { name: 'serverHeartbeatStarted', ...ids, awaited: true },
      { name: 'serverHeartbeatSucceeded', ...ids, awaited: true, duration: 3, reply: { ok: 1 } },
      {
        name: 'serverHeartbeatFailed',
        connectionId: 'a:1',
        topologyId: 4,
        awaited: false,
        duration: 4,
        failure: new Error('x'),
      },
      { name: 'serverClosed', topologyId: 4, address: 'a:1' },
      { name: 'topologyClosed', topologyId: 4 },
    ];
    for (const e of events) bus.emit(e);
    const host = { serverHost: 'a', serverPort: 1 };
    assert.deepEqual(logs.map(data), [
      { message: 'Starting topology monitoring', topologyId: 4 },
      { message: 'Starting server monitoring', topologyId: 4, ...host },
      {
        message: 'Topology description changed',
        topologyId: 4,
        previousDescription: '{"servers":[]}',
        newDescription:
          '{"type":"ReplicaSetNoPrimary","setName":"rs","servers":[{"address":"a:1","type":"RSSecondary","roundTripTime":2}]}',
      },
      {
        message: 'Server heartbeat started',
        topologyId: 4,
        ...host,
        driverConnectionId: 8,
        serverConnectionId: 80,
        awaited: true,
      },
      {
        message: 'Server heartbeat succeeded',
        topologyId: 4,
        ...host,
        driverConnectionId: 8,
        serverConnectionId: 80,
        awaited: true,
        durationMS: 3,
        reply: '{"ok":1}',
      },
      {
        message: 'Server heartbeat failed',
        topologyId: 4,
        ...host,
        awaited: false,
        durationMS: 4,
        failure: { name: 'Error', message: 'x' },
      },
      { message: 'Stopped server monitoring', topologyId: 4, ...host },
      { message: 'Stopped topology monitoring', topologyId: 4 },
    ]);
  });
});

describe('logging: server selection messages', () => {
  it('started, waiting (info, with the remaining time), succeeded and failed', () => {
    const { bus, logs } = collecting({ mongodbLogComponentSeverities: { serverSelection: 'debug' } });
    const common = {
      topologyId: 1,
      operation: 'find',
      operationId: 9,
      kind: 'read',
      readPreference: { mode: 'secondary', tags: [{ dc: 'a' }], maxStalenessSeconds: 90 },
      topologyDescription: { type: 'Unknown', servers: new Map() },
    } as const;
    bus.emit({ name: 'serverSelectionStarted', ...common });
    bus.emit({ name: 'waitingForSuitableServer', ...common, remainingTimeMS: 2000 });
    bus.emit({ name: 'serverSelectionSucceeded', ...common, address: 'b:2' });
    bus.emit({ name: 'serverSelectionFailed', ...common, kind: 'write', failure: new Error('timed out') });
    assert.deepEqual(
      logs.map((l) => l.s),
      ['debug', 'info', 'debug', 'debug'],
    );
    const shared = {
      selector: '{"readPreference":{"mode":"secondary","tags":[{"dc":"a"}],"maxStalenessSeconds":90}}',
      operationId: 9,
      operation: 'find',
      topologyDescription: '{"type":"Unknown","servers":[]}',
    };
    assert.deepEqual(data(logs[0]), { message: 'Server selection started', ...shared });
    assert.deepEqual(data(logs[1]), {
      message: 'Waiting for suitable server to become available',
      ...shared,
      remainingTimeMS: 2000,
    });
    assert.deepEqual(data(logs[2]), {
      message: 'Server selection succeeded',
      ...shared,
      serverHost: 'b',
      serverPort: 2,
    });
    assert.deepEqual(data(logs[3]), {
      message: 'Server selection failed',
      ...shared,
      selector: 'writable server',
      failure: { name: 'Error', message: 'timed out' },
    });
  });
});

describe('logging: addresses', () => {
  it('splits host and port, IPv6 literals and socket paths', () => {
    assert.deepEqual(addressFields('h:1'), { serverHost: 'h', serverPort: 1 });
    assert.deepEqual(addressFields('[::1]:27018'), { serverHost: '::1', serverPort: 27018 });
    assert.deepEqual(addressFields('h'), { serverHost: 'h', serverPort: 27017 });
    assert.deepEqual(addressFields('/tmp/m.sock'), { serverHost: '/tmp/m.sock' });
  });
});

describe('logging: destinations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mongorx-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const log: Log = { t: new Date(0), c: 'command', s: 'debug', message: 'Command started', requestId: 1 };

  it('a file is appended to, one JSON line per message, and reopened after close', () => {
    const path = join(dir, 'driver.log');
    writeFileSync(path, 'earlier\n');
    const { sink, warning } = openSink({ kind: 'file', path });
    assert.equal(warning, undefined);
    sink.write(log);
    sink.close();
    sink.write({ ...log, requestId: 2 });
    sink.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'earlier');
    assert.deepEqual(JSON.parse(lines[1] ?? ''), {
      t: '1970-01-01T00:00:00.000Z',
      c: 'command',
      s: 'debug',
      message: 'Command started',
      requestId: 1,
    });
    assert.equal(JSON.parse(lines[2] ?? '').requestId, 2);
  });
  it('an unwritable file falls back to stderr with a warning', () => {
    const { warning } = openSink({ kind: 'file', path: join(dir, 'missing-dir', 'x.log') });
    assert.match(warning ?? '', /cannot be written.*stderr/);
  });
  it('MONGODB_LOG_PATH names the file the logger writes into', () => {
    const path = join(dir, 'client.log');
    const env = { MONGODB_LOG_CLIENT: 'warn', MONGODB_LOG_PATH: path };
    const logger = new MongoLogger(resolveLoggerConfig(env));
    logger.log('client', 'warn', { message: 'Unsupported option' });
    logger.log('client', 'info', { message: 'not at warn' });
    logger.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0] ?? '').message, 'Unsupported option');
  });
  it("a custom writable's failure (throw or rejection) reaches neither the caller nor the driver", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => {
      if (w.message.startsWith('mongorx: writing')) warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      const thrower = openSink({
        kind: 'writable',
        writable: {
          write: () => {
            throw new Error('disk full');
          },
        },
      });
      thrower.sink.write(log);
      const rejecter = openSink({
        kind: 'writable',
        writable: { write: () => Promise.reject(new Error('later')) },
      });
      rejecter.sink.write(log);
      for (let i = 0; i < 100 && warnings.length < 2; i++) await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.sort(), [
      'mongorx: writing a log message failed: disk full',
      'mongorx: writing a log message failed: later',
    ]);
  });
});

describe('logging: the client', () => {
  it('URI option warnings go to the client component (warn) and to process.emitWarning', async () => {
    const logs: Log[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error) => {
      if (w.message.includes('notAnOption')) warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      new MongoClient('mongodb://h/?notAnOption=1', {
        mongodbLogComponentSeverities: { client: 'warn' },
        mongodbLogPath: { write: (l) => logs.push(l) },
      });
      for (let i = 0; i < 100 && warnings.length < 1; i++) await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      logs.map((l) => [l.c, l.s, l.message]),
      [['client', 'warn', "Unsupported option 'notAnOption'"]],
    );
    assert.deepEqual(warnings, ["Unsupported option 'notAnOption'"]);
  });
});
