// Cold start in a fresh process: import the driver, connect, first ping (plain JS: no tsx).
// argv: driver ('rx' | 'official'), uri, mongorx entry (built JS). Prints one JSON line.
import { performance } from 'node:perf_hooks';

const [driver, uri, entry] = process.argv.slice(2);
const t0 = performance.now();
let importMs;
if (driver === 'rx') {
  const { MongoClient } = await import(entry);
  importMs = performance.now() - t0;
  const client = new MongoClient(uri);
  // A user who does not import rxjs: Observables are subscribable as they are.
  await new Promise((resolve, reject) =>
    client.db('admin').command({ ping: 1 }).subscribe({ next: resolve, error: reject }),
  );
} else {
  const { MongoClient } = await import('mongodb');
  importMs = performance.now() - t0;
  const client = new MongoClient(uri);
  await client.db('admin').command({ ping: 1 });
}
const totalMs = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ importMs, totalMs, sinceStartMs: performance.now() })}\n`);
process.exit(0);
