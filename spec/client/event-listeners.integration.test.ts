// client.on / once / off: the official driver's EventEmitter surface over events$.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { type CommandStartedEvent, MongoClient } from '../../src/index.js';
import { testServer } from '../support/ferretdb.js';

describe('MongoClient event listeners (EventEmitter style)', () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  let client: MongoClient;
  before(async () => {
    server = await testServer();
    client = new MongoClient(server.uri);
  });
  after(async () => {
    await lastValueFrom(client.close());
    await server.release();
  });
  const ping = () => lastValueFrom(client.db('admin').command({ ping: 1 }));

  it('on: each event of that name, typed by its name, until off', async () => {
    const seen: string[] = [];
    const listener = (e: CommandStartedEvent) => seen.push(e.commandName);
    assert.equal(client.on('commandStarted', listener), client);
    assert.equal(client.listenerCount('commandStarted'), 1);
    await ping();
    await ping();
    assert.deepEqual(seen, ['ping', 'ping']);
    client.off('commandStarted', listener);
    assert.equal(client.listenerCount('commandStarted'), 0);
    await ping();
    assert.deepEqual(seen, ['ping', 'ping']);
  });

  it('once: the next event only; removeListener takes the latest registration', async () => {
    const once: string[] = [];
    client.once('commandSucceeded', (e) => once.push(e.commandName));
    await ping();
    await ping();
    assert.deepEqual(once, ['ping']);
    assert.equal(client.listenerCount('commandSucceeded'), 0);

    let calls = 0;
    const twice = () => calls++;
    client.on('commandStarted', twice).on('commandStarted', twice);
    assert.equal(client.listenerCount('commandStarted'), 2);
    await ping();
    assert.equal(calls, 2);
    client.removeListener('commandStarted', twice);
    await ping();
    assert.equal(calls, 3);
    client.removeAllListeners('commandStarted');
    await ping();
    assert.equal(calls, 3);
  });

  it('removeAllListeners() without a name removes every listener', async () => {
    let calls = 0;
    client.on('commandStarted', () => calls++).on('commandSucceeded', () => calls++);
    await ping();
    assert.equal(calls, 2);
    client.removeAllListeners();
    assert.equal(client.listenerCount('commandStarted') + client.listenerCount('commandSucceeded'), 0);
    await ping();
    assert.equal(calls, 2);
  });
});
