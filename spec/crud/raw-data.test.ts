// rawData (MongoDB 8.2+; crud.md, bulk-write.md, index-management.md): a top-level command field
// sent only when given and only to an 8.2+ server (wire 27). The unified *-rawdata.json files need
// an 8.2 server for their "with rawData" cases (FerretDB reports 7.0, so the runner skips them
// there); the second half of this file runs every case of those files through the unified
// runner's own operation handlers against a fake server that reports 8.2 (or 8.0), and matches the
// commands sent against the files' expectEvents.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Document, EJSON } from 'bson';
import { lastValueFrom } from 'rxjs';
import { runClientBulkWrite } from '../../src/client/client-bulk-write.js';
import { Collection } from '../../src/client/collection.js';
import { Db } from '../../src/client/db.js';
import type { CommandOptions } from '../../src/connection/types.js';
import { aggregateOperation } from '../../src/operations/aggregate.js';
import { bulkWrite, insertMany } from '../../src/operations/bulk-write-run.js';
import type { AnyClientBulkWriteModel } from '../../src/operations/client-bulk-write-models.js';
import { clientBulkWrite } from '../../src/operations/client-bulk-write-run.js';
import { createCollectionOperation, listCollectionsOperation } from '../../src/operations/collections.js';
import { countOperation, estimatedDocumentCountOperation } from '../../src/operations/count.js';
import { countDocumentsOperation } from '../../src/operations/count-documents.js';
import { deleteOperation } from '../../src/operations/delete.js';
import { distinctOperation } from '../../src/operations/distinct.js';
import { findOneOperation, findOperation } from '../../src/operations/find.js';
import {
  findOneAndDeleteOperation,
  findOneAndReplaceOperation,
  findOneAndUpdateOperation,
} from '../../src/operations/find-and-modify.js';
import {
  createIndexesOperation,
  dropIndexesOperation,
  listIndexesOperation,
  splitIndexOptions,
} from '../../src/operations/indexes.js';
import { insertOneOperation } from '../../src/operations/insert.js';
import type { CommandOperation, ServerInfo } from '../../src/operations/operation.js';
import { RAW_DATA_MIN_WIRE } from '../../src/operations/options.js';
import { replaceOneOperation, updateOperation } from '../../src/operations/update.js';
import { resolveSpecDir } from '../runner/spec-dir.js';
import type { ClientEntity } from '../unified/entities.js';
import { EntityMap } from '../unified/entities.js';
import { assertMatches } from '../unified/match.js';
import { type OperationContext, runOperation } from '../unified/operations.js';
import { fakeContext, fakeExecute, SERVER } from './fakes.js';

const V8_2: ServerInfo = { ...SERVER, maxWireVersion: 27 };
const V8_0: ServerInfo = { ...SERVER, maxWireVersion: 25 };

/** A reply each command accepts (empty cursors, one document written). */
function replyTo(command: Document): Document {
  switch (Object.keys(command)[0]) {
    case 'find':
    case 'aggregate':
    case 'listIndexes':
    case 'listCollections':
      return { ok: 1, cursor: { id: 0, ns: 'db.c', firstBatch: [] } };
    case 'bulkWrite':
      return {
        ok: 1,
        nErrors: 0,
        nInserted: 0,
        nUpserted: 0,
        nMatched: 0,
        nModified: 0,
        nDeleted: 0,
        cursor: { id: 0, ns: 'admin.$cmd.bulkWrite', firstBatch: [] },
      };
    case 'distinct':
      return { ok: 1, values: [] };
    case 'findAndModify':
      return { ok: 1, value: null };
    default:
      return { ok: 1, n: 1 };
  }
}

type Options = { rawData?: boolean };

/** One command-level operation: built as one command. */
const SINGLE: ReadonlyArray<[string, (o: Options) => CommandOperation<unknown>]> = [
  ['find', (o) => findOperation('db', 'c', {}, o)],
  ['findOne', (o) => findOneOperation('db', 'c', {}, o)],
  ['aggregate', (o) => aggregateOperation('db', 'c', [], o)],
  ['database aggregate', (o) => aggregateOperation('db', 1, [{ $listLocalSessions: {} }], o)],
  ['count', (o) => countOperation('db', 'c', {}, o)],
  ['countDocuments', (o) => countDocumentsOperation('db', 'c', {}, o)],
  ['estimatedDocumentCount', (o) => estimatedDocumentCountOperation('db', 'c', o)],
  ['distinct', (o) => distinctOperation('db', 'c', 'x', {}, o)],
  ['insertOne', (o) => insertOneOperation('db', 'c', { _id: 1 }, o)],
  ['updateOne', (o) => updateOperation('db', 'c', {}, { $set: { a: 1 } }, o, false)],
  ['updateMany', (o) => updateOperation('db', 'c', {}, { $set: { a: 1 } }, o, true)],
  ['replaceOne', (o) => replaceOneOperation('db', 'c', {}, { a: 1 }, o)],
  ['deleteOne', (o) => deleteOperation('db', 'c', {}, o, false)],
  ['deleteMany', (o) => deleteOperation('db', 'c', {}, o, true)],
  ['findOneAndDelete', (o) => findOneAndDeleteOperation('db', 'c', {}, o)],
  ['findOneAndReplace', (o) => findOneAndReplaceOperation('db', 'c', {}, { a: 1 }, o)],
  ['findOneAndUpdate', (o) => findOneAndUpdateOperation('db', 'c', {}, { $set: { a: 1 } }, o)],
  ['createIndexes', (o) => createIndexesOperation('db', 'c', [{ key: { x: 1 } }], o)],
  ['dropIndexes', (o) => dropIndexesOperation('db', 'c', 'x_1', o)],
  ['listIndexes', (o) => listIndexesOperation('db', 'c', o)],
  ['listCollections', (o) => listCollectionsOperation('db', {}, o)],
];

/** Operations of several commands (every one of them carries the field). */
const MULTI: ReadonlyArray<[string, (o: Options, server: ServerInfo) => Promise<Document[]>]> = [
  [
    'bulkWrite',
    async (o, server) => {
      const { execute, sent } = fakeExecute((b) => replyTo(b.command), server);
      const models = [{ insertOne: { document: { _id: 1 } } }, { deleteOne: { filter: {} } }];
      await lastValueFrom(bulkWrite(execute, 'db', 'c', models, o));
      return sent.map((b) => b.command);
    },
  ],
  [
    'insertMany',
    async (o, server) => {
      const { execute, sent } = fakeExecute((b) => replyTo(b.command), server);
      await lastValueFrom(insertMany(execute, 'db', 'c', [{ _id: 1 }, { _id: 2 }], o));
      return sent.map((b) => b.command);
    },
  ],
  [
    'client bulkWrite',
    async (o, server) => {
      const { execute, sent } = fakeExecute((b) => replyTo(b.command), server);
      const models = [
        { insertOne: { namespace: 'db.c', document: { _id: 1 } } },
        { deleteMany: { namespace: 'db.d', filter: {} } },
      ];
      await lastValueFrom(clientBulkWrite({ execute, newBatch: () => {} }, models, o));
      return sent.map((b) => b.command);
    },
  ],
];

async function commandsOf(name: string, o: Options, server: ServerInfo): Promise<Document[]> {
  const single = SINGLE.find(([n]) => n === name);
  if (single) return [single[1](o).build(server).command];
  const multi = MULTI.find(([n]) => n === name);
  assert.ok(multi, name);
  return multi[1](o, server);
}

describe('rawData on the commands (8.2+ only, only when given)', () => {
  assert.equal(RAW_DATA_MIN_WIRE, 27);
  for (const name of [...SINGLE.map(([n]) => n), ...MULTI.map(([n]) => n)]) {
    it(`${name}: sent as given to 8.2, absent when not given or before 8.2`, async () => {
      for (const command of await commandsOf(name, { rawData: true }, V8_2)) {
        assert.equal(command.rawData, true, `${name} rawData: true`);
      }
      for (const command of await commandsOf(name, { rawData: false }, V8_2)) {
        assert.equal(command.rawData, false, `${name} rawData: false`);
      }
      for (const command of await commandsOf(name, {}, V8_2)) assert.ok(!('rawData' in command), name);
      for (const server of [V8_0, SERVER]) {
        for (const command of await commandsOf(name, { rawData: true }, server)) {
          assert.ok(!('rawData' in command), `${name} on wire ${server.maxWireVersion}`);
        }
      }
    });
  }

  it('a command built once and retried on an older member loses the field (never sent before 8.2)', () => {
    const op = countDocumentsOperation('db', 'c', {}, { rawData: true });
    assert.equal(op.build(V8_2).command.rawData, true);
    assert.ok(!('rawData' in op.build(V8_0).command));
    assert.equal(op.build(V8_2).command.rawData, true);
  });

  it('createIndex: rawData is a command option, never an index option', () => {
    const { index, command } = splitIndexOptions({ rawData: true, unique: true });
    assert.deepEqual(index, { unique: true });
    assert.deepEqual(command, { rawData: true });
    const built = createIndexesOperation('db', 'c', [{ ...index, key: { x: 1 } }], command).build(V8_2);
    assert.deepEqual(built.command, {
      createIndexes: 'c',
      indexes: [{ key: { x: 1 }, name: 'x_1', unique: true }],
      rawData: true,
    });
  });

  it('createCollection does not copy rawData as a collection option', () => {
    const op = createCollectionOperation('db', 'c', { capped: true, rawData: true } as Document);
    assert.deepEqual(op.build(V8_0).command, { create: 'c', capped: true });
  });
});

// --- the unified rawdata files, through the runner's handlers -------------------------------------

const specDir = resolveSpecDir();
const FILES = ['crud/tests/unified', 'collection-management/tests', 'index-management/tests'].flatMap(
  (dir) => {
    if (!specDir) return [];
    return readdirSync(join(specDir, dir))
      .filter((f) => f.endsWith('-rawdata.json'))
      .map((f) => join(specDir, dir, f));
  },
);

/** 8.2 (wire 27) for the cases that need it, else 8.0 (wire 25: below 8.2, new enough for client bulkWrite). */
function wireFor(test: Document): number {
  const reqs: Document[] = test.runOnRequirements ?? [];
  return reqs.some((r) => typeof r.minServerVersion === 'string' && r.minServerVersion.startsWith('8.2'))
    ? 27
    : 25;
}

/** The command as command monitoring shows it: document sequences as array fields. */
function monitored(command: Document, options?: CommandOptions): Document {
  const out: Document = { ...command };
  for (const s of options?.sequences ?? []) out[s.identifier] = [...s.documents];
  return out;
}

async function runCase(file: Document, test: Document): Promise<void> {
  const { context, sent } = fakeContext((c) => replyTo(c), wireFor(test));
  const entities = new EntityMap();
  for (const item of file.createEntities as Document[]) {
    const [type, spec] = Object.entries(item)[0] as [string, Document];
    if (type === 'client') {
      const client = {
        bulkWrite: (models: AnyClientBulkWriteModel[], options: Document) =>
          runClientBulkWrite(context, models, options),
      };
      entities.set(spec.id, { kind: 'client', value: { client } as unknown as ClientEntity });
    } else if (type === 'database') {
      entities.set(spec.id, { kind: 'database', value: new Db(context, spec.databaseName) });
    } else if (type === 'collection') {
      const dbName = (file.createEntities as Document[]).find((e) => e.database?.id === spec.database)
        ?.database.databaseName;
      entities.set(spec.id, {
        kind: 'collection',
        value: new Collection(context, dbName, spec.collectionName),
      });
    }
  }
  const ctx: OperationContext = {
    entities,
    createEntities: async () => {},
    internalCommand: async () => ({ ok: 1 }),
    failPoints: [],
    runOne: async () => {},
  };
  for (const op of test.operations as Document[]) await runOperation(ctx, op);
  const expected = (test.expectEvents as Document[]).flatMap((e) => e.events as Document[]);
  assert.equal(sent.length, expected.length, 'as many commands as expected events');
  expected.forEach((event, i) => {
    const { command, commandName, databaseName } = event.commandStartedEvent as Document;
    const actual = monitored(sent[i].command, sent[i].options);
    assertMatches(command, actual);
    if (commandName !== undefined) assert.equal(Object.keys(actual)[0], commandName);
    if (databaseName !== undefined) assert.equal(sent[i].db, databaseName);
  });
}

describe('unified *-rawdata.json through the runner against a fake 8.2 / 8.0 server', () => {
  it('finds the files', { skip: specDir ? false : 'no spec tests directory' }, () => {
    assert.equal(FILES.length, 27);
  });
  for (const path of FILES) {
    const file = EJSON.parse(readFileSync(path, 'utf8'), { relaxed: false }) as Document;
    for (const test of file.tests as Document[]) {
      it(`${path.split('/').pop()}: ${test.description} (wire ${wireFor(test)})`, () => runCase(file, test));
    }
  }
});
