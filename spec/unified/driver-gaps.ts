// Unified tests that fail because a driver feature is not built yet (not a bug, not a server
// limitation). They still run: `npm run spec` counts them as failed, node:test reports them as TODO.
// Only for genuinely unbuilt features; a bug in a built feature is fixed in src/, never listed here.
import type { Limitation } from './ferretdb-limitations.js';

export const DRIVER_GAPS: readonly Limitation[] = [];

/**
 * Cases the driver deliberately does not follow, each with why; skipped (not failed) everywhere.
 * Not gaps: building the feature as the test wants would break a rule of this driver or of the
 * spec itself (a spec test known upstream to contradict its spec).
 */
export const DRIVER_DEVIATIONS: readonly Limitation[] = [
  {
    // The getMore is blocked 60 ms under timeoutMS 100 in ITERATION mode: each next() has its own
    // 100 ms, so no timeout is due; the test expects one. Known upstream as a test that contradicts
    // the spec (DRIVERS-2965); the official Node driver skips it for that reason.
    reason:
      'spec test error (DRIVERS-2965): it expects an ITERATION-mode cursor to time out although its timeout is refreshed for each getMore, as the CSOT spec says',
    cases: [
      'runCursorCommand.json: Non-tailable cursor iteration timeoutMS is refreshed for getMore if timeoutMode is iteration - failure',
    ],
  },
  {
    reason:
      'deliberate (load-balancers "Behaviour With Cursors"): a cursor whose getMore failed with a network error gives its pinned connection back at once instead of keeping it until close(). An errored Observable has ended and for-await never calls return() after a rejected next(), so a connection kept for a close() that never comes would leak from the pool; the official Node driver and the Java reactive-streams driver skip this case for the same reason (DRIVERS-1847). After a server error the run sends killCursors on the pinned connection before releasing it, so that case passes.',
    file: /load-balancers/,
    cases: ['cursors.json: pinned connections are not returned after an network error during getMore'],
  },
];
