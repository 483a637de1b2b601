import type { Document } from 'bson';
import type { CursorHooks, CursorOptions } from '../cursor/abstract-cursor.js';
import { ChangeStream, type WatchOptions } from '../cursor/change-stream.js';
import { MongoInvalidArgumentError } from '../errors.js';
import { clockOf, type ExecutionContext } from '../execute/context.js';
import { executeOperation } from '../execute/execute-operation.js';
import { AGGREGATE_CONCERNS } from '../operations/aggregate.js';
import type { Execute } from '../operations/bulk-write.js';
import type { CommandOperation, ConcernNeeds } from '../operations/operation.js';
import type { ReadPreference } from '../read-preference.js';
import { Observable } from '../rx.js';
import type { ClientContext } from './client-context.js';
import {
  type InheritableOptions,
  type InheritedOptions,
  inherit,
  resolveOptions,
} from './inherited-options.js';
import {
  type CursorTimeoutOption,
  cursorTimeout,
  explicitSession,
  operationScope,
  type SessionOption,
} from './session-scope.js';
import { watchMethods } from './unsubscribed-warning.js';

/**
 * What Db and Collection share: the client context with their own inherited options, the getters
 * that expose them, and the one way they run an operation.
 */
export abstract class OptionsHolder {
  /** @internal The client's shared state (execution path, bus, sessions, inherited options). */
  protected readonly context: ClientContext;

  constructor(context: ClientContext, options: InheritableOptions | undefined) {
    this.context = { ...context, inherited: inherit(context.inherited, options) };
  }

  /** The read preference this handle gives its reads (its own, else inherited from the db or client). */
  get readPreference(): ReadPreference | undefined {
    return this.context.inherited.readPreference;
  }

  /** The write concern this handle gives its writes, as a document (its own, else inherited). */
  get writeConcern(): Document | undefined {
    return this.context.inherited.writeConcern;
  }

  /** The read concern this handle gives its reads, as a document (its own, else inherited). */
  get readConcern(): Document | undefined {
    return this.context.inherited.readConcern;
  }

  /**
   * Development safety net for Db and Collection: each named method's Observable warns when it is
   * collected unsubscribed, if the client's `warnUnsubscribed` is on (see unsubscribed-warning.ts).
   */
  protected static watchUnsubscribed(proto: OptionsHolder, className: string): void {
    watchMethods(proto, className, (holder) => holder.context.warnUnsubscribed === true);
  }

  /**
   * Runs an operation built on subscribe, so argument errors error the Observable, not the call;
   * in the session the options name (checked), or in an implicit one.
   */
  protected run<T>(options: SessionOption | undefined, build: () => CommandOperation<T>): Observable<T> {
    // One Observable rather than defer + finalize: every Db/Collection operation passes here.
    return new Observable<T>((subscriber) => {
      let end: (() => void) | undefined;
      try {
        assertOptions(options);
        const ctx = this.context.execution();
        const scoped = this.scopeOf(ctx, options);
        end = scoped.end;
        const work = executeOperation(ctx, build(), scoped.scope).subscribe(subscriber);
        return () => {
          work.unsubscribe();
          end?.();
        };
      } catch (e) {
        end?.();
        subscriber.error(e);
        return undefined;
      }
    });
  }

  /** One scope for the commands of a multi-command operation (bulk writes): one session, one deadline. */
  protected executeInScope(options: SessionOption | undefined): { execute: Execute; end: () => void } {
    assertOptions(options);
    const ctx = this.context.execution();
    const { scope, end } = this.scopeOf(ctx, options);
    return { execute: <T>(op: CommandOperation<T>): Observable<T> => executeOperation(ctx, op, scope), end };
  }

  /** The scope of one operation of this handle: its session and its deadline, started now. */
  private scopeOf(ctx: ExecutionContext, options: SessionOption | undefined) {
    return operationScope(ctx, this.context.sessions, options, this.timeoutMS, clockOf(ctx).now());
  }

  /** CSOT: the timeoutMS operations of this handle inherit (undefined: not set at any level). */
  get timeoutMS(): number | undefined {
    return this.context.inherited.timeoutMS;
  }

  /** What a cursor of this handle resolves on subscribe: inherited concerns (by `needs`) and the session. */
  protected cursorHooks<O extends object>(
    needs: ConcernNeeds | undefined,
    pipeline?: readonly Document[],
  ): CursorHooks<O> {
    return cursorHooksOf<O>(this.context, needs, pipeline);
  }

  /** A change stream on `collection` of `dbName` (1: the database; `cluster`: client.watch on admin). */
  protected changeStream<TSchema extends Document, TChange extends Document>(
    dbName: string,
    collection: string | 1,
    pipeline: Document[],
    options: WatchOptions & SessionOption,
  ): ChangeStream<TSchema, TChange> {
    return changeStreamOf(this.context, dbName, collection, pipeline, options, false);
  }

  /** For command cursors: the session of the method's own options, checked on subscribe. */
  protected sessionHook(options: SessionOption): CursorHooks<CursorOptions> {
    const sessions = this.context.sessions;
    const inherited = this.context.inherited.timeoutMS;
    return {
      session: () => {
        assertOptions(options);
        return explicitSession(sessions, options);
      },
      timeout: () => cursorTimeout(options, inherited),
    };
  }

  /** The operation's options with the concerns it takes resolved over the inherited ones. */
  protected resolve<O extends object>(options: O, needs: ConcernNeeds): O & InheritedOptions {
    return resolveOptions(this.context.inherited, options, needs);
  }
}

/** An options argument, when given, is a plain object (never null, a string, an array, ...). */
export function assertOptions(options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new MongoInvalidArgumentError('options must be an object');
  }
}

/** See OptionsHolder.cursorHooks; also for the client, which has no inherited options of its own. */
export function cursorHooksOf<O extends object>(
  context: ClientContext,
  needs: ConcernNeeds | undefined,
  pipeline?: readonly Document[],
): CursorHooks<O> {
  const inherited = context.inherited;
  const sessions = context.sessions;
  return {
    resolve: needs ? (o: O) => resolveOptions(inherited, o, needs) : undefined,
    session: (o: O) => {
      assertOptions(o);
      return explicitSession(sessions, o as SessionOption);
    },
    timeout: (o: O) => cursorTimeout(o as CursorTimeoutOption, inherited.timeoutMS, pipeline),
  };
}

/** `watch()` of a collection, a database (collection 1) or the cluster (`allChangesForCluster`). */
export function changeStreamOf<TSchema extends Document, TChange extends Document>(
  context: ClientContext,
  dbName: string,
  collection: string | 1,
  pipeline: Document[],
  options: WatchOptions & SessionOption,
  allChangesForCluster: boolean,
): ChangeStream<TSchema, TChange> {
  return new ChangeStream<TSchema, TChange>({
    ctx: context.execution(),
    dbName,
    collection,
    pipeline,
    options,
    hooks: cursorHooksOf(context, AGGREGATE_CONCERNS, pipeline),
    allChangesForCluster,
  });
}
