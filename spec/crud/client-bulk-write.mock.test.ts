// MongoClient.bulkWrite at the command level. FerretDB reports 7.0 and has no `bulkWrite` command,
// so a mock one-member replica set plays an 8.0 primary: it executes the ops it gets in memory
// (nothing is stored) and pages the results cursor two documents at a time, so getMore is exercised.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Document, Long } from 'bson';
import { lastValueFrom } from 'rxjs';
import {
  ClientBulkWriteError,
  type ClientBulkWriteModel,
  MongoClient,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoServerError,
} from '../../src/index.js';
import {
  errorReply,
  type MockReplicaSet,
  type MockRequest,
  type MockResponse,
  startReplicaSet,
} from '../support/mock-server/index.js';

const PAGE = 2;
const RESULTS_NS = 'admin.$cmd.bulkWrite';

/** What a scripted test may do to one bulkWrite request before the fake server executes it. */
type Override = (request: MockRequest, attempt: number) => MockResponse | undefined;

/** An 8.0 `bulkWrite` executed in memory: `{ fail: code }` in an inserted document is a write error. */
class FakeBulkWriteServer {
  private cursors = new Map<bigint, Document[]>();
  private nextId = 100n;
  attempts = 0;
  override: Override | undefined;
  /** A getMore answered with this error (once). */
  failGetMore: Document | undefined;

  handle = (request: MockRequest): MockResponse | undefined => {
    if (request.commandName === 'bulkWrite') {
      this.attempts++;
      const forced = this.override?.(request, this.attempts);
      if (forced) return forced;
      const reply = this.execute(request);
      return request.moreToCome ? { noReply: true } : reply;
    }
    if (request.commandName === 'getMore') {
      if (this.failGetMore) {
        const error = this.failGetMore;
        this.failGetMore = undefined;
        return error;
      }
      const id = BigInt(String(request.command.getMore));
      return this.page(id, 'nextBatch');
    }
    return undefined;
  };

  private execute(request: MockRequest): Document {
    const ops = sequence(request, 'ops');
    const ordered = request.command.ordered !== false;
    const results: Document[] = [];
    const n = { nErrors: 0, nInserted: 0, nUpserted: 0, nMatched: 0, nModified: 0, nDeleted: 0 };
    for (const [idx, op] of ops.entries()) {
      if ('insert' in op) {
        if (op.document.fail !== undefined) {
          n.nErrors++;
          results.push({ ok: 0, idx, code: op.document.fail, errmsg: `insert ${idx} failed` });
          if (ordered) break;
          continue;
        }
        n.nInserted++;
        results.push({ ok: 1, idx, n: 1 });
      } else if ('update' in op) {
        if (op.upsert) {
          n.nUpserted++;
          results.push({ ok: 1, idx, n: 1, nModified: 0, upserted: { _id: `up${idx}` } });
        } else {
          n.nMatched++;
          n.nModified++;
          results.push({ ok: 1, idx, n: 1, nModified: 1 });
        }
      } else {
        n.nDeleted += op.multi ? 2 : 1;
        results.push({ ok: 1, idx, n: op.multi ? 2 : 1 });
      }
    }
    const shown = request.command.errorsOnly ? results.filter((r) => r.ok === 0) : results;
    const id = this.nextId++;
    this.cursors.set(id, shown);
    return { ...this.page(id, 'firstBatch'), ...n };
  }

  private page(id: bigint, kind: 'firstBatch' | 'nextBatch'): Document {
    const rest = this.cursors.get(id) ?? [];
    const batch = rest.slice(0, PAGE);
    const left = rest.slice(PAGE);
    if (left.length > 0) this.cursors.set(id, left);
    else this.cursors.delete(id);
    return {
      ok: 1,
      cursor: { id: Long.fromBigInt(left.length > 0 ? id : 0n), ns: RESULTS_NS, [kind]: batch },
    };
  }
}

function sequence(request: MockRequest, identifier: string): Document[] {
  return [...(request.sequences.find((s) => s.identifier === identifier)?.documents ?? [])];
}

const insert = (namespace: string, document: Document): ClientBulkWriteModel => ({
  name: 'insertOne',
  namespace,
  document,
});

describe('MongoClient.bulkWrite against a mock 8.0 primary', () => {
  let rs: MockReplicaSet | undefined;
  let client: MongoClient | undefined;
  let fake: FakeBulkWriteServer;
  afterEach(async () => {
    if (client) await lastValueFrom(client.close(), { defaultValue: undefined });
    await rs?.stop();
    client = undefined;
    rs = undefined;
  });

  const open = async (hello: Document = {}) => {
    fake = new FakeBulkWriteServer();
    rs = await startReplicaSet(1, { hello: { maxWireVersion: 25, ...hello }, handler: fake.handle });
    client = new MongoClient(rs.uri, { serverSelectionTimeoutMS: 5000 });
    return { client, server: rs.members[0] };
  };
  const bulkWrites = () => rs?.members[0].commands('bulkWrite') ?? [];

  it('splits by maxWriteBatchSize; each batch on admin with its own txnNumber and only its namespaces', async () => {
    const { client } = await open({ maxWriteBatchSize: 3 });
    const models = Array.from({ length: 7 }, (_, i) => insert(i < 3 ? 'a.x' : 'b.y', { _id: i }));
    const result = await lastValueFrom(client.bulkWrite(models));
    assert.equal(result.insertedCount, 7);
    assert.equal(result.acknowledged, true);
    const sent = bulkWrites();
    assert.deepEqual(
      sent.map((r) => [r.db, sequence(r, 'ops').length, sequence(r, 'nsInfo').map((d) => d.ns)]),
      [
        ['admin', 3, ['a.x']],
        ['admin', 3, ['b.y']],
        ['admin', 1, ['b.y']],
      ],
    );
    assert.deepEqual(sent[0].command.errorsOnly, true);
    assert.deepEqual(sent[0].command.ordered, true);
    const txns = sent.map((r) => Number(r.command.txnNumber));
    assert.equal(new Set(txns).size, 3, 'one txnNumber per batch');
    assert.ok(sent.every((r) => r.command.lsid !== undefined));
  });

  it('splits by maxMessageSizeBytes - 1000 (prose test: an ops payload exceeding maxMessageSizeBytes)', async () => {
    const maxMessageSizeBytes = 20_000;
    const { client } = await open({ maxMessageSizeBytes, maxBsonObjectSize: 8_000 });
    const models = Array.from({ length: 6 }, (_, i) => insert('db.c', { _id: i, s: 'x'.repeat(7_000) }));
    const result = await lastValueFrom(client.bulkWrite(models));
    assert.equal(result.insertedCount, 6);
    assert.deepEqual(
      bulkWrites().map((r) => sequence(r, 'ops').length),
      [2, 2, 2],
    );
  });

  it('refuses a model that cannot fit in any message, before sending anything', async () => {
    const { client } = await open({ maxMessageSizeBytes: 5_000 });
    await assert.rejects(
      lastValueFrom(client.bulkWrite([insert('db.c', { s: 'x'.repeat(6_000) })])),
      MongoInvalidArgumentError,
    );
    assert.equal(bulkWrites().length, 0);
  });

  it('reads the results cursor to the end with getMore, in the same session, and keeps verbose results', async () => {
    const { client, server } = await open();
    const models: ClientBulkWriteModel[] = [
      insert('db.c', { _id: 'a' }),
      { name: 'updateOne', namespace: 'db.c', filter: { _id: 'a' }, update: { $set: { x: 1 } } },
      {
        name: 'updateOne',
        namespace: 'db.d',
        filter: { _id: 'z' },
        update: { $set: { x: 1 } },
        upsert: true,
      },
      { name: 'deleteOne', namespace: 'db.c', filter: { _id: 'a' } },
      { name: 'deleteMany', namespace: 'db.d', filter: {} },
    ];
    const result = await lastValueFrom(client.bulkWrite(models, { verboseResults: true, comment: 'c' }));
    const getMores = server.commands('getMore');
    assert.equal(getMores.length, 2, '5 results in pages of 2: firstBatch + 2 getMores');
    const [first] = bulkWrites();
    assert.equal(first.command.errorsOnly, false);
    assert.equal(first.command.comment, 'c');
    for (const g of getMores) {
      assert.equal(g.db, 'admin');
      assert.equal(g.command.collection, '$cmd.bulkWrite');
      assert.deepEqual(g.command.lsid, first.command.lsid);
    }
    assert.deepEqual(
      [
        result.insertedCount,
        result.matchedCount,
        result.modifiedCount,
        result.upsertedCount,
        result.deletedCount,
      ],
      [1, 1, 1, 1, 3],
    );
    assert.deepEqual(result.insertResults?.get(0), { insertedId: 'a' });
    assert.deepEqual(result.updateResults?.get(1), { matchedCount: 1, modifiedCount: 1 });
    assert.deepEqual(result.updateResults?.get(2), {
      matchedCount: 1,
      modifiedCount: 0,
      upsertedId: 'up2',
    });
    assert.deepEqual(result.deleteResults?.get(3), { deletedCount: 1 });
    assert.deepEqual(result.deleteResults?.get(4), { deletedCount: 2 });
  });

  it('retries a batch once after a network error, with the same txnNumber and ops', async () => {
    const { client } = await open({ maxWriteBatchSize: 2 });
    fake.override = (_r, attempt) => (attempt === 2 ? { close: true } : undefined);
    const models = Array.from({ length: 4 }, (_, i) => insert('db.c', { _id: i }));
    const result = await lastValueFrom(client.bulkWrite(models));
    assert.equal(result.insertedCount, 4);
    const sent = bulkWrites();
    assert.equal(sent.length, 3);
    assert.deepEqual(sent[2].command.txnNumber, sent[1].command.txnNumber);
    assert.deepEqual(sequence(sent[2], 'ops'), sequence(sent[1], 'ops'));
    assert.notDeepEqual(sent[1].command.txnNumber, sent[0].command.txnNumber);
  });

  it('does not retry a batch holding a multi-write; the error says what was done before it', async () => {
    const { client } = await open({ maxWriteBatchSize: 2 });
    fake.override = (_r, attempt) => (attempt === 2 ? { close: true } : undefined);
    const models: ClientBulkWriteModel[] = [
      insert('db.c', { _id: 1 }),
      insert('db.c', { _id: 2 }),
      { name: 'deleteMany', namespace: 'db.c', filter: {} },
    ];
    const error = await lastValueFrom(client.bulkWrite(models)).catch((e: unknown) => e);
    assert.ok(error instanceof ClientBulkWriteError, String(error));
    assert.ok(error.error instanceof MongoNetworkError);
    assert.equal(error.partialResult?.insertedCount, 2);
    const sent = bulkWrites();
    assert.equal(sent.length, 2);
    assert.equal(sent[1].command.txnNumber, undefined);
  });

  it('a first batch failing with nothing known gives the error as it is', async () => {
    const { client } = await open();
    fake.override = () => errorReply(13, 'not authorized');
    const error = await lastValueFrom(client.bulkWrite([insert('db.c', {})])).catch((e: unknown) => e);
    assert.ok(error instanceof MongoServerError && !(error instanceof ClientBulkWriteError));
    assert.equal(error.code, 13);
  });

  it('ordered: stops after the batch with a write error; partial result and the error by model index', async () => {
    const { client } = await open({ maxWriteBatchSize: 3 });
    const models = Array.from({ length: 6 }, (_, i) =>
      insert('db.c', i === 1 ? { _id: i, fail: 11000 } : { _id: i }),
    );
    const error = await lastValueFrom(client.bulkWrite(models, { verboseResults: true })).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof ClientBulkWriteError);
    assert.equal(bulkWrites().length, 1);
    assert.deepEqual([...error.writeErrors.keys()], [1]);
    assert.equal(error.writeErrors.get(1)?.code, 11000);
    assert.equal(error.code, 11000);
    assert.equal(error.partialResult?.insertedCount, 1);
    assert.deepEqual([...(error.partialResult?.insertResults?.keys() ?? [])], [0]);
  });

  it('unordered: runs every batch and reports each write error at its model index', async () => {
    const { client } = await open({ maxWriteBatchSize: 3 });
    const failing = new Set([1, 4]);
    const models = Array.from({ length: 6 }, (_, i) =>
      insert('db.c', failing.has(i) ? { _id: i, fail: 2 } : { _id: i }),
    );
    const error = await lastValueFrom(client.bulkWrite(models, { ordered: false })).catch((e: unknown) => e);
    assert.ok(error instanceof ClientBulkWriteError);
    assert.equal(bulkWrites().length, 2);
    assert.deepEqual([...error.writeErrors.keys()], [1, 4]);
    assert.equal(error.partialResult?.insertedCount, 4);
  });

  it('an ordered write failing at its first op reports no partial result', async () => {
    const { client } = await open();
    const error = await lastValueFrom(
      client.bulkWrite([insert('db.c', { fail: 2 }), insert('db.c', {})]),
    ).catch((e: unknown) => e);
    assert.ok(error instanceof ClientBulkWriteError);
    assert.equal(error.partialResult, undefined);
    assert.deepEqual([...error.writeErrors.keys()], [0]);
  });

  it('a write concern error does not stop later batches; the write ends in an error carrying it', async () => {
    const { client } = await open({ maxWriteBatchSize: 1 });
    fake.override = (request, attempt) => {
      if (attempt !== 1) return undefined;
      return {
        ok: 1,
        cursor: { id: Long.fromNumber(0), ns: RESULTS_NS, firstBatch: [] },
        nErrors: 0,
        nInserted: sequence(request, 'ops').length,
        writeConcernError: { code: 100, errmsg: 'wc failed' },
      };
    };
    const error = await lastValueFrom(
      client.bulkWrite([insert('db.c', {}), insert('db.c', {})], { writeConcern: { w: 2 } }),
    ).catch((e: unknown) => e);
    assert.ok(error instanceof ClientBulkWriteError);
    assert.equal(bulkWrites().length, 2);
    assert.deepEqual(bulkWrites()[0].command.writeConcern, { w: 2 });
    assert.deepEqual(error.writeConcernErrors, [{ code: 100, message: 'wc failed' }]);
    assert.equal(error.partialResult?.insertedCount, 2);
  });

  it('a failing getMore kills the results cursor and ends the write with what is known', async () => {
    const { client, server } = await open();
    fake.failGetMore = errorReply(43, 'cursor not found');
    const models = Array.from({ length: 5 }, (_, i) => insert('db.c', { _id: i }));
    const error = await lastValueFrom(client.bulkWrite(models, { verboseResults: true })).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof ClientBulkWriteError, String(error));
    assert.ok(error.error instanceof MongoServerError);
    assert.equal(error.code, 43);
    const kills = server.commands('killCursors');
    assert.equal(kills.length, 1);
    assert.equal(kills[0].db, 'admin');
    assert.equal(kills[0].command.killCursors, '$cmd.bulkWrite');
    assert.deepEqual([...(error.partialResult?.insertResults?.keys() ?? [])], [0, 1]);
  });

  it('w:0: every batch unacknowledged (moreToCome, no session), result not acknowledged', async () => {
    const { client } = await open({ maxWriteBatchSize: 2 });
    const models = Array.from({ length: 3 }, (_, i) => insert('db.c', { _id: i }));
    const result = await lastValueFrom(client.bulkWrite(models, { ordered: false, writeConcern: { w: 0 } }));
    assert.equal(result.acknowledged, false);
    assert.equal(result.insertedCount, 0);
    // prose test "MongoClient.bulkWrite with unacknowledged write concern uses w:0 for all batches"
    const sent = await waitFor(
      () => bulkWrites(),
      (s) => s.length === 2,
    );
    assert.ok(sent.every((r) => r.moreToCome && r.command.lsid === undefined));
    assert.ok(sent.every((r) => r.command.writeConcern?.w === 0 && r.command.ordered === false));
  });

  it('w:0 with ordered writes (the default) is refused before anything is sent', async () => {
    const { client } = await open();
    await assert.rejects(
      lastValueFrom(client.bulkWrite([insert('db.c', {})], { writeConcern: { w: 0 } })),
      /Cannot request unacknowledged write concern and ordered writes/,
    );
    assert.equal(bulkWrites().length, 0);
  });
});

/** Polls (by counting turns of the event loop, never by time) until `done` holds. */
async function waitFor<T>(read: () => T, done: (v: T) => boolean, turns = 10_000): Promise<T> {
  for (let i = 0; i < turns; i++) {
    const v = read();
    if (done(v)) return v;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return read();
}
