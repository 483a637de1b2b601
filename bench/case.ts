// One benchmark case in a fresh process (so peak heap and RSS belong to it alone). Prints one
// JSON line: { ms, docs, peakHeapMB, heapGrowthMB, maxRssMB, peakBuffered? }.
import { performance } from 'node:perf_hooks';
import { deserialize } from 'bson';
import { MongoClient as OfficialClient } from 'mongodb';
import { from, lastValueFrom, mergeMap, type Observable, take } from 'rxjs';
import { MongoClient } from '../src/client/mongo-client.js';
import { mergeMapWithDemand } from '../src/cursor/demand.js';
import { BenchServer } from './wire-server.js';

export interface CaseArgs {
  readonly name: string;
  readonly uri: string;
  readonly db: string;
  readonly collection: string;
  readonly total: number;
  readonly batchSize: number;
  /** Raw decode only: reply body size to deserialize. */
  readonly rawBatch?: number;
}

export interface CaseResult {
  ms: number;
  docs: number;
  peakHeapMB: number;
  heapGrowthMB: number;
  maxRssMB: number;
  peakBuffered?: number;
}

const MB = 1024 * 1024;

/** Busy-waits `us` microseconds (a CPU-bound consumer). */
function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end) {}
}

/** Resolves after about `us` microseconds without blocking (an I/O-bound consumer). */
function pause(us: number): Promise<void> {
  const end = performance.now() + us / 1000;
  return new Promise((resolve) => {
    const check = () => (performance.now() >= end ? resolve() : setImmediate(check));
    setImmediate(check);
  });
}

class Meter {
  private peakHeap = 0;
  private baseHeap = 0;
  private timer: NodeJS.Timeout | undefined;
  peakBuffered = 0;
  received = 0;
  done = 0;

  start(): void {
    (globalThis as { gc?: () => void }).gc?.();
    // The warm-up's documents do not count.
    this.received = 0;
    this.done = 0;
    this.baseHeap = process.memoryUsage().heapUsed;
    this.peakHeap = this.baseHeap;
    this.timer = setInterval(() => this.sample(), 5);
  }

  sample(): void {
    const h = process.memoryUsage().heapUsed;
    if (h > this.peakHeap) this.peakHeap = h;
  }

  /** Called as each document starts being processed: received - finished = held in the pipeline. */
  buffered(): void {
    const b = this.received - this.done;
    if (b > this.peakBuffered) this.peakBuffered = b;
  }

  stop(ms: number, docs: number, withBuffered: boolean): CaseResult {
    clearInterval(this.timer);
    this.sample();
    const result: CaseResult = {
      ms,
      docs,
      peakHeapMB: this.peakHeap / MB,
      heapGrowthMB: (this.peakHeap - this.baseHeap) / MB,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    };
    if (withBuffered) result.peakBuffered = this.peakBuffered;
    return result;
  }
}

async function timed(meter: Meter, run: () => Promise<number>, withBuffered = false): Promise<CaseResult> {
  meter.start();
  const t0 = performance.now();
  const docs = await run();
  return meter.stop(performance.now() - t0, docs, withBuffered);
}

async function rxCase(args: CaseArgs): Promise<CaseResult> {
  const meter = new Meter();
  const client = new MongoClient(args.uri, { monitorCommands: args.name.includes('slow') });
  client.events$.subscribe((e) => {
    if (e.name === 'commandSucceeded') {
      const c = e.reply.cursor as { firstBatch?: unknown[]; nextBatch?: unknown[] } | undefined;
      meter.received += (c?.firstBatch ?? c?.nextBatch ?? []).length;
    }
  });
  const coll = client.db(args.db).collection(args.collection);
  const prefetch = args.name.endsWith('prefetch');
  const cursor = coll.find({}, { batchSize: args.batchSize, prefetch });
  // Warm-up: connect and JIT the hot path.
  await lastValueFrom(coll.find({}, { batchSize: args.batchSize }).toArray());
  let result: CaseResult;
  if (args.name === 'rx-subscribe') {
    result = await timed(meter, () => countSubscribe(cursor));
  } else if (args.name === 'rx-batches') {
    result = await timed(meter, async () => {
      let n = 0;
      await new Promise<void>((resolve, reject) =>
        cursor.batches().subscribe({ next: (b) => (n += b.length), error: reject, complete: resolve }),
      );
      return n;
    });
  } else if (args.name === 'rx-slow') {
    result = await slowConsumer(meter, (work) => cursor.pipe(mergeMapWithDemand(work, 4)));
  } else if (args.name === 'rx-watch') {
    // Change events served as pre-encoded batches (each event a ~1 KB document with an _id).
    result = await timed(meter, () =>
      countSubscribe(coll.watch([], { batchSize: args.batchSize }).pipe(take(args.total))),
    );
  } else if (args.name === 'rx-watch-slow') {
    result = await slowConsumer(meter, (work) =>
      // take() after the demand operator: piped before it, it would hide the demand channel.
      coll.watch([], { batchSize: args.batchSize }).pipe(mergeMapWithDemand(work, 4), take(args.total)),
    );
  } else {
    // rx-latency, rx-latency-prefetch: a CPU-bound consumer of ~50 us per document.
    result = await timed(meter, () =>
      countSubscribe(cursor, () => {
        spin(50);
      }),
    );
  }
  await lastValueFrom(client.close());
  return result;
}

/** ~0.2 ms of async work per document, through `pipeline` (concurrency 4). */
function slowConsumer(
  meter: Meter,
  pipeline: (work: () => Promise<void>) => Observable<void>,
): Promise<CaseResult> {
  const run = async () => {
    let n = 0;
    const work = async () => {
      meter.buffered();
      await pause(200);
      meter.done++;
      n++;
    };
    await lastValueFrom(pipeline(work), { defaultValue: undefined });
    return n;
  };
  return timed(meter, run, true);
}

function countSubscribe(cursor: Observable<unknown>, each?: () => void): Promise<number> {
  let n = 0;
  return new Promise<number>((resolve, reject) =>
    cursor.subscribe({
      next: () => {
        each?.();
        n++;
      },
      error: reject,
      complete: () => resolve(n),
    }),
  );
}

async function officialCase(args: CaseArgs): Promise<CaseResult> {
  const meter = new Meter();
  const client = new OfficialClient(args.uri, { monitorCommands: args.name.includes('slow') });
  client.on('commandSucceeded', (e) => {
    const c = (e.reply as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } }).cursor;
    meter.received += (c?.firstBatch ?? c?.nextBatch ?? []).length;
  });
  await client.connect();
  const coll = client.db(args.db).collection(args.collection);
  await coll.find({}, { batchSize: args.batchSize }).toArray();
  const cursor = () => coll.find({}, { batchSize: args.batchSize });
  let result: CaseResult;
  if (args.name === 'official-forawait') {
    result = await timed(meter, async () => {
      let n = 0;
      for await (const _ of cursor()) n++;
      return n;
    });
  } else if (args.name === 'official-toarray') {
    result = await timed(meter, async () => (await cursor().toArray()).length);
  } else if (args.name === 'official-watch') {
    result = await timed(meter, async () => {
      let n = 0;
      const stream = coll.watch([], { batchSize: args.batchSize });
      for await (const _ of stream) if (++n === args.total) break;
      await stream.close();
      return n;
    });
  } else if (args.name === 'official-slow') {
    result = await slowConsumer(meter, (work) => from(cursor()).pipe(mergeMap(work, 4)));
  } else {
    result = await timed(meter, async () => {
      let n = 0;
      for await (const _ of cursor()) {
        spin(50);
        n++;
      }
      return n;
    });
  }
  await client.close();
  return result;
}

/** The ceiling: BSON.deserialize of the same reply bodies, as many as the streaming cases decode. */
async function rawCase(args: CaseArgs): Promise<CaseResult> {
  const server = await BenchServer.start({ total: args.total });
  const body = server.replyBody(args.batchSize);
  await server.stop();
  const meter = new Meter();
  for (let i = 0; i < 5; i++) deserialize(body);
  return timed(meter, async () => {
    let n = 0;
    for (let i = 0; i < args.total / args.batchSize; i++) {
      const reply = deserialize(body) as { cursor: { nextBatch: unknown[] } };
      n += reply.cursor.nextBatch.length;
    }
    return n;
  });
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as CaseArgs;
  const run = args.name.startsWith('rx-')
    ? rxCase
    : args.name.startsWith('official-')
      ? officialCase
      : rawCase;
  const result = await run(args);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
