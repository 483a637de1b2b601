import type { Document } from 'bson';

/** The command name is the first key of the command document. */
export function commandNameOf(command: Document): string {
  for (const key in command) return key;
  return '';
}
