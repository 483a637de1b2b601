import { clockOf } from '../execute/context.js';
import { executeOperation } from '../execute/execute-operation.js';
import { ExecutionScope } from '../execute/scope.js';
import type {
  AnyClientBulkWriteModel,
  ClientBulkWriteOptions,
} from '../operations/client-bulk-write-models.js';
import type { ClientBulkWriteResult } from '../operations/client-bulk-write-results.js';
import { clientBulkWrite } from '../operations/client-bulk-write-run.js';
import type { CommandOperation } from '../operations/operation.js';
import { WRITE_CONCERNS } from '../operations/operation.js';
import { defer, finalize, type Observable } from '../rx.js';
import type { ClientContext } from './client-context.js';
import { resolveOptions } from './inherited-options.js';
import { assertOptions } from './options-holder.js';
import { explicitSession, operationTimeoutMS, type SessionOption } from './session-scope.js';

/**
 * MongoClient.bulkWrite: one scope for every command of the call (one session, one deadline); it
 * pins the server each batch runs on so the batch's getMores and killCursors go there, and each new
 * batch selects again. The client's write concern, BSON options and id settings are inherited.
 */
export function runClientBulkWrite(
  context: ClientContext,
  models: readonly AnyClientBulkWriteModel[],
  options: ClientBulkWriteOptions & SessionOption = {},
): Observable<ClientBulkWriteResult> {
  return defer(() => {
    assertOptions(options);
    const ctx = context.execution();
    const session = explicitSession(context.sessions, options);
    const scope = new ExecutionScope({
      pinsServer: true,
      session: session ?? ctx.implicitSession?.(),
      timeoutMS: operationTimeoutMS(options, context.inherited.timeoutMS),
    });
    scope.startDeadline(clockOf(ctx).now());
    const { pkFactory, forceServerObjectId } = context.inherited;
    const resolved = resolveOptions(context.inherited, options, WRITE_CONCERNS);
    const execution = {
      execute: <T>(op: CommandOperation<T>): Observable<T> => executeOperation(ctx, op, scope),
      newBatch: () => {
        scope.server = undefined;
      },
    };
    return clientBulkWrite(execution, models, {
      ...resolved,
      pkFactory: options.pkFactory ?? pkFactory,
      forceServerObjectId: options.forceServerObjectId ?? forceServerObjectId,
    }).pipe(finalize(() => (session ? undefined : scope.session?.done())));
  });
}
