// `npm run demo`: starts a local FerretDB, inserts documents and reads them back through an RxJS
// pipeline, printing each step, then stops the server.
import { filter, from, lastValueFrom, map, mergeMap, reduce, tap, toArray } from 'rxjs';
import { startFerretDB } from '../spec/support/ferretdb.js';
import { MongoClient } from '../src/index.js';

interface Reading {
  sensor: string;
  celsius: number;
  at: Date;
}

const server = await startFerretDB();
console.log(`started FerretDB at ${server.uri}`);
const client = new MongoClient(server.uri, { appName: 'mongorx-demo' });
try {
  const readings = client.db('demo').collection<Reading>('readings');
  const sensors = ['north', 'south', 'east', 'west'];
  const docs: Reading[] = Array.from({ length: 40 }, (_, i) => ({
    sensor: sensors[i % sensors.length],
    celsius: Math.round((15 + 10 * Math.sin(i / 3)) * 10) / 10,
    at: new Date(Date.UTC(2026, 10, 26, 12, i)),
  }));

  // Insert with bounded concurrency: each insertOne is a cold Observable.
  const inserted = await lastValueFrom(
    from(docs).pipe(
      mergeMap((doc) => readings.insertOne(doc), 4),
      toArray(),
    ),
  );
  console.log(`inserted ${inserted.length} readings`);

  // Read them back as a stream, filter and aggregate in the pipeline.
  const summary = await lastValueFrom(
    readings.find({}, { sort: { at: 1 }, batchSize: 10 }).pipe(
      filter((r) => r.celsius > 20),
      tap((r) =>
        console.log(`  warm: ${r.sensor.padEnd(5)} ${r.celsius.toFixed(1)} °C at ${r.at.toISOString()}`),
      ),
      reduce((acc, r) => acc.set(r.sensor, (acc.get(r.sensor) ?? 0) + 1), new Map<string, number>()),
    ),
  );
  console.log('warm readings per sensor:', Object.fromEntries(summary));

  // One batch at a time.
  const sizes = await lastValueFrom(
    readings
      .find({}, { batchSize: 15 })
      .batches()
      .pipe(
        map((b) => b.length),
        toArray(),
      ),
  );
  console.log(`server batches of a batchSize 15 cursor: ${sizes.join(', ')}`);

  const reply = await lastValueFrom(client.db('demo').command({ ping: 1 }));
  console.log('ping:', reply.ok === 1 ? 'ok' : reply);
} finally {
  await lastValueFrom(client.close(), { defaultValue: undefined });
  await server.stop();
  console.log('stopped FerretDB');
}
