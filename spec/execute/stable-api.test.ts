// versioned-api "Sending Declared API Version to the Server": every command carries the declared
// API fields — the handshake (hello over OP_MSG), find, getMore, killCursors, writes, runCommand and
// endSessions — and a client without a declared version sends none. Observed on the mock server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastValueFrom, take, toArray } from 'rxjs';
import { MongoClient } from '../../src/index.js';
import { OP_MSG } from '../../src/wire/index.js';
import { cursorReply, MockServer } from '../support/mock-server/index.js';

describe('Stable API on every command (mock server)', () => {
  let server: MockServer;
  before(async () => {
    server = await MockServer.start({
      hello: { logicalSessionTimeoutMinutes: 30 },
      handler: (r) => {
        if (r.commandName === 'find') return cursorReply('db.c', [{ _id: 1 }, { _id: 2 }], 42);
        if (r.commandName === 'getMore')
          return cursorReply('db.c', [{ _id: 3 }, { _id: 4 }], 42, 'nextBatch');
        if (r.commandName === 'killCursors') return { cursorsKilled: [42], ok: 1 };
        if (r.commandName === 'insert') return { n: 1, ok: 1 };
        if (r.commandName === 'endSessions') return { ok: 1 };
        return undefined;
      },
    });
  });
  after(async () => {
    await server.stop();
  });

  async function run(serverApi: { version: '1'; strict?: boolean; deprecationErrors?: boolean } | undefined) {
    const mark = server.requests.length;
    const client = new MongoClient(server.uri, { directConnection: true, serverApi });
    const coll = client.db('db').collection('c');
    await lastValueFrom(coll.find({}, { batchSize: 2 }).pipe(take(3), toArray()));
    await lastValueFrom(coll.insertOne({ _id: 9 }));
    await lastValueFrom(client.db('db').command({ ping: 1 }));
    await lastValueFrom(client.close());
    return server.requests.slice(mark);
  }

  it('with a declared version: apiVersion, apiStrict and apiDeprecationErrors on each command', async () => {
    const requests = await run({ version: '1', strict: true, deprecationErrors: false });
    const names = new Set(requests.map((r) => r.commandName));
    for (const name of ['hello', 'find', 'getMore', 'killCursors', 'insert', 'ping', 'endSessions'])
      assert.ok(names.has(name), `${name} was sent (${[...names].join(',')})`);
    for (const r of requests) {
      assert.equal(r.command.apiVersion, '1', `${r.commandName} carries apiVersion`);
      assert.equal(r.command.apiStrict, true, `${r.commandName} carries apiStrict`);
      assert.equal(r.command.apiDeprecationErrors, false, `${r.commandName} carries apiDeprecationErrors`);
      assert.equal(r.opCode, OP_MSG, `${r.commandName} over OP_MSG`);
    }
    assert.ok(!names.has('isMaster') && !names.has('ismaster'), 'no legacy hello');
  });

  it('only the fields the user gave; none without a declared version', async () => {
    for (const r of await run({ version: '1' })) {
      assert.equal(r.command.apiVersion, '1');
      assert.ok(!('apiStrict' in r.command) && !('apiDeprecationErrors' in r.command), r.commandName);
    }
    for (const r of await run(undefined))
      assert.ok(
        !Object.keys(r.command).some((k) => k.startsWith('api')),
        `${r.commandName} has no API fields`,
      );
  });
});
