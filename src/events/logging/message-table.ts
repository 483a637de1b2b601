import type { MongoLoggableComponent, SeverityLevel } from '../../log-options.js';
import type { EventOf, MongoEventName } from '../types.js';

/** The fields of one message: the spec's `message` string and its key-value pairs (no undefined). */
export interface LogData extends Record<string, unknown> {
  readonly message: string;
}

/** How one event becomes a log message: its component, severity, and the fields built from it. */
export interface MessageSpec<N extends MongoEventName> {
  readonly component: MongoLoggableComponent;
  readonly severity: SeverityLevel;
  build(event: EventOf<N>, maxDocumentLength: number): LogData;
}

/** Event name -> message, for the events one component logs. */
export type MessageTable = { readonly [N in MongoEventName]?: MessageSpec<N> };

/** A copy of `fields` without its undefined values (logging spec, "Omitting Null Values"). */
export function defined<T extends Record<string, unknown>>(fields: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) out[k] = v;
  return out as T;
}
