// Unified tests that fail because a driver feature is not built yet (not a bug, not a server
// limitation). They still run: `npm run spec` counts them as failed, node:test reports them as TODO.
// Only for genuinely unbuilt features; a bug in a built feature is fixed in src/, never listed here.
import type { Limitation } from './ferretdb-limitations.js';

export const DRIVER_GAPS: readonly Limitation[] = [
  {
    uses: 'clientBulkWrite',
    reason: 'driver gap: MongoClient.bulkWrite() (client-level bulk write, crud spec) is not built',
  },
  {
    uses: 'startTransaction',
    reason: 'driver gap: transactions are not built yet',
  },
  {
    uses: 'createChangeStream',
    reason: 'driver gap: change streams are not built',
  },
];
