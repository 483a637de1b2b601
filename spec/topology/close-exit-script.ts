// Child process of close-resources.test.ts: its only work is the driver. It starts a find that the
// server never answers, closes the client once the find is sent, prints what it saw, and must then
// exit by itself (no process.exit): nothing of the driver may keep the event loop alive.
import { filter, take } from 'rxjs';
import { MongoClient } from '../../src/index.js';

const uri = process.argv[2];
const client = new MongoClient(`${uri}/?replicaSet=rs&serverMonitoringMode=stream&heartbeatFrequencyMS=500`);
let findOutcome = 'pending';
client.events$
  .pipe(
    filter((e) => e.name === 'commandStarted' && e.commandName === 'find'),
    take(1),
  )
  .subscribe(() => {
    // Not from inside the event: commandStarted is published while the command is being sent.
    setImmediate(() => close());
  });

function close(): void {
  client.close().subscribe({
    complete: () => {
      const resources = process.getActiveResourcesInfo();
      process.stdout.write(`${JSON.stringify({ findOutcome, resources })}\n`);
    },
  });
}
client
  .db('d')
  .collection('c')
  .find({})
  .toArray()
  .subscribe({
    next: () => {
      findOutcome = 'documents';
    },
    error: (e: Error) => {
      findOutcome = e.name;
    },
  });
