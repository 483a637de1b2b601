// Unified tests that fail because a driver feature is not built yet (not a bug, not a server
// limitation). They still run: `npm run spec` counts them as failed, node:test reports them as TODO.
// Only for genuinely unbuilt features; a bug in a built feature is fixed in src/, never listed here.
import type { Limitation } from './ferretdb-limitations.js';

export const DRIVER_GAPS: readonly Limitation[] = [
  {
    uses: 'expectLogMessages',
    reason:
      'driver gap: the logging spec is not built (no log messages to check; the rest of such a test would pass and hide that)',
  },
  {
    uses: 'startTransaction',
    reason:
      'driver gap: transactions are being built on another branch (CSOT hook: ExecutionScope.inheritDeadline)',
  },
  {
    uses: 'withTransaction',
    reason:
      'driver gap: transactions are being built on another branch (CSOT hook: ExecutionScope.inheritDeadline)',
  },
  {
    // Open: the getMore is blocked 60 ms under timeoutMS 100 in ITERATION mode and the test expects
    // a timeout; not understood yet.
    reason: 'open: CSOT runCursorCommand ITERATION failure case not triaged',
    cases: [
      'runCursorCommand.json: Non-tailable cursor iteration timeoutMS is refreshed for getMore if timeoutMode is iteration - failure',
    ],
  },
  {
    uses: 'createChangeStream',
    reason: 'driver gap: change streams are not built',
  },
];
