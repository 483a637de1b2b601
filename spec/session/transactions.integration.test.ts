// The public transactions API end to end: mongorx through the replica-set proxy, which plays
// transactions at the command level on FerretDB (writes undone on abort), so outcomes are real data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { concat, ignoreElements, lastValueFrom, NEVER, throwError } from 'rxjs';
import { MongoClient } from '../../src/client/mongo-client.js';
import { MongoTransactionError } from '../../src/errors.js';
import type { ReplicaSetProxy } from '../support/rs-proxy/index.js';
import { testProxy, uniqueDbName, upstreamClient } from '../support/rs-proxy/testing.js';

describe('transactions through the replica-set proxy', { timeout: 120_000 }, () => {
  let proxy: ReplicaSetProxy;
  let client: MongoClient;
  let direct: ReturnType<typeof upstreamClient>;

  before(async () => {
    proxy = await testProxy({ members: 3 });
    client = new MongoClient(proxy.uri);
    direct = upstreamClient(proxy);
  });
  after(async () => {
    await lastValueFrom(client.close(), { defaultValue: undefined });
    await direct.close();
    await proxy.close();
  });

  const stored = (db: string) =>
    direct
      .db(db)
      .collection('c')
      .find({}, { sort: { _id: 1 } })
      .toArray();

  it('client.withSession((s) => s.withTransaction(...)) is one expression: commits and emits the last value', async () => {
    const db = uniqueDbName('tx_commit');
    const coll = client.db(db).collection<{ _id: number }>('c');
    const result = await lastValueFrom(
      client.withSession((s) =>
        s.withTransaction((session) =>
          concat(
            coll.insertOne({ _id: 1 }, { session }).pipe(ignoreElements()),
            coll.insertOne({ _id: 2 }, { session }),
          ),
        ),
      ),
    );
    assert.equal(result.insertedId, 2);
    assert.deepEqual(await stored(db), [{ _id: 1 }, { _id: 2 }]);
    const commits = proxy.commands.filter((r) => r.commandName === 'commitTransaction');
    assert.equal(commits.length, 1);
  });

  it('a callback error aborts (the writes are undone) and reaches the subscriber as it was', async () => {
    const db = uniqueDbName('tx_abort');
    const coll = client.db(db).collection<{ _id: number }>('c');
    const mine = new Error('no');
    const session = client.startSession();
    await assert.rejects(
      lastValueFrom(
        session.withTransaction((s) =>
          concat(
            coll.insertOne({ _id: 1 }, { session: s }),
            throwError(() => mine),
          ),
        ),
      ),
      (e) => e === mine,
    );
    assert.equal(session.transactionState, 'aborted');
    assert.deepEqual(await stored(db), []);
    await lastValueFrom(session.endSession(), { defaultValue: undefined });
  });

  it('unsubscribing aborts the transaction: its writes are undone and no commit is sent', async () => {
    const db = uniqueDbName('tx_unsubscribe');
    const coll = client.db(db).collection<{ _id: number }>('c');
    const session = client.startSession();
    const before = proxy.commands.length;
    const inserted = proxy.nextCommand((r) => r.commandName === 'insert' && r.command.$db === db);
    const sub = session
      .withTransaction((s) => concat(coll.insertOne({ _id: 1 }, { session: s }), NEVER))
      .subscribe();
    await inserted;
    const aborted = proxy.nextCommand((r) => r.commandName === 'abortTransaction');
    sub.unsubscribe();
    const abort = await aborted;
    assert.equal(abort.reply?.ok, 1);
    assert.deepEqual(await stored(db), []);
    // Monitoring's hellos aside, the abort is the transaction's last command.
    const names = proxy.commands
      .slice(before)
      .map((r) => r.commandName)
      .filter((n) => n !== 'hello' && n !== 'isMaster' && n !== 'ismaster');
    assert.ok(!names.includes('commitTransaction'));
    assert.equal(names[names.length - 1], 'abortTransaction', 'nothing after the abort');
    await lastValueFrom(session.endSession(), { defaultValue: undefined });
  });

  it('the state machine errors are typed; endSession aborts an open transaction', async () => {
    const db = uniqueDbName('tx_states');
    const coll = client.db(db).collection<{ _id: number }>('c');
    const session = client.startSession();
    await assert.rejects(
      lastValueFrom(session.commitTransaction(), { defaultValue: undefined }),
      MongoTransactionError,
    );
    session.startTransaction();
    assert.throws(() => session.startTransaction(), MongoTransactionError);
    await lastValueFrom(coll.insertOne({ _id: 1 }, { session }));
    await lastValueFrom(session.endSession(), { defaultValue: undefined });
    assert.deepEqual(await stored(db), []);
  });
});
