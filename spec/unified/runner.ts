// Executes one unified test (unified test format, "Executing a Test").
import type { Document } from 'bson';
import { Collection, MongoServerError } from '../../src/index.js';
import type { CommandsOnly } from '../runner/types.js';
import { type CreateOptions, CursorEntity, type Entity, EntityMap } from './entities.js';
import { assertExpectedError, assertExpectedEvents } from './expect.js';
import { assertExpectedLogMessages, checkLoggingSchema } from './log-expect.js';
import { assertMatches } from './match.js';
import { type OperationContext, RunnerError, returnsDocuments, runOperation } from './operations.js';
import { checkSchemaVersion } from './requirements.js';
import { command, type UnifiedServer } from './server.js';

const NAMESPACE_NOT_FOUND = 26;
const MAJORITY = { w: 'majority' };

async function dropCollection(server: UnifiedServer, db: string, coll: string): Promise<void> {
  try {
    await command(server.internal, db, { drop: coll, writeConcern: MAJORITY });
  } catch (e) {
    if (!(e instanceof MongoServerError && e.code === NAMESPACE_NOT_FOUND)) throw e;
  }
}

/** initialData: drop, create (with createOptions or when empty), insert, all with the internal client. */
async function setUpCollections(server: UnifiedServer, initialData: readonly Document[]): Promise<void> {
  for (const data of initialData) {
    const { databaseName: db, collectionName: coll, documents = [], createOptions } = data;
    await dropCollection(server, db, coll);
    if (createOptions || documents.length === 0) {
      await command(server.internal, db, { create: coll, ...createOptions, writeConcern: MAJORITY });
    }
    if (documents.length > 0) {
      await command(server.internal, db, { insert: coll, documents, writeConcern: MAJORITY });
    }
  }
}

/** Databases a file names (database entities and initialData), except the server's own. */
function databasesOf(file: Document): Set<string> {
  const names = new Set<string>();
  for (const e of file.createEntities ?? []) if (e.database) names.add(e.database.databaseName);
  for (const d of file.initialData ?? []) names.add(d.databaseName);
  for (const own of ['admin', 'config', 'local']) names.delete(own);
  return names;
}

/** The file whose tests ran last on each server. */
const lastFile = new WeakMap<UnifiedServer, Document>();

/**
 * Gives each file a clean slate: when a new file starts, the databases the previous one used are
 * dropped, so a file without initialData (which the format leaves untouched) does not see
 * another file's documents.
 */
async function enterFile(server: UnifiedServer, file: Document): Promise<void> {
  const previous = lastFile.get(server);
  if (previous === file) return;
  lastFile.set(server, file);
  if (!previous) return;
  for (const db of databasesOf(previous)) {
    await command(server.internal, db, { dropDatabase: 1, writeConcern: MAJORITY });
  }
}

async function findAll(server: UnifiedServer, db: string, coll: string): Promise<Document[]> {
  const reply = await command(server.internal, db, {
    find: coll,
    filter: {},
    sort: { _id: 1 },
    batchSize: 100_000,
  });
  return reply.cursor.firstBatch;
}

async function assertOutcome(
  server: UnifiedServer,
  outcome: readonly Document[],
  entities: EntityMap,
): Promise<void> {
  for (const o of outcome) {
    const actual = await findAll(server, o.databaseName, o.collectionName);
    try {
      assertMatches(o.documents, actual, { root: false, entities });
    } catch (e) {
      throw new Error(`outcome ${o.databaseName}.${o.collectionName}: ${(e as Error).message}`);
    }
  }
}

function matchResult(op: Document, result: unknown, entities: EntityMap): void {
  const root = returnsDocuments(op.name) || !Array.isArray(result);
  try {
    assertMatches(op.expectResult, result, { root, entities });
  } catch (e) {
    throw new Error(`${op.name} result: ${(e as Error).message}`);
  }
}

/** What saveResultAsEntity stores: cursors and collection handles as such, else the BSON value. */
function entityOf(result: unknown): Entity {
  if (result instanceof CursorEntity) return { kind: 'cursor', value: result };
  if (result instanceof Collection) return { kind: 'collection', value: result };
  return { kind: 'value', value: result };
}

/**
 * Runs one operation and checks its expectations. `rethrow` (the operations of a withTransaction
 * callback): an expected or ignored error is thrown again after the check, so that
 * withTransaction sees it, as the drivers' runners do.
 */
async function runOne(ctx: OperationContext, op: Document, rethrow = false): Promise<void> {
  let result: unknown;
  try {
    result = await runOperation(ctx, op);
  } catch (e) {
    if (e instanceof RunnerError) throw e;
    if (op.expectError) {
      try {
        assertExpectedError(op.expectError, e, ctx.entities);
      } catch (mismatch) {
        throw new Error(`${op.name} error: ${(mismatch as Error).message}`, { cause: e });
      }
      if (rethrow) throw e;
      return;
    }
    if (op.ignoreResultAndError && !rethrow) return;
    throw e;
  }
  if (op.expectError) {
    throw new Error(`${op.name} should have failed (${JSON.stringify(op.expectError)}) but succeeded`);
  }
  if (op.ignoreResultAndError) return;
  if (op.expectResult !== undefined) matchResult(op, result, ctx.entities);
  if (op.saveResultAsEntity) {
    ctx.entities.set(op.saveResultAsEntity, entityOf(result));
  }
}

/**
 * Runs `test` of `file`; throws to fail. Resolves to CommandsOnly when the outcome data could not be
 * checked (the deployment cannot show committed data only), else to undefined (a full pass).
 */
export async function runUnifiedTest(
  file: Document,
  test: Document,
  server: UnifiedServer,
  options: CreateOptions = {},
): Promise<CommandsOnly | undefined> {
  let partial: CommandsOnly | undefined;
  checkSchemaVersion(file.schemaVersion);
  checkLoggingSchema(file, test);
  const entities = new EntityMap();
  const ctx: OperationContext = {
    entities,
    createEntities: (list) => entities.create(list, server.uri, options),
    internalCommand: (db, cmd) => command(server.internal, db, cmd),
    failPoints: [],
    runOne: (op, rethrow) => runOne(ctx, op, rethrow),
  };
  try {
    // Transactions a failed earlier test left open are ended first (unified format: killAllSessions).
    if (server.info.topology !== 'single')
      await command(server.internal, 'admin', { killAllSessions: [] }).catch(() => undefined);
    await enterFile(server, file);
    if (file.initialData) await setUpCollections(server, file.initialData);
    await entities.create(file.createEntities ?? [], server.uri, options);
    for (const op of test.operations ?? []) await runOne(ctx, op);
    for (const spec of test.expectEvents ?? []) await assertExpectedEvents(spec, entities);
    for (const spec of test.expectLogMessages ?? []) await assertExpectedLogMessages(spec, entities);
    if (test.outcome) {
      // Writes of transactions still open are visible at the proxy (no isolation): it hides them
      // (rolls them back) when it can; when it cannot, the outcome is unknown and not checked.
      const open = (await server.isolateOpenTransactions?.()) ?? 'none';
      if (open === 'unknown')
        partial = { commandsOnly: 'an open transaction and a write outside it touched the same collection' };
      else await assertOutcome(server, test.outcome, entities);
    }
  } finally {
    for (const fp of ctx.failPoints) {
      if (server.failPointOff) server.failPointOff(fp.name);
      else
        await command(server.internal, 'admin', { configureFailPoint: fp.name, mode: 'off' }).catch(() => {});
    }
    await entities.close();
  }
  return partial;
}
