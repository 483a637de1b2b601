// Command monitoring events of one connection (command-logging-and-monitoring spec): started,
// then succeeded or failed, with durations on the connection's scheduler clock.
import type { Document } from 'bson';
import type { EventBus } from '../events/bus.js';
import { isSensitiveCommand, isSensitiveReply } from '../events/redact.js';
import type { SchedulerLike } from '../rx.js';
import type { DocumentSequence } from '../wire/op-msg.js';

/** The two ends of one command's events; a no-op pair when nobody listens or the command is unmonitored. */
export interface CommandEvents {
  succeeded(reply: Document): void;
  failed(failure: Error): void;
}

export const UNMONITORED: CommandEvents = { succeeded() {}, failed() {} };

/** Which connection the events come from; read when each event is built (ids change after the handshake). */
export interface CommandEventOrigin {
  readonly address: string;
  readonly connectionId: number;
  readonly serverConnectionId: number | undefined;
  readonly serviceId: unknown;
}

/** What is known of a command when it is sent. */
export interface StartedCommand {
  readonly requestId: number;
  readonly databaseName: string;
  readonly commandName: string;
  /** The command body as sent in the kind-0 section (with `$db`). */
  readonly body: Document;
  readonly sequences: readonly DocumentSequence[] | undefined;
  readonly operationId?: number;
}

export class CommandMonitor {
  constructor(
    private readonly bus: EventBus,
    private readonly clock: SchedulerLike,
    private readonly origin: () => CommandEventOrigin,
  ) {}

  /** Publishes commandStarted and returns the pair that publishes how the command ended. */
  start(command: StartedCommand): CommandEvents {
    // Built when any of the three is listened to (a listener of commandSucceeded alone included).
    const bus = this.bus;
    if (!bus.wants('commandStarted') && !bus.wants('commandSucceeded') && !bus.wants('commandFailed'))
      return UNMONITORED;
    const { requestId, databaseName, commandName, body, operationId } = command;
    const base = () => ({
      requestId,
      databaseName,
      commandName,
      ...(operationId !== undefined && { operationId }),
      ...this.origin(),
    });
    const shown = withSequences(body, command.sequences);
    this.bus.emit({
      name: 'commandStarted',
      ...base(),
      command: isSensitiveCommand(commandName, shown) ? {} : shown,
    });
    const started = this.clock.now();
    return {
      succeeded: (reply) =>
        this.bus.emit({
          name: 'commandSucceeded',
          ...base(),
          duration: this.clock.now() - started,
          reply: isSensitiveReply(commandName, body, reply) ? {} : reply,
        }),
      failed: (failure) =>
        this.bus.emit({ name: 'commandFailed', ...base(), duration: this.clock.now() - started, failure }),
    };
  }
}

/**
 * Command events show kind-1 document sequences as arrays in the command, as if they had been
 * sent in the body (command-logging-and-monitoring, "Command Started Message").
 */
function withSequences(body: Document, sequences: readonly DocumentSequence[] | undefined): Document {
  if (!sequences || sequences.length === 0) return body;
  const command: Document = { ...body };
  for (const s of sequences) command[s.identifier] = [...s.documents];
  return command;
}
