// MongoClient.bulkWrite against the test server. FerretDB 1.24 reports 7.0 and has no `bulkWrite`
// command (MongoDB 8.0): the driver sends the command as it would to 8.0 and the server's refusal
// reaches the caller as it is (nothing was done, so no ClientBulkWriteError and no partial result).
// On MONGODB_URI pointing at 8.0+ the same call succeeds across two namespaces.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import type { CommandStartedEvent, MongoEvent } from '../../src/events/types.js';
import { ClientBulkWriteError, MongoClient, MongoServerError } from '../../src/index.js';
import { testServer } from '../support/ferretdb.js';

describe('MongoClient.bulkWrite (integration)', () => {
  const dbName = `cbw_it_${process.pid}`;
  let server: Awaited<ReturnType<typeof testServer>>;
  let client: MongoClient;
  before(async () => {
    server = await testServer();
    client = new MongoClient(server.uri, { monitorCommands: true });
  });
  after(async () => {
    await lastValueFrom(client.db(dbName).dropDatabase()).catch(() => undefined);
    await lastValueFrom(client.close());
    await server.release();
  });

  it('sends one bulkWrite to admin with ops and nsInfo; a pre-8.0 server refuses it as a plain server error', async () => {
    const started: CommandStartedEvent[] = [];
    const events = client.events$.subscribe((e: MongoEvent) => {
      if (e.name === 'commandStarted') started.push(e);
    });
    const hello = await lastValueFrom(client.db('admin').command({ hello: 1 }));
    const models = [
      { name: 'insertOne' as const, namespace: `${dbName}.a`, document: { _id: 1 } },
      { name: 'insertOne' as const, namespace: `${dbName}.b`, document: { _id: 1 } },
    ];
    const outcome = await lastValueFrom(client.bulkWrite(models)).catch((e: unknown) => e);
    events.unsubscribe();
    const sent = started.filter((e) => e.commandName === 'bulkWrite');
    assert.equal(sent.length, 1);
    assert.equal(sent[0].databaseName, 'admin');
    assert.deepEqual(sent[0].command.nsInfo, [{ ns: `${dbName}.a` }, { ns: `${dbName}.b` }]);
    assert.equal((sent[0].command.ops as unknown[]).length, 2);
    if (Number(hello.maxWireVersion) >= 25) {
      assert.ok(!(outcome instanceof Error), String(outcome));
      assert.equal((outcome as { insertedCount: number }).insertedCount, 2);
    } else {
      assert.ok(outcome instanceof MongoServerError, String(outcome));
      assert.ok(!(outcome instanceof ClientBulkWriteError));
    }
  });
});
