// What mongorx uses of rxjs, imported from rxjs's own modules rather than its index: the index
// loads all of rxjs (~200 modules), which was most of mongorx's import time (issue 17, cold
// start). The paths are rxjs 7's exported `./internal/*` modules, the very files its index
// re-exports, so these are the same classes and functions users get from 'rxjs'.

export type {
  MonoTypeOperatorFunction,
  ObservableInput,
  OperatorFunction,
  SchedulerLike,
  TeardownLogic,
} from 'rxjs';
export { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
export { lastValueFrom } from 'rxjs/internal/lastValueFrom';
export { Observable } from 'rxjs/internal/Observable';
export { concat } from 'rxjs/internal/observable/concat';
export { defer } from 'rxjs/internal/observable/defer';
export { EMPTY } from 'rxjs/internal/observable/empty';
export { from } from 'rxjs/internal/observable/from';
export { of } from 'rxjs/internal/observable/of';
export { race } from 'rxjs/internal/observable/race';
export { throwError } from 'rxjs/internal/observable/throwError';
export { timer } from 'rxjs/internal/observable/timer';
export { zip } from 'rxjs/internal/observable/zip';
export { bufferCount } from 'rxjs/internal/operators/bufferCount';
export { catchError } from 'rxjs/internal/operators/catchError';
export { concatMap } from 'rxjs/internal/operators/concatMap';
export { defaultIfEmpty } from 'rxjs/internal/operators/defaultIfEmpty';
export { exhaustMap } from 'rxjs/internal/operators/exhaustMap';
export { expand } from 'rxjs/internal/operators/expand';
export { filter } from 'rxjs/internal/operators/filter';
export { finalize } from 'rxjs/internal/operators/finalize';
export { ignoreElements } from 'rxjs/internal/operators/ignoreElements';
export { map } from 'rxjs/internal/operators/map';
export { mergeMap } from 'rxjs/internal/operators/mergeMap';
export { reduce } from 'rxjs/internal/operators/reduce';
export { share } from 'rxjs/internal/operators/share';
export { shareReplay } from 'rxjs/internal/operators/shareReplay';
export { switchMap } from 'rxjs/internal/operators/switchMap';
export { take } from 'rxjs/internal/operators/take';
export { takeLast } from 'rxjs/internal/operators/takeLast';
export { tap } from 'rxjs/internal/operators/tap';
export { timeout } from 'rxjs/internal/operators/timeout';
export { toArray } from 'rxjs/internal/operators/toArray';
export { Subject } from 'rxjs/internal/Subject';
export { Subscriber } from 'rxjs/internal/Subscriber';
export { Subscription } from 'rxjs/internal/Subscription';
export { asyncScheduler } from 'rxjs/internal/scheduler/async';
