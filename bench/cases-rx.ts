// The mongorx side of each case, for one build of the package (a worker's, or each of the two
// builds bench/versus-commit.ts runs side by side). One client per URI, connected and warmed once.
import { lastValueFrom, type Observable, take } from 'rxjs';
import type * as Mongorx from '../src/index.js';
import type { AnyBulkWriteOperation } from '../src/index.js';
import { bulkModels, clientCache, insertDocuments, SLOW_CONCURRENCY } from './cases-shared.js';
import { slowWork, spin, type TrialResult, type TrialSpec, timed } from './meter.js';

export interface Cases {
  runTrial(spec: TrialSpec): Promise<TrialResult>;
  closeAll(): Promise<void>;
}

export function rxCases(rx: typeof Mongorx): Cases {
  const { mergeMapWithDemand } = rx;

  const { clientFor, clients } = clientCache(async (uri, monitor, meter) => {
    const client = new rx.MongoClient(uri, { monitorCommands: monitor });
    // Counts documents received (slow-consumer cases: received - done = held by the pipeline).
    // Only then: a subscriber on events$ makes every event get built (the official driver's
    // listener is likewise only for command events, which it emits only with monitorCommands).
    if (monitor)
      client.events$.subscribe((e) => {
        if (e.name === 'commandSucceeded') {
          const c = e.reply.cursor as { firstBatch?: unknown[]; nextBatch?: unknown[] } | undefined;
          meter.received += (c?.firstBatch ?? c?.nextBatch ?? []).length;
        }
      });
    // Warm-up: connect and JIT the hot paths.
    const coll = client.db('bench').collection('docs1k_1000');
    await lastValueFrom(coll.find({}, { batchSize: 1000 }).toArray());
    await lastValueFrom(client.db('admin').command({ ping: 1 }));
    return client;
  });

  function count(source: Observable<unknown>, each?: () => void): Promise<number> {
    let n = 0;
    return new Promise<number>((resolve, reject) =>
      source.subscribe({
        next: () => {
          each?.();
          n++;
        },
        error: reject,
        complete: () => resolve(n),
      }),
    );
  }

  async function forAwait(source: AsyncIterable<unknown>, each?: () => void): Promise<number> {
    let n = 0;
    for await (const _ of source) {
      each?.();
      n++;
    }
    return n;
  }

  async function runTrial(spec: TrialSpec): Promise<TrialResult> {
    const { client, meter } = await clientFor(spec.uri, spec.case.includes('slow'));
    const coll = client.db('bench').collection(spec.collection);
    const find = (options: { raw?: boolean; prefetch?: boolean } = {}) =>
      coll.find({}, { batchSize: spec.batchSize, ...options });
    switch (spec.case) {
      case 'subscribe':
        return timed(meter, () => count(find()));
      case 'forawait':
        return timed(meter, () => forAwait(find()));
      case 'toarray':
        return timed(meter, async () => (await lastValueFrom(find().toArray())).length);
      case 'raw-subscribe':
        return timed(meter, () => count(find({ raw: true })));
      case 'raw-forawait':
        return timed(meter, () => forAwait(find({ raw: true })));
      case 'insertMany': {
        const docs = insertDocuments(spec.total);
        return timed(meter, async () => (await lastValueFrom(coll.insertMany(docs))).insertedCount);
      }
      case 'bulkWrite': {
        const models = bulkModels(spec.total) as AnyBulkWriteOperation[];
        return timed(meter, async () => {
          const r = await lastValueFrom(coll.bulkWrite(models));
          return r.insertedCount + r.matchedCount + r.deletedCount;
        });
      }
      case 'updateMany':
        return timed(meter, async () => {
          for (let i = 0; i < spec.total; i++) await lastValueFrom(coll.updateMany({}, { $set: { n: i } }));
          return spec.total;
        });
      case 'ping': {
        const admin = client.db('admin');
        return timed(meter, async () => {
          for (let i = 0; i < spec.total; i++) await lastValueFrom(admin.command({ ping: 1 }));
          return spec.total;
        });
      }
      case 'findOne':
        return timed(meter, async () => {
          for (let i = 0; i < spec.total; i++) await lastValueFrom(coll.findOne({ _id: 1 }));
          return spec.total;
        });
      case 'concurrent': {
        const admin = client.db('admin');
        return timed(meter, async () => {
          await Promise.all(
            Array.from({ length: spec.total }, () => lastValueFrom(admin.command({ ping: 1 }))),
          );
          return spec.total;
        });
      }
      case 'slow':
        return timed(
          meter,
          () => count(find().pipe(mergeMapWithDemand(slowWork(meter), SLOW_CONCURRENCY))),
          true,
        );
      case 'latency':
        return timed(meter, () => count(find(), () => spin(50)));
      case 'latency-prefetch':
        return timed(meter, () => count(find({ prefetch: true }), () => spin(50)));
      case 'watch':
        return timed(meter, () =>
          count(coll.watch([], { batchSize: spec.batchSize }).pipe(take(spec.total))),
        );
      case 'watch-slow':
        // take() after the demand operator: piped before it, it would hide the demand channel.
        return timed(
          meter,
          () =>
            count(
              coll
                .watch([], { batchSize: spec.batchSize })
                .pipe(mergeMapWithDemand(slowWork(meter), SLOW_CONCURRENCY), take(spec.total)),
            ),
          true,
        );
      default:
        throw new Error(`mongorx has no case ${spec.case}`);
    }
  }

  async function closeAll(): Promise<void> {
    for (const { client } of clients()) await lastValueFrom(client.close(), { defaultValue: undefined });
  }

  return { runTrial, closeAll };
}
