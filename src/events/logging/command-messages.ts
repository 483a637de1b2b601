// command-logging-and-monitoring, "Log Messages": debug, component `command`.
import { isSensitiveCommand } from '../redact.js';
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent } from '../types.js';
import { addressFields, documentText, errorData, serviceIdText } from './fields.js';
import { defined, type LogData, type MessageTable } from './message-table.js';

type CommandEvent = CommandStartedEvent | CommandSucceededEvent | CommandFailedEvent;

/** The common fields, in the spec's order. */
function common(message: string, e: CommandEvent): LogData {
  return defined({
    message,
    commandName: e.commandName,
    databaseName: e.databaseName,
    requestId: e.requestId,
    operationId: e.operationId,
    driverConnectionId: e.connectionId,
    ...addressFields(e.address),
    serverConnectionId: e.serverConnectionId,
    serviceId: serviceIdText(e.serviceId),
  });
}

export const COMMAND_MESSAGES: MessageTable = {
  commandStarted: {
    component: 'command',
    severity: 'debug',
    // The event already shows a sensitive command as {} (redact.ts).
    build: (e, max) => ({ ...common('Command started', e), command: documentText(e.command, max) }),
  },
  commandSucceeded: {
    component: 'command',
    severity: 'debug',
    build: (e, max) => ({
      ...common('Command succeeded', e),
      durationMS: e.duration,
      reply: documentText(e.reply, max),
    }),
  },
  commandFailed: {
    component: 'command',
    severity: 'debug',
    build: (e, max) => ({
      ...common('Command failed', e),
      durationMS: e.duration,
      // A sensitive command's error is redacted (it may quote the command).
      failure: isSensitiveCommand(e.commandName, {}) ? {} : errorData(e.failure, max),
    }),
  },
};
