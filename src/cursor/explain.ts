import type { Document } from 'bson';
import { defer, type Observable } from 'rxjs';
import { type ExecutionContext, executeOperation } from '../execute.js';

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
  command: () => Document,
  verbosity: string | boolean,
  readPreference: unknown,
): Observable<Document> {
  return defer(() =>
    executeOperation<Document>(ctx, {
      commandName: 'explain',
      dbName,
      kind: 'read',
      retryable: 'read',
      readPreference,
      build: () => ({ command: { explain: command(), verbosity: explainVerbosity(verbosity) } }),
      parse: (reply) => reply,
    }),
  );
}
