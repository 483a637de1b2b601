// The official driver's side of each case, written the way its documentation recommends.
import { type AnyBulkWriteOperation, type Document, MongoClient } from 'mongodb';
import { from, lastValueFrom, mergeMap } from 'rxjs';
import { bulkModels, clientCache, insertDocuments, SLOW_CONCURRENCY } from './cases-shared.js';
import { slowWork, spin, type TrialResult, type TrialSpec, timed } from './meter.js';

const { clientFor, clients } = clientCache(async (uri, monitor, meter) => {
  const client = new MongoClient(uri, { monitorCommands: monitor });
  client.on('commandSucceeded', (e) => {
    const c = (e.reply as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } }).cursor;
    meter.received += (c?.firstBatch ?? c?.nextBatch ?? []).length;
  });
  await client.connect();
  await client.db('bench').collection('docs1k_1000').find({}, { batchSize: 1000 }).toArray();
  await client.db('admin').command({ ping: 1 });
  return client;
});

async function forAwait(source: AsyncIterable<unknown>, each?: () => void): Promise<number> {
  let n = 0;
  for await (const _ of source) {
    each?.();
    n++;
  }
  return n;
}

function streamCount(stream: NodeJS.ReadableStream): Promise<number> {
  let n = 0;
  return new Promise((resolve, reject) => {
    stream.on('data', () => n++);
    stream.on('error', reject);
    stream.on('end', () => resolve(n));
  });
}

/**
 * The official driver's best bounded pattern: `for await` feeding at most `limit` concurrent
 * tasks (it waits for one to finish before pulling the next document).
 */
async function boundedPool(
  source: AsyncIterable<unknown>,
  work: () => Promise<void>,
  limit: number,
): Promise<number> {
  const running = new Set<Promise<void>>();
  let n = 0;
  for await (const _ of source) {
    const task: Promise<void> = work().then(() => {
      running.delete(task);
    });
    running.add(task);
    n++;
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  return n;
}

export async function runTrial(spec: TrialSpec): Promise<TrialResult> {
  const { client, meter } = await clientFor(spec.uri, spec.case.includes('slow'));
  const coll = client.db('bench').collection(spec.collection);
  const find = (options: { raw?: boolean } = {}) => coll.find({}, { batchSize: spec.batchSize, ...options });
  switch (spec.case) {
    case 'subscribe':
      return timed(meter, () => streamCount(find().stream()));
    case 'forawait':
      return timed(meter, () => forAwait(find()));
    case 'toarray':
      return timed(meter, async () => (await find().toArray()).length);
    case 'raw-subscribe':
      return timed(meter, () => streamCount(find({ raw: true }).stream()));
    case 'raw-forawait':
      return timed(meter, () => forAwait(find({ raw: true })));
    case 'insertMany': {
      const docs = insertDocuments(spec.total);
      return timed(meter, async () => (await coll.insertMany(docs)).insertedCount);
    }
    case 'bulkWrite': {
      const models = bulkModels(spec.total) as AnyBulkWriteOperation<Document>[];
      return timed(meter, async () => {
        const r = await coll.bulkWrite(models);
        return r.insertedCount + r.matchedCount + r.deletedCount;
      });
    }
    case 'updateMany':
      return timed(meter, async () => {
        for (let i = 0; i < spec.total; i++) await coll.updateMany({}, { $set: { n: i } });
        return spec.total;
      });
    case 'ping': {
      const admin = client.db('admin');
      return timed(meter, async () => {
        for (let i = 0; i < spec.total; i++) await admin.command({ ping: 1 });
        return spec.total;
      });
    }
    case 'findOne':
      return timed(meter, async () => {
        for (let i = 0; i < spec.total; i++) await coll.findOne({ _id: 1 } as Document);
        return spec.total;
      });
    case 'concurrent': {
      const admin = client.db('admin');
      return timed(meter, async () => {
        await Promise.all(Array.from({ length: spec.total }, () => admin.command({ ping: 1 })));
        return spec.total;
      });
    }
    case 'slow':
      return timed(meter, () => boundedPool(find(), slowWork(meter), SLOW_CONCURRENCY), true);
    case 'slow-from':
      return timed(
        meter,
        async () => {
          let n = 0;
          const work = slowWork(meter);
          await lastValueFrom(
            from(find()).pipe(
              mergeMap(async () => {
                await work();
                n++;
              }, SLOW_CONCURRENCY),
            ),
            { defaultValue: undefined },
          );
          return n;
        },
        true,
      );
    case 'latency':
      return timed(meter, () => forAwait(find(), () => spin(50)));
    case 'watch':
      return timed(meter, async () => {
        let n = 0;
        const stream = coll.watch([], { batchSize: spec.batchSize });
        for await (const _ of stream) if (++n === spec.total) break;
        await stream.close();
        return n;
      });
    default:
      throw new Error(`the official driver has no case ${spec.case}`);
  }
}

export async function closeAll(): Promise<void> {
  for (const { client } of clients()) await client.close();
}
