// expectLogMessages (unified test format, "expectedLogMessagesForClient", "expectedLogMessage"):
// the messages a client entity collected through its observeLogMessages destination.
import type { Document } from 'bson';
import { parseSeverity } from '../../src/events/logging/severity.js';
import type { Log } from '../../src/index.js';
import type { EntityMap } from './entities.js';
import { assertMatches, MatchError } from './match.js';
import { RunnerError } from './operations.js';

const COMPONENTS = new Set(['command', 'topology', 'serverSelection', 'connection']);
const MESSAGE_KEYS = new Set(['level', 'component', 'data', 'failureIsRedacted']);
const CLIENT_KEYS = new Set(['client', 'messages', 'ignoreMessages', 'ignoreExtraMessages']);

/** A log message's key-value pairs, as the format's `data` names them. */
function dataOf(log: Log): Document {
  const { t: _t, c: _c, s: _s, ...data } = log;
  return data;
}

/** Throws RunnerError for an expectedLogMessage the format does not allow (the invalid/ tests). */
export function checkExpectedLogMessage(expected: unknown): asserts expected is Document {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected))
    throw new RunnerError('expectedLogMessage must be an object');
  const e = expected as Document;
  for (const key of Object.keys(e))
    if (!MESSAGE_KEYS.has(key)) throw new RunnerError(`expectedLogMessage: unknown key ${key}`);
  // One of the spec's level names, exactly (`off` is no message's level).
  if (typeof e.level !== 'string' || parseSeverity(e.level) !== e.level || e.level === 'off')
    throw new RunnerError(`expectedLogMessage: bad level ${e.level}`);
  if (typeof e.component !== 'string' || !COMPONENTS.has(e.component))
    throw new RunnerError(`expectedLogMessage: bad component ${e.component}`);
  if (e.data === null || typeof e.data !== 'object' || Array.isArray(e.data))
    throw new RunnerError('expectedLogMessage: data must be an object');
  if (e.failureIsRedacted !== undefined && typeof e.failureIsRedacted !== 'boolean')
    throw new RunnerError('expectedLogMessage: failureIsRedacted must be a boolean');
}

/** Throws RunnerError for an expectedLogMessagesForClient the format does not allow. */
export function checkExpectedLogMessages(spec: unknown): asserts spec is Document {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new RunnerError('expectedLogMessagesForClient must be an object');
  const s = spec as Document;
  for (const key of Object.keys(s))
    if (!CLIENT_KEYS.has(key)) throw new RunnerError(`expectedLogMessagesForClient: unknown key ${key}`);
  if (typeof s.client !== 'string')
    throw new RunnerError('expectedLogMessagesForClient: client must be a string');
  if (!Array.isArray(s.messages))
    throw new RunnerError('expectedLogMessagesForClient: messages must be an array');
  for (const m of s.messages) checkExpectedLogMessage(m);
  if (s.ignoreMessages !== undefined) {
    if (!Array.isArray(s.ignoreMessages))
      throw new RunnerError('expectedLogMessagesForClient: ignoreMessages must be an array');
    for (const m of s.ignoreMessages) checkExpectedLogMessage(m);
  }
  if (s.ignoreExtraMessages !== undefined && typeof s.ignoreExtraMessages !== 'boolean')
    throw new RunnerError('expectedLogMessagesForClient: ignoreExtraMessages must be a boolean');
}

/** Throws (MatchError) unless `log` is the message `expected` describes. */
function assertLog(expected: Document, log: Log, entities: EntityMap): void {
  if (log.s !== expected.level) throw new MatchError(`level: expected ${expected.level}, got ${log.s}`);
  if (log.c !== expected.component)
    throw new MatchError(`component: expected ${expected.component}, got ${log.c}`);
  const data = dataOf(log);
  assertMatches(expected.data, data, { root: true, entities });
  if (expected.failureIsRedacted !== undefined) {
    const failure = data.failure;
    if (failure === undefined) throw new MatchError('failureIsRedacted: the message has no failure');
    // A redacted failure is an empty document (events/logging/command-messages.ts).
    const redacted = typeof failure === 'object' && failure !== null && Object.keys(failure).length === 0;
    if (redacted !== expected.failureIsRedacted)
      throw new MatchError(`failure ${redacted ? 'is' : 'is not'} redacted: ${JSON.stringify(failure)}`);
  }
}

function logMatches(expected: Document, log: Log, entities: EntityMap): boolean {
  try {
    assertLog(expected, log, entities);
    return true;
  } catch (e) {
    if (e instanceof MatchError) return false;
    throw e;
  }
}

function summary(logs: readonly Log[]): string {
  return JSON.stringify(logs.map((l) => `${l.c}/${l.s}: ${l.message}`));
}

/** Asserts the messages of one expectedLogMessagesForClient; waits briefly for late ones. */
export async function assertExpectedLogMessages(spec: Document, entities: EntityMap): Promise<void> {
  checkExpectedLogMessages(spec);
  const client = entities.get(spec.client, 'client');
  const expected: Document[] = spec.messages;
  const ignored: Document[] = spec.ignoreMessages ?? [];
  const observed = () => client.logs.filter((log) => !ignored.some((i) => logMatches(i, log, entities)));
  // A bounded number of polls for late messages (no clock reading).
  for (let poll = 0; poll < 100 && observed().length < expected.length; poll++)
    await new Promise((r) => setTimeout(r, 10));
  const actual = observed();
  const countOk = spec.ignoreExtraMessages
    ? actual.length >= expected.length
    : actual.length === expected.length;
  if (!countOk)
    throw new Error(
      `expected ${spec.ignoreExtraMessages ? 'at least ' : ''}${expected.length} log messages, got ${actual.length}: ${summary(actual)}`,
    );
  expected.forEach((e, i) => {
    try {
      assertLog(e, actual[i] as Log, entities);
    } catch (err) {
      throw new Error(
        `log message ${i} (${e.data?.message}): ${(err as Error).message}; got ${summary(actual)}`,
      );
    }
  });
}

/** Throws RunnerError for an observeLogMessages the format does not allow. */
function checkObserveLogMessages(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new RunnerError('observeLogMessages must be an object');
  const entries = Object.entries(value);
  if (entries.length === 0) throw new RunnerError('observeLogMessages must name a component');
  for (const [component, level] of entries) {
    if (!COMPONENTS.has(component))
      throw new RunnerError(`observeLogMessages: unknown component ${component}`);
    if (typeof level !== 'string' || parseSeverity(level) !== level)
      throw new RunnerError(`observeLogMessages.${component}: bad level ${JSON.stringify(level)}`);
  }
}

/**
 * The logging parts of the format's schema, checked before a test runs (the invalid/ files that
 * are about logging must be refused): observeLogMessages of every client entity, and
 * expectLogMessages (a non-empty array of valid expectedLogMessagesForClient).
 */
export function checkLoggingSchema(file: Document, test: Document): void {
  const entities: unknown[] = [...(file.createEntities ?? [])];
  for (const op of test.operations ?? [])
    if (op?.name === 'createEntities') entities.push(...(op.arguments?.entities ?? []));
  for (const e of entities) {
    const client = (e as Document | null)?.client as Document | undefined;
    if (client && 'observeLogMessages' in client) checkObserveLogMessages(client.observeLogMessages);
  }
  const expected: unknown = test.expectLogMessages;
  if (expected === undefined) return;
  if (!Array.isArray(expected) || expected.length === 0)
    throw new RunnerError('expectLogMessages must be a non-empty array');
  for (const spec of expected) checkExpectedLogMessages(spec);
}
