// Assertions of a unified test: expectError, expectEvents, outcome (unified test format,
// "expectedError", "expectedEventsForClient", "collectionData").
import type { Document } from 'bson';
import { MongoOperationTimeoutError, MongoServerError } from '../../src/index.js';
import type { EntityMap, ObservedEvent } from './entities.js';
import { assertEventFields } from './event-match.js';
import { assertMatches } from './match.js';
import { RunnerError } from './operations.js';
import { plainMaps } from './plain-maps.js';

function check(ok: boolean, msg: string): void {
  if (!ok) throw new Error(msg);
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  return `${e.name}${code !== undefined ? ` (code ${code})` : ''}: ${e.message}`;
}

function labelsOf(e: unknown): Set<string> {
  const labels = (e as { errorLabels?: unknown }).errorLabels;
  if (labels instanceof Set) return labels as Set<string>;
  return new Set(Array.isArray(labels) ? (labels as string[]) : []);
}

/** Asserts that `error` is what `expected` (an expectedError) describes. */
export function assertExpectedError(expected: Document, error: unknown, entities: EntityMap): void {
  if (error instanceof RunnerError) throw error;
  const e = error as Document;
  const what = describeError(error);
  if (expected.isClientError !== undefined) {
    check(
      expected.isClientError === !(error instanceof MongoServerError),
      `isClientError ${expected.isClientError}, got ${what}`,
    );
  }
  if (expected.isTimeoutError !== undefined) {
    check(
      expected.isTimeoutError === error instanceof MongoOperationTimeoutError,
      `isTimeoutError ${expected.isTimeoutError}, got ${what}`,
    );
  }
  if (expected.errorContains !== undefined) {
    const msg = String(e?.message ?? '').toLowerCase();
    check(
      msg.includes(String(expected.errorContains).toLowerCase()),
      `error should contain "${expected.errorContains}", got ${what}`,
    );
  }
  if (expected.errorCode !== undefined)
    check(e?.code === expected.errorCode, `errorCode ${expected.errorCode}, got ${what}`);
  if (expected.errorCodeName !== undefined) {
    check(
      e?.codeName === expected.errorCodeName,
      `errorCodeName ${expected.errorCodeName}, got ${what} (${e?.codeName})`,
    );
  }
  const labels = labelsOf(error);
  for (const l of expected.errorLabelsContain ?? [])
    check(labels.has(l), `error label ${l} missing: ${what}`);
  for (const l of expected.errorLabelsOmit ?? []) check(!labels.has(l), `error label ${l} present: ${what}`);
  if (expected.errorResponse !== undefined) {
    assertMatches(expected.errorResponse, e?.errorResponse, { entities });
  }
  if (expected.writeErrors !== undefined) {
    const byIndex: Document = {};
    // Client bulk write errors are a Map by model index; collection ones an array.
    const writeErrors = e?.writeErrors instanceof Map ? [...e.writeErrors.values()] : (e?.writeErrors ?? []);
    for (const w of writeErrors as Document[]) byIndex[String(w.index)] = w;
    for (const [index, w] of Object.entries(expected.writeErrors as Document)) {
      assertMatches(w, byIndex[index], { entities });
    }
    check(
      Object.keys(byIndex).length === Object.keys(expected.writeErrors).length,
      `writeErrors count differs: ${what}`,
    );
  }
  if (expected.writeConcernErrors !== undefined) {
    const wce = e?.writeConcernErrors ?? (e?.writeConcernError ? [e.writeConcernError] : []);
    check(wce.length === expected.writeConcernErrors.length, `writeConcernErrors count differs: ${what}`);
    expected.writeConcernErrors.forEach((w: Document, i: number) => {
      assertMatches(w, wce[i], { entities });
    });
  }
  if (expected.expectResult !== undefined) {
    assertMatches(expected.expectResult, plainMaps(e?.result ?? e?.partialResult), { entities });
  }
}

const CATEGORIES: Record<string, RegExp> = {
  command: /^command/,
  cmap: /^(pool|connection)/,
  sdam: /^(server|topology)/,
};

function assertEvent(expected: Document, actual: ObservedEvent, i: number, entities: EntityMap): void {
  const [type, fields] = Object.entries(expected)[0] as [string, Document];
  check(
    type === actual.type,
    `event ${i}: expected ${type}, got ${actual.type} ${JSON.stringify(summary(actual))}`,
  );
  assertEventFields(fields ?? {}, actual, entities);
}

function summary(o: ObservedEvent): Document {
  const e = o.event as unknown as Document;
  return e.commandName ? { commandName: e.commandName, command: e.command } : { name: e.name };
}

/** Asserts the events one expectedEventsForClient describes; waits briefly for late ones. */
export async function assertExpectedEvents(spec: Document, entities: EntityMap): Promise<void> {
  const client = entities.get(spec.client, 'client');
  const category = CATEGORIES[spec.eventType ?? 'command'];
  if (!category) throw new RunnerError(`eventType ${spec.eventType} not supported`);
  const expected: Document[] = spec.events;
  const observed = () => client.events.filter((e) => category.test(e.type));
  // A bounded number of polls for late events (no clock reading).
  for (let poll = 0; poll < 100 && observed().length < expected.length; poll++)
    await new Promise((r) => setTimeout(r, 10));
  const actual = observed();
  if (spec.ignoreExtraEvents) {
    check(
      actual.length >= expected.length,
      `expected at least ${expected.length} events, got ${actual.length}: ${JSON.stringify(actual.map(summary))}`,
    );
  } else {
    check(
      actual.length === expected.length,
      `expected ${expected.length} events, got ${actual.length}: ${JSON.stringify(actual.map(summary))}`,
    );
  }
  expected.forEach((e, i) => {
    assertEvent(e, actual[i], i, entities);
  });
}
