// The CSOT unified tests play with real milliseconds (a 60 ms block against a 100 ms timeout):
// on a machine whose cores are busy, scheduling jitter alone eats such margins. The runner
// stretches every duration of those tests by one factor (MONGORX_CSOT_TIME_SCALE, default 3), so
// each rule is checked with the same ratios and wider margins; 1 runs the values as published.
// Applied in memory, to the test as loaded: the spec files are read in place and never changed.
import type { Document } from 'bson';

/** Keys whose number is a duration (operation arguments, URI options, fail point data, expectations). */
const DURATION_KEYS = new Set([
  'timeoutMS',
  'blockTimeMS',
  'socketTimeoutMS',
  'maxTimeMS',
  'maxAwaitTimeMS',
  'maxCommitTimeMS',
  'defaultTimeoutMS',
  'waitQueueTimeoutMS',
  'awaitMinPoolSizeMS',
  'ms',
]);

export function csotTimeScale(): number {
  const raw = process.env.MONGORX_CSOT_TIME_SCALE;
  const k = raw === undefined ? 3 : Number(raw);
  return Number.isFinite(k) && k >= 1 ? k : 1;
}

/**
 * The factor for one test. "succeeds after one socket timeout" (retryability-legacy-timeouts) gives
 * the retry, on a fresh connection (connect, handshake, command), only one socketTimeoutMS to finish:
 * on a loaded machine 300 ms was not always enough, so those cases get a wider stretch.
 */
export function csotTimeScaleFor(path: string, description: string, k = csotTimeScale()): number {
  const retryInsideOneSocketTimeout =
    path.endsWith('retryability-legacy-timeouts.json') &&
    description.includes('succeeds after one socket timeout');
  return retryInsideOneSocketTimeout && k > 1 ? Math.max(k, 10) : k;
}

/** A copy of `value` with every duration multiplied by `k` (`maxTimeMS: {$$lte: n}` included). */
export function scaleDurations<T>(value: T, k: number): T {
  if (k === 1) return value;
  const visit = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'number') return key !== undefined && DURATION_KEYS.has(key) ? v * k : v;
    if (Array.isArray(v)) return v.map((x) => visit(x, undefined));
    if (v === null || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return v;
    const out: Document = {};
    for (const [name, inner] of Object.entries(v as Document)) {
      // An operator under a duration key ($$lte: 450) is a duration too.
      const durationKey = name.startsWith('$$') && key !== undefined && DURATION_KEYS.has(key) ? key : name;
      out[name] = visit(inner, durationKey);
    }
    return out;
  };
  return visit(value, undefined) as T;
}
