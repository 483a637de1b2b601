import type { Document } from 'bson';
import type { ExecutionContext } from '../execute/context.js';
import type { CursorReply } from '../operations/cursor-commands.js';
import type { CommandOperation } from '../operations/operation.js';
import {
  AbstractCursor,
  type CursorDefinition,
  type CursorHooks,
  type CursorOptions,
  cursorSettings,
} from './abstract-cursor.js';

/**
 * A cursor over any command whose reply is a cursor (listCollections, listIndexes,
 * runCursorCommand, ...): the same getMore/demand/prefetch/killCursors machinery as find and aggregate.
 */
export class CommandCursor<T = Document> extends AbstractCursor<T, CursorOptions> {
  override map<U>(fn: (doc: T) => U): CommandCursor<U> {
    return super.map(fn) as CommandCursor<U>;
  }
}

/** The definition of a command cursor: `open` builds the command; the options drive the getMores. */
export function commandCursorDefinition(
  ctx: ExecutionContext,
  dbName: string,
  open: () => CommandOperation<CursorReply<Document>>,
  options: CursorOptions = {},
  hooks: CursorHooks<CursorOptions> = {},
): CursorDefinition<CursorOptions> {
  return {
    ctx,
    dbName,
    options,
    ...hooks,
    open: () => open(),
    settings: cursorSettings,
  };
}

/** A cursor over a cursor-returning command. */
export function commandCursor<T = Document>(
  ctx: ExecutionContext,
  dbName: string,
  open: () => CommandOperation<CursorReply<Document>>,
  options: CursorOptions = {},
  hooks: CursorHooks<CursorOptions> = {},
): CommandCursor<T> {
  return new CommandCursor<T>(commandCursorDefinition(ctx, dbName, open, options, hooks));
}
