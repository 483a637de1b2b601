// What one trial measures besides time: peak heap (sampled), peak RSS, documents held in flight.
import { performance } from 'node:perf_hooks';

/** One benchmark case, as the orchestrator asks a worker to run it. */
export interface TrialSpec {
  readonly case: string;
  readonly uri: string;
  readonly collection: string;
  /** Documents (streaming, writes) or operations (latency, concurrency). */
  readonly total: number;
  readonly batchSize: number;
}

export interface TrialResult {
  ms: number;
  /** Documents or operations done (checked against the spec's total). */
  ops: number;
  peakHeapMB: number;
  heapGrowthMB: number;
  /** Peak RSS sampled during the trial. */
  peakRssMB: number;
  /** CPU time of this process during the trial (user + system). */
  cpuMs: number;
  peakBuffered?: number;
}

const MB = 1024 * 1024;

export class Meter {
  private peakHeap = 0;
  private baseHeap = 0;
  private peakRss = 0;
  private timer: NodeJS.Timeout | undefined;
  private cpu: NodeJS.CpuUsage | undefined;
  peakBuffered = 0;
  received = 0;
  done = 0;

  start(): void {
    (globalThis as { gc?: () => void }).gc?.();
    this.received = 0;
    this.done = 0;
    this.peakBuffered = 0;
    this.baseHeap = process.memoryUsage().heapUsed;
    this.peakHeap = this.baseHeap;
    this.peakRss = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), 10);
    this.cpu = process.cpuUsage();
  }

  sample(): void {
    const h = process.memoryUsage().heapUsed;
    if (h > this.peakHeap) this.peakHeap = h;
    const r = process.memoryUsage.rss();
    if (r > this.peakRss) this.peakRss = r;
  }

  /** Called as each document starts being processed: received - finished = held in the pipeline. */
  buffered(): void {
    const b = this.received - this.done;
    if (b > this.peakBuffered) this.peakBuffered = b;
  }

  stop(ms: number, ops: number, withBuffered: boolean): TrialResult {
    const cpu = process.cpuUsage(this.cpu);
    clearInterval(this.timer);
    this.sample();
    const result: TrialResult = {
      ms,
      ops,
      peakHeapMB: this.peakHeap / MB,
      heapGrowthMB: (this.peakHeap - this.baseHeap) / MB,
      peakRssMB: this.peakRss / MB,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    if (withBuffered) result.peakBuffered = this.peakBuffered;
    return result;
  }
}

export async function timed(
  meter: Meter,
  run: () => Promise<number>,
  withBuffered = false,
): Promise<TrialResult> {
  meter.start();
  const t0 = performance.now();
  const ops = await run();
  return meter.stop(performance.now() - t0, ops, withBuffered);
}

/** Busy-waits `us` microseconds (a CPU-bound consumer). */
export function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end) {}
}

/** Resolves after about `us` microseconds without blocking (an I/O-bound consumer). */
export function pause(us: number): Promise<void> {
  const end = performance.now() + us / 1000;
  return new Promise((resolve) => {
    const check = () => (performance.now() >= end ? resolve() : setImmediate(check));
    setImmediate(check);
  });
}

/** Async work of ~0.2 ms per document, counted in the meter's buffered figure. */
export function slowWork(meter: Meter): () => Promise<void> {
  return async () => {
    meter.buffered();
    await pause(200);
    meter.done++;
  };
}
