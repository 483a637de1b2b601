import type { Document } from 'bson';
import { clockOf, type ExecutionContext } from '../execute/context.js';
import { executeOperation } from '../execute/execute-operation.js';
import { ExecutionScope } from '../execute/scope.js';
import { endSessionsOperation } from '../operations/end-sessions.js';
import { catchError, concat, defer, ignoreElements, type Observable, of } from '../rx.js';

/**
 * How long close() gives its endSessions commands in all (server selection included) when the
 * client's timeoutMS does not say less. The sessions spec ignores their errors and sets no limit;
 * a server that does not answer must not hold close() (the server expires the sessions itself).
 */
export const END_SESSIONS_BOUND_MS = 1_000;

/**
 * sessions spec, "When a MongoClient is closed": one `endSessions` per batch of pooled server
 * session ids, errors ignored, all under one deadline (the client's timeoutMS when it is shorter
 * than END_SESSIONS_BOUND_MS) on the context's scheduler; an expired command's connection is closed
 * as CSOT expiry does. Completes once every batch answered, failed or ran out of time.
 */
export function endServerSessions(
  ctx: ExecutionContext,
  batches: readonly (readonly Document[])[],
): Observable<void> {
  return defer(() => {
    if (batches.length === 0) return of(undefined);
    const own = ctx.timeoutMS;
    const bound = own !== undefined && own > 0 ? Math.min(own, END_SESSIONS_BOUND_MS) : END_SESSIONS_BOUND_MS;
    // maxTimeMS: false: the command goes as the spec writes it; the bound is the driver's.
    const scope = new ExecutionScope({ timeoutMS: bound, maxTimeMS: false });
    scope.startDeadline(clockOf(ctx).now());
    return concat(
      ...batches.map((ids) =>
        executeOperation(ctx, endSessionsOperation(ids), scope).pipe(catchError(() => of(undefined))),
      ),
    ).pipe(ignoreElements());
  });
}
