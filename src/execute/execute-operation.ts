import type { Document } from 'bson';
import { catchError, defer, map, type Observable, of, switchMap, take, tap, throwError } from 'rxjs';
import type { Connection } from '../connection/types.js';
import { parseServerResponse } from '../errors.js';
import type { CommandOperation } from '../operations/operation.js';
import type { ServerDescription } from '../sdam/description/server-description.js';
import type { SelectedServer } from '../sdam/topology-contract.js';
import type { ExecutionContext } from './context.js';
import { decorateCommand } from './decorate.js';
import { mayRetry } from './retry-rules.js';
import { ExecutionScope } from './scope.js';
import { serverInfoOf } from './server-info.js';

/**
 * THE chokepoint: every command of the driver (find, getMore, killCursors, each batch of a bulk
 * write, ...) passes here and nowhere else. Scope -> select a server (or use the pinned one) ->
 * check out a connection (or use the pinned one) -> build -> decorate (API version, read
 * preference, session) -> send -> parse -> classify -> retry once -> check in. Cold: nothing
 * happens before subscribe; unsubscribing cancels selection and releases the connection.
 */
export function executeOperation<T>(
  ctx: ExecutionContext,
  op: CommandOperation<T>,
  scope: ExecutionScope = new ExecutionScope(),
): Observable<T> {
  return defer(() => {
    let failedOn: ServerDescription | undefined;
    let pinnedHere = false;
    const attempt = (deprioritized: readonly ServerDescription[]): Observable<T> =>
      serverFor(ctx, op, scope, deprioritized).pipe(
        tap((server) => {
          failedOn = server.description;
          if (scope.pinsServer && !scope.server) {
            scope.server = server;
            pinnedHere = true;
          }
        }),
        switchMap((server) => runOnServer(ctx, server, op, scope)),
      );
    return attempt([]).pipe(
      catchError((error: unknown) => {
        if (!mayRetry(ctx, op, error)) return throwError(() => error);
        // The retry selects again (retryable reads/writes: "a new server selection"), so a server
        // this attempt pinned is unpinned; the failed one is avoided when another qualifies.
        if (pinnedHere) scope.server = undefined;
        return attempt(failedOn ? [failedOn] : []);
      }),
    );
  });
}

/** The pinned server of the scope, or one chosen by server selection. */
function serverFor(
  ctx: ExecutionContext,
  op: CommandOperation<unknown>,
  scope: ExecutionScope,
  deprioritized: readonly ServerDescription[],
): Observable<SelectedServer> {
  if (scope.server) return of(scope.server);
  return ctx.topology
    .selectServer({
      kind: op.kind,
      readPreference: op.readPreference,
      deprioritized,
      operationName: op.commandName,
    })
    .pipe(take(1));
}

/** One attempt on one server: a checked-out connection (or the scope's pinned one). */
function runOnServer<T>(
  ctx: ExecutionContext,
  server: SelectedServer,
  op: CommandOperation<T>,
  scope: ExecutionScope,
): Observable<T> {
  const pinned = scope.connection;
  if (pinned) return defer(() => sendOn(ctx, server.description, pinned, op, scope));
  return server.withConnection((connection) =>
    defer(() => sendOn(ctx, server.description, connection, op, scope)),
  );
}

function sendOn<T>(
  ctx: ExecutionContext,
  description: ServerDescription,
  connection: Connection,
  op: CommandOperation<T>,
  scope: ExecutionScope,
): Observable<T> {
  const info = serverInfoOf(description, connection);
  const built = op.build(info);
  const command = decorateCommand(built.command, op, description, ctx);
  const session = scope.session;
  session?.applyTo(command, op, info);
  const reply$ = connection.command(op.dbName, command, {
    sequences: built.sequences,
    moreToCome: built.moreToCome,
    socketTimeoutMS: ctx.socketTimeoutMS,
  });
  const observed$: Observable<Document> = session
    ? reply$.pipe(
        tap({ next: (reply) => session.onReply(reply) }),
        catchError((error: unknown) => {
          session.onError(error);
          return throwError(() => error);
        }),
      )
    : reply$;
  return observed$.pipe(map((reply) => parseServerResponse(op.commandName, () => op.parse(reply, info))));
}
