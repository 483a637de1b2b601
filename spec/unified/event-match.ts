// Matching one observed event against an expected one (expectEvents, waitForEvent, assertEventCount).
import type { Document } from 'bson';
import type { EntityMap, ObservedEvent } from './entities.js';
import { assertMatches, MatchError } from './match.js';

/** The fields of an observed event as the unified format names them. */
function eventFields(o: ObservedEvent): Document {
  const e = o.event as unknown as Document;
  const out: Document = { ...e };
  out.hasServiceId = e.serviceId !== undefined && e.serviceId !== null;
  out.hasServerConnectionId = e.serverConnectionId !== undefined && e.serverConnectionId !== null;
  return out;
}

/**
 * Fields whose expected value is matched as a root document (extra keys allowed): command and
 * reply documents, and the server/topology descriptions of SDAM events, of which the unified
 * format compares only the fields a test names (e.g. `newDescription: { type: Unknown }`).
 */
const ROOT_FIELDS = new Set(['command', 'reply', 'previousDescription', 'newDescription']);

export function assertEventFields(fields: Document, actual: ObservedEvent, entities?: EntityMap): void {
  const got = eventFields(actual);
  for (const [key, value] of Object.entries(fields)) {
    if (ROOT_FIELDS.has(key)) {
      assertMatches(value, got[key], { entities });
    } else {
      assertMatches({ [key]: value }, got, { entities });
    }
  }
}

/** Whether an observed event of the expected type has the expected fields (waitForEvent, assertEventCount). */
export function eventMatches(expected: Document, actual: ObservedEvent): boolean {
  const [type, fields] = Object.entries(expected)[0] as [string, Document];
  if (type !== actual.type) return false;
  try {
    assertEventFields(fields ?? {}, actual);
    return true;
  } catch (e) {
    if (e instanceof MatchError) return false;
    throw e;
  }
}
