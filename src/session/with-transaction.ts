import {
  MongoError,
  MongoOperationTimeoutError,
  MongoServerError,
  TRANSIENT_TRANSACTION_ERROR,
  UNKNOWN_TRANSACTION_COMMIT_RESULT,
} from '../errors.js';
import { ExecutionScope } from '../execute/scope.js';
import {
  catchError,
  defer,
  EMPTY,
  finalize,
  from,
  map,
  mergeMap,
  type Observable,
  type ObservableInput,
  of,
  reduce,
  switchMap,
  tap,
  throwError,
} from '../rx.js';
import { isActive, type TransactionOptions, type TransactionState } from './transaction.js';

/** Options of `withTransaction`: the transaction's, and CSOT's timeoutMS for the whole call. */
export interface WithTransactionOptions extends TransactionOptions {
  /** CSOT: the whole call (every attempt, commit retries included) ends within it; 0 = no limit. */
  readonly timeoutMS?: number;
}

/** transactions-convenient-api: retries stop once this much time passed since the call started. */
export const WITH_TRANSACTION_TIME_LIMIT_MS = 120_000;

/** What the loop needs of a session (ClientSession implements it). */
export interface TransactionHost {
  readonly defaultTimeoutMS: number | undefined;
  withTransactionScope: ExecutionScope | undefined;
  readonly transactionState: TransactionState;
  readonly owner: { now(): number };
  startTransaction(options?: TransactionOptions): void;
  commitWith(scope: ExecutionScope): Observable<void>;
  abortTransaction(options?: { readonly timeoutMS?: number }): Observable<void>;
  ownScope(): ExecutionScope;
}

type Last<T> = { readonly has: false } | { readonly has: true; readonly value: T };

const hasLabel = (error: unknown, label: string) => error instanceof MongoError && error.hasErrorLabel(label);
const MAX_TIME_MS_EXPIRED = 50;

/** A commit that failed on MaxTimeMSExpired (also as a write concern error) is not retried. */
function maxTimeExpired(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === MAX_TIME_MS_EXPIRED;
}

/**
 * The convenient-API loop ("Sequence of Actions") as one cold Observable: callback, then commit;
 * a TransientTransactionError (of the callback or the commit) runs the whole transaction again,
 * an UnknownTransactionCommitResult commits again, until the time limit. The first error past it
 * reaches the subscriber as it is.
 */
export function withTransactionLoop<S extends TransactionHost, T>(
  session: S,
  fn: (session: S) => ObservableInput<T>,
  options: WithTransactionOptions = {},
): Observable<T> {
  return defer(() => {
    const { timeoutMS: given, ...transactionOptions } = options;
    const timeoutMS = given ?? session.defaultTimeoutMS;
    const started = session.owner.now();
    // CSOT: one deadline for the whole call, shared by every commit (the callback's operations take
    // their own timeoutMS as given to them).
    const shared = new ExecutionScope({ session: undefined, timeoutMS });
    shared.startDeadline(started);
    const limit = shared.deadline !== undefined ? shared.deadline : started + WITH_TRANSACTION_TIME_LIMIT_MS;
    const withinLimit = () => session.owner.now() < limit;
    const csot = timeoutMS !== undefined && timeoutMS > 0;
    // CSOT: a retryable error past the deadline surfaces as a timeout, caused by that error.
    const past = (error: unknown) =>
      csot &&
      !withinLimit() &&
      (hasLabel(error, TRANSIENT_TRANSACTION_ERROR) || hasLabel(error, UNKNOWN_TRANSACTION_COMMIT_RESULT))
        ? new MongoOperationTimeoutError(`withTransaction timed out after ${timeoutMS} ms`, { cause: error })
        : error;
    const commitScope = () => {
      const scope = session.ownScope();
      if (timeoutMS !== undefined) scope.inheritDeadline(shared);
      return scope;
    };

    const commit = (): Observable<'committed' | 'again'> =>
      session.commitWith(commitScope()).pipe(
        map(() => 'committed' as const),
        catchError((error: unknown) => {
          if (withinLimit() && !maxTimeExpired(error) && hasLabel(error, UNKNOWN_TRANSACTION_COMMIT_RESULT))
            return commit();
          if (withinLimit() && hasLabel(error, TRANSIENT_TRANSACTION_ERROR)) return of('again' as const);
          return throwError(() => past(error));
        }),
      );

    const attempt = (): Observable<Last<T>> =>
      defer(() => {
        session.startTransaction(transactionOptions);
        return from(fn(session)).pipe(
          reduce<T, Last<T>>((_last, value) => ({ has: true, value }), { has: false }),
          map((last) => ({ kind: 'done' as const, last })),
          catchError((error: unknown) => {
            // The callback failed: abort what it left open (CSOT: a fresh timeoutMS), then retry or fail.
            const abort = isActive(session.transactionState)
              ? session.abortTransaction({ timeoutMS })
              : of(undefined);
            return abort.pipe(
              switchMap(() =>
                withinLimit() && hasLabel(error, TRANSIENT_TRANSACTION_ERROR)
                  ? of({ kind: 'again' as const })
                  : throwError(() => past(error)),
              ),
            );
          }),
          switchMap((step) => {
            if (step.kind === 'again') return attempt();
            // The callback committed or aborted by itself: its result stands.
            if (!isActive(session.transactionState)) return of(step.last);
            return commit().pipe(switchMap((c) => (c === 'again' ? attempt() : of(step.last))));
          }),
        );
      });

    let settled = false;
    if (timeoutMS !== undefined) session.withTransactionScope = shared;
    return attempt().pipe(
      tap({ complete: () => (settled = true), error: () => (settled = true) }),
      // Unsubscribed before the end: the callback's commands are cancelled first (the source is torn
      // down before this runs), then the open transaction is aborted; nothing follows the abort.
      finalize(() => {
        if (session.withTransactionScope === shared) session.withTransactionScope = undefined;
        if (!settled && isActive(session.transactionState))
          session.abortTransaction({ timeoutMS }).subscribe({ error: () => {} });
      }),
      mergeMap((last) => (last.has ? of(last.value) : EMPTY)),
    );
  });
}
