// The logger of one client (logging spec): a subscriber of the client's event bus that turns the
// events of the enabled components into structured messages. It subscribes to those events only,
// so with logging off nothing listens and emitters build nothing.

import type { Log, MongoLoggableComponent, SeverityLevel } from '../../log-options.js';
import { Subscription as RxSubscription, type Subscription } from '../../rx.js';
import type { EventBus } from '../bus.js';
import type { MongoEvent, MongoEventName } from '../types.js';
import { COMMAND_MESSAGES } from './command-messages.js';
import type { LoggerConfig } from './config.js';
import { CONNECTION_MESSAGES } from './connection-messages.js';
import { type LogSink, openSink } from './destination.js';
import type { LogData, MessageSpec, MessageTable } from './message-table.js';
import { SELECTION_MESSAGES } from './selection-messages.js';
import { enables } from './severity.js';
import { TOPOLOGY_MESSAGES } from './topology-messages.js';

const MESSAGES: MessageTable = {
  ...COMMAND_MESSAGES,
  ...CONNECTION_MESSAGES,
  ...TOPOLOGY_MESSAGES,
  ...SELECTION_MESSAGES,
};

export class MongoLogger {
  private readonly sink: LogSink;
  /** What choosing the destination warned about (an unwritable file). */
  readonly warnings: readonly string[];

  constructor(
    readonly config: LoggerConfig,
    sink?: LogSink,
  ) {
    if (sink) {
      this.sink = sink;
      this.warnings = [];
    } else {
      const opened = openSink(config.destination);
      this.sink = opened.sink;
      this.warnings = opened.warning ? [opened.warning] : [];
    }
  }

  /** Whether a message of `component` at `severity` would be written. */
  willLog(component: MongoLoggableComponent, severity: SeverityLevel): boolean {
    return enables(this.config.severities[component], severity);
  }

  /** Writes one message when its component and severity are enabled. */
  log(component: MongoLoggableComponent, severity: SeverityLevel, data: LogData): void {
    if (!this.willLog(component, severity)) return;
    this.sink.write({ t: new Date(), c: component, s: severity, ...data } as Log);
  }

  /** The events whose messages the configuration enables. */
  eventNames(): Set<MongoEventName> {
    const names = new Set<MongoEventName>();
    for (const [name, spec] of Object.entries(MESSAGES) as [MongoEventName, MessageSpec<MongoEventName>][])
      if (this.willLog(spec.component, spec.severity)) names.add(name);
    return names;
  }

  /** Logs the bus's events of the enabled components until unsubscribed (nothing when none is). */
  attach(bus: EventBus): Subscription {
    const names = this.eventNames();
    if (names.size === 0) return RxSubscription.EMPTY;
    return bus.select(names).subscribe((event) => this.logEvent(event));
  }

  /** The message of one event, stamped with the event's time. */
  logEvent(event: MongoEvent): void {
    const spec = MESSAGES[event.name] as MessageSpec<typeof event.name> | undefined;
    if (!spec || !this.willLog(spec.component, spec.severity)) return;
    const data = spec.build(event as never, this.config.maxDocumentLength);
    this.sink.write({ t: new Date(event.time), c: spec.component, s: spec.severity, ...data } as Log);
  }

  /** Releases the destination (a file descriptor); a later message opens it again. */
  close(): void {
    this.sink.close();
  }
}
