import type { Document } from 'bson';
import { catchError, defer, map, type Observable, switchMap, throwError } from 'rxjs';
import type { Connection } from './connection/types.js';
import { MongoNetworkError, MongoServerError } from './errors.js';
import type { BuiltCommand, CommandOperation, ServerInfo } from './operations/operation.js';
import type { ServerDescription } from './sdam/description/server-description.js';
import type { SelectedServer, TopologyLike } from './sdam/topology-contract.js';

/** What the execution path needs from the client: the topology and the options that decorate commands. */
export interface ExecutionContext {
  readonly topology: TopologyLike;
  readonly retryReads: boolean;
  /** Stable API fields (`apiVersion`, ...) added to every command but getMore. */
  readonly serverApiFields: Document;
  /** 0 = none. */
  readonly socketTimeoutMS: number;
}

/** Codes after which a read may be retried once (retryable-reads, "Retryable Error"). */
const RETRYABLE_READ_CODES = new Set([11600, 11602, 10107, 13435, 13436, 189, 91, 7, 6, 89, 9001, 262, 134]);

export function isRetryableReadError(error: unknown): boolean {
  if (error instanceof MongoNetworkError) return true;
  return (
    error instanceof MongoServerError && error.code !== undefined && RETRYABLE_READ_CODES.has(error.code)
  );
}

/** The limits and identity of a server as operations see them, from its description. */
export function serverInfoOf(description: ServerDescription, connection?: Connection): ServerInfo {
  const hello = connection?.hello;
  return {
    address: description.address,
    serverType: description.type,
    maxWireVersion: description.maxWireVersion || (hello?.maxWireVersion as number | undefined) || 0,
    maxBsonObjectSize:
      description.maxBsonObjectSize ?? (hello?.maxBsonObjectSize as number | undefined) ?? 16 * 1024 * 1024,
    maxMessageSizeBytes:
      description.maxMessageSizeBytes ?? (hello?.maxMessageSizeBytes as number | undefined) ?? 48_000_000,
    maxWriteBatchSize:
      description.maxWriteBatchSize ?? (hello?.maxWriteBatchSize as number | undefined) ?? 100_000,
  };
}

/**
 * The one chokepoint: select a server, check out a connection, send, parse, check in — and retry
 * a retryable read once on another selection. Cold: nothing happens before subscribe.
 */
export function executeOperation<T>(ctx: ExecutionContext, op: CommandOperation<T>): Observable<T> {
  return defer(() => {
    let lastServer: ServerDescription | undefined;
    const attempt = (deprioritized: readonly ServerDescription[]) =>
      ctx.topology
        .selectServer({
          kind: op.kind,
          readPreference: op.readPreference,
          deprioritized,
          operationName: op.commandName,
        })
        .pipe(
          switchMap((server) => {
            lastServer = server.description;
            return runOnServer(ctx, server, op);
          }),
        );
    return attempt([]).pipe(
      catchError((error: unknown) => {
        if (op.retryable === 'read' && ctx.retryReads && isRetryableReadError(error)) {
          return attempt(lastServer ? [lastServer] : []);
        }
        return throwError(() => error);
      }),
    );
  });
}

/**
 * Runs an operation on a given server (cursors pin getMore/killCursors to the server that opened
 * the cursor). The server's `withConnection` checks the connection back in on every path.
 */
export function runOnServer<T>(
  ctx: ExecutionContext,
  server: SelectedServer,
  op: CommandOperation<T>,
): Observable<T> {
  return server.withConnection((connection) =>
    defer(() => {
      const info = serverInfoOf(server.description, connection);
      const built = op.build(info);
      return sendBuilt(ctx, connection, op.dbName, built, server.description, op).pipe(
        map((reply) => op.parse(reply, info)),
      );
    }),
  );
}

function sendBuilt(
  ctx: ExecutionContext,
  connection: Connection,
  dbName: string,
  built: BuiltCommand,
  description: ServerDescription,
  op: CommandOperation<unknown>,
): Observable<Document> {
  const command = decorateCommand(built.command, op, description, ctx);
  return connection.command(dbName, command, {
    sequences: built.sequences,
    moreToCome: built.moreToCome,
    socketTimeoutMS: ctx.socketTimeoutMS,
  });
}

/** Adds the Stable API fields and `$readPreference` as the server-selection spec requires. */
export function decorateCommand(
  command: Document,
  op: CommandOperation<unknown>,
  description: ServerDescription,
  ctx: Pick<ExecutionContext, 'serverApiFields'>,
): Document {
  const out: Document = { ...command };
  if (op.commandName !== 'getMore') Object.assign(out, ctx.serverApiFields);
  const readPreference = readPreferenceDocument(op.readPreference);
  if (
    op.kind === 'read' &&
    description.type === 'Mongos' &&
    readPreference &&
    readPreference.mode !== 'primary'
  ) {
    // Mongos needs the read preference passed through (server-selection, "Passing read preference to mongos").
    out.$readPreference = readPreference;
  }
  return out;
}

function readPreferenceDocument(readPreference: unknown): Document | undefined {
  if (readPreference === undefined || readPreference === null) return undefined;
  const rp = readPreference as { toDocument?: () => Document; mode?: string };
  if (typeof rp.toDocument === 'function') return rp.toDocument();
  return typeof rp.mode === 'string' ? { mode: rp.mode } : undefined;
}
