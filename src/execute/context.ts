import type { Document } from 'bson';
import { asyncScheduler, type SchedulerLike } from '../rx.js';
import type { TopologyLike } from '../sdam/topology-contract.js';
import type { ClusterClock } from './cluster-clock.js';
import { BACKPRESSURE } from './retry-rules.js';
import type { ScopeSession } from './scope.js';

/** What the execution path needs from the client: the topology and the options that decorate commands. */
export interface ExecutionContext {
  readonly topology: TopologyLike;
  /** retryReads (retryable-reads spec); default true. */
  readonly retryReads: boolean;
  /** retryWrites (retryable-writes spec); default true. Read by the retry rules once sessions exist. */
  readonly retryWrites?: boolean;
  /** Stable API fields (`apiVersion`, ...) added to every command (versioned-api spec). */
  readonly serverApiFields: Document;
  /** 0 = none. Ignored by operations that run under CSOT (`timeoutMS` set). */
  readonly socketTimeoutMS: number;
  /** The client's `timeoutMS` (CSOT), for operations run without a scope of their own; undefined = not set. */
  readonly timeoutMS?: number;
  /** The clock of deadlines (CSOT) and their timers; the topology's scheduler (asyncScheduler by default). */
  readonly scheduler?: SchedulerLike;
  /** The client's highest `$clusterTime`, gossiped on every command. */
  readonly clusterClock?: ClusterClock;
  /** client-backpressure: retries after overload errors (default 2; 0 turns them off). */
  readonly maxAdaptiveRetries?: number;
  /** client-backpressure: a retry after an overload error avoids the server that answered it. */
  readonly enableOverloadRetargeting?: boolean;
  /** The backoff jitter, in [0, 1) (Math.random by default; tests pin it). */
  readonly jitter?: () => number;
  /** A new implicit session (one per operation or cursor); absent: commands carry no lsid. */
  readonly implicitSession?: () => ScopeSession;
}

/** The clock of an execution context's deadlines. */
export function clockOf(ctx: ExecutionContext): SchedulerLike {
  return ctx.scheduler ?? asyncScheduler;
}

/** client-backpressure MAX_RETRIES as configured. */
export function maxRetriesOf(ctx: ExecutionContext): number {
  return ctx.maxAdaptiveRetries ?? BACKPRESSURE.maxRetries;
}
