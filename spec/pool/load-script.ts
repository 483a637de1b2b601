// Child process of load.integration.test.ts: 1,000 concurrent insertOne and 1,000 concurrent
// findOne-style reads through maxPoolSize=10, then close. Prints stats as JSON and must then exit
// by itself (no socket or timer left behind).
import { performance } from 'node:perf_hooks';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import type { MongoEvent } from '../../src/index.js';
import { MongoClient } from '../../src/index.js';

const uri = process.argv[2];
const client = new MongoClient(uri.includes('?') ? `${uri}&maxPoolSize=10` : `${uri}?maxPoolSize=10`);
let open = 0;
let peakOpen = 0;
let checkedOut = 0;
let checkedIn = 0;
const app = new Set<number>();
client.events$.subscribe((e: MongoEvent) => {
  if (e.name === 'connectionCreated') {
    open++;
    peakOpen = Math.max(peakOpen, open);
    app.add(e.connectionId);
  } else if (e.name === 'connectionClosed') open--;
  else if (e.name === 'connectionCheckedOut') checkedOut++;
  else if (e.name === 'connectionCheckedIn') checkedIn++;
});
const coll = client.db(`load_${process.pid}`).collection<{ _id?: unknown; n: number }>('items');
const N = 1000;
const t0 = performance.now();
const inserted = await lastValueFrom(
  from(Array.from({ length: N }, (_, n) => n)).pipe(
    mergeMap((n) => coll.insertOne({ n }), N),
    toArray(),
  ),
);
const t1 = performance.now();
const found = await lastValueFrom(
  from(inserted).pipe(
    mergeMap((r) => coll.find({ _id: r.insertedId }, { limit: -1 }).toArray(), N),
    toArray(),
  ),
);
const t2 = performance.now();
await lastValueFrom(client.db(`load_${process.pid}`).command({ dropDatabase: 1 }));
await lastValueFrom(client.close(), { defaultValue: undefined });
console.log(
  JSON.stringify({
    inserted: inserted.length,
    found: found.filter((d) => d.length === 1).length,
    insertOpsPerSec: Math.round(N / ((t1 - t0) / 1000)),
    findOpsPerSec: Math.round(N / ((t2 - t1) / 1000)),
    peakOpen,
    openAfterClose: open,
    checkedOut,
    checkedIn,
    poolConnections: app.size,
  }),
);
