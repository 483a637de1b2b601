import type { Document } from 'bson';

/** Commands whose body and reply are never published (command-logging-and-monitoring, "Security"). */
const SENSITIVE_COMMANDS = new Set([
  'authenticate',
  'saslstart',
  'saslcontinue',
  'getnonce',
  'createuser',
  'updateuser',
  'copydbgetnonce',
  'copydbsaslstart',
  'copydb',
]);
const HELLO_COMMANDS = new Set(['hello', 'ismaster']);

/**
 * True when the command's body and reply must be replaced by `{}` in events: the listed commands,
 * and hello/legacy hello when they carry speculativeAuthenticate.
 */
export function isSensitiveCommand(commandName: string, command: Document): boolean {
  const name = commandName.toLowerCase();
  if (SENSITIVE_COMMANDS.has(name)) return true;
  return HELLO_COMMANDS.has(name) && command.speculativeAuthenticate !== undefined;
}

/** Whether a reply must be redacted, given the command it answers. */
export function isSensitiveReply(commandName: string, command: Document, reply: Document): boolean {
  if (isSensitiveCommand(commandName, command)) return true;
  return HELLO_COMMANDS.has(commandName.toLowerCase()) && reply.speculativeAuthenticate !== undefined;
}
