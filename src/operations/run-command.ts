import type { Document } from 'bson';
import { commandNameOf } from '../connection/command-name.js';
import type { ReadPreference } from '../read-preference.js';
import { type CursorReply, parseCursorReply } from './cursor-commands.js';
import type { CommandOperation } from './operation.js';

/** `db.command(doc)`: sent as given (run-command spec); the reply is returned whole. */
export function runCommandOperation(
  dbName: string,
  command: Document,
  options: { readPreference?: ReadPreference } = {},
): CommandOperation<Document> {
  return {
    commandName: commandNameOf(command),
    dbName,
    // run-command spec: the read preference applies, but the command is never retried.
    kind: options.readPreference ? 'read' : 'write',
    retryable: false,
    // client-backpressure: runCommand is retried on overload only when retryReads and retryWrites are on.
    overloadRetry: 'both',
    readPreference: options.readPreference,
    readPreferenceExplicit: options.readPreference !== undefined,
    build: () => ({ command }),
    parse: (reply) => reply,
  };
}

/**
 * `db.runCursorCommand(doc)`: the command as given, whose reply must be a cursor (run-command
 * spec, "runCursorCommand"); a reply without one is a client error.
 */
export function runCursorCommandOperation(
  dbName: string,
  command: Document,
  options: { readPreference?: ReadPreference } = {},
): CommandOperation<CursorReply<Document>> {
  return { ...runCommandOperation(dbName, command, options), parse: (reply) => parseCursorReply(reply) };
}
