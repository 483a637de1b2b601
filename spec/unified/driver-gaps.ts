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
    // FerretDB 1.24's hello reports logicalSessionTimeoutMinutes: 30, so the sessions spec requires
    // an implicit lsid on these commands; src/session/ is still empty.
    reason: 'driver gap: sessions are not built, so commands carry no implicit lsid (sessions spec)',
    cases: [
      'runCommand.json: always attaches $db and implicit lsid to given command and omits default readPreference',
      'runCursorCommand.json: creates an implicit session that is reused across getMores',
      'runCursorCommand.json: supports configuring getMore batchSize',
      'runCursorCommand.json: supports configuring getMore maxTimeMS',
      'entity-commandCursor.json: runCursorCommand creates and exhausts cursor by running getMores',
      "entity-commandCursor.json: createCommandCursor's cursor can be closed and will perform a killCursors operation",
      'poc-sessions.json: Server supports implicit sessions',
    ],
  },
  {
    uses: 'createChangeStream',
    reason: 'driver gap: change streams are not built',
  },
];
