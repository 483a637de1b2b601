import type { Document, Long } from 'bson';
import { concatMap, from, Observable, reduce, type Subscription, take } from 'rxjs';
import { type ExecutionContext, runOnServer } from '../execute.js';
import {
  type CursorReply,
  type GetMoreOptions,
  getMoreOperation,
  isZeroCursorId,
  killCursorsOperation,
} from '../operations/cursor-commands.js';
import type { CommandOperation } from '../operations/operation.js';
import type { SelectedServer } from '../sdam/topology-contract.js';

/** Everything a cursor needs to (re)open itself: each subscription opens a new server cursor. */
export interface CursorSpec<T> {
  readonly ctx: ExecutionContext;
  /** The command that opens the cursor (find, aggregate, listCollections, ...). */
  readonly open: () => CommandOperation<CursorReply<T>>;
  readonly getMore: GetMoreOptions;
}

/**
 * Opens a server cursor on subscribe and emits one array per server batch, sending getMore when
 * the previous batch has been emitted. Unsubscribing with an open cursor sends killCursors once.
 */
export function cursorBatches<T>(spec: CursorSpec<T>): Observable<T[]> {
  return new Observable<T[]>((subscriber) => {
    let server: SelectedServer | undefined;
    let ns = '';
    let id: Long | bigint | number = 0;
    let inner: Subscription | undefined;
    let finished = false;

    const onReply = (reply: CursorReply<T>) => {
      ns = reply.ns || ns;
      id = reply.id;
      if (reply.batch.length > 0) subscriber.next(reply.batch);
      if (subscriber.closed) return;
      if (isZeroCursorId(id)) {
        finished = true;
        subscriber.complete();
      } else {
        next();
      }
    };
    const onError = (e: unknown) => {
      finished = true;
      subscriber.error(e);
    };
    const next = () => {
      if (!server) return;
      inner = runOnServer(spec.ctx, server, getMoreOperation<T>(ns, id, spec.getMore)).subscribe({
        next: onReply,
        error: onError,
      });
    };

    const openOp = spec.open();
    inner = spec.ctx.topology
      .selectServer({
        kind: 'read',
        readPreference: openOp.readPreference,
        operationName: openOp.commandName,
      })
      .pipe(
        take(1),
        concatMap((selected) => {
          server = selected;
          return runOnServer(spec.ctx, selected, openOp);
        }),
      )
      .subscribe({ next: onReply, error: onError });

    return () => {
      inner?.unsubscribe();
      if (!finished && server && !isZeroCursorId(id)) {
        runOnServer(spec.ctx, server, killCursorsOperation(ns, id)).subscribe({ error: () => {} });
      }
    };
  });
}

/** A cursor is an Observable of documents, plus batch and array views. */
export class AbstractCursor<T = Document> extends Observable<T> {
  protected readonly spec: CursorSpec<T>;

  constructor(spec: CursorSpec<T>) {
    super((subscriber) =>
      cursorBatches(spec)
        .pipe(concatMap((batch) => from(batch)))
        .subscribe(subscriber),
    );
    this.spec = spec;
  }

  /** One array per server batch. */
  batches(): Observable<T[]> {
    return cursorBatches(this.spec);
  }

  /** Every document, in one array, once the cursor is exhausted. */
  toArray(): Observable<T[]> {
    return cursorBatches(this.spec).pipe(
      reduce((all, batch) => {
        for (const d of batch) all.push(d);
        return all;
      }, [] as T[]),
    );
  }
}
