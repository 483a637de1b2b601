import type { Document } from 'bson';
import type { ExecutionContext } from '../execute.js';
import type { CursorReply } from '../operations/cursor-commands.js';
import type { CommandOperation } from '../operations/operation.js';
import { AbstractCursor, type CursorOptions, type CursorSpec, composeTransform } from './abstract-cursor.js';

/**
 * A cursor over any command whose reply is a cursor (listCollections, listIndexes, ...): the same
 * getMore/demand/prefetch/killCursors machinery as find and aggregate.
 */
export class CommandCursor<T = Document> extends AbstractCursor<T> {
  constructor(
    ctx: ExecutionContext,
    open: () => CommandOperation<CursorReply<Document>>,
    options: CursorOptions = {},
  ) {
    super(commandCursorSpec<T>(ctx, open, options));
  }

  override map<U>(fn: (doc: T) => U): CommandCursor<U> {
    return CommandCursor.fromSpec(composeTransform(this.spec, fn));
  }

  /** The same cursor with another batch size for its getMores. */
  batchSize(batchSize: number): CommandCursor<T> {
    return CommandCursor.fromSpec({ ...this.spec, batchSize });
  }

  private static fromSpec<U>(spec: CursorSpec<U>): CommandCursor<U> {
    const cursor = new CommandCursor<U>(spec.ctx, spec.open);
    cursor.spec = spec;
    return cursor;
  }
}

export function commandCursorSpec<T>(
  ctx: ExecutionContext,
  open: () => CommandOperation<CursorReply<Document>>,
  options: CursorOptions,
): CursorSpec<T> {
  return {
    ctx,
    open,
    batchSize: options.batchSize,
    maxAwaitTimeMS: options.maxAwaitTimeMS,
    comment: options.comment,
    prefetch: options.prefetch,
  };
}
