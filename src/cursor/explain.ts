import type { Document } from 'bson';
import type { ExecutionContext } from '../execute/context.js';
import { executeOperation } from '../execute/execute-operation.js';
import type { ReadPreference } from '../read-preference.js';
import { defer, type Observable } from '../rx.js';

/** `true` means the server's richest mode, as in the official driver. */
export function explainVerbosity(verbosity: string | boolean): string {
  if (verbosity === true) return 'allPlansExecution';
  if (verbosity === false) return 'queryPlanner';
  return verbosity;
}

/** Runs `{ explain: command, verbosity }` (a cursor's query plan) and emits the server's reply. */
export function explainCommand(
  ctx: ExecutionContext,
  dbName: string,
  verbosity: string | boolean,
  target: () => { readonly command: Document; readonly readPreference?: ReadPreference },
): Observable<Document> {
  return defer(() => {
    const { command, readPreference } = target();
    return executeOperation<Document>(ctx, {
      commandName: 'explain',
      dbName,
      kind: 'read',
      retryable: 'read',
      readPreference,
      build: () => ({ command: { explain: command, verbosity: explainVerbosity(verbosity) } }),
      parse: (reply) => reply,
    });
  });
}
