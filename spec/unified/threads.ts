// Thread entities (unified test format, "thread", runOnThread, waitForThread): a thread runs the
// operations given to it one after another, in order, concurrently with the test's own operations.
import type { Document } from 'bson';

export class ThreadEntity {
  /** The tail of the thread's queue: resolves when every operation given so far has run. */
  private tail: Promise<void> = Promise.resolve();
  /** The first failure of an operation run on the thread; reported by waitForThread. */
  private failure: unknown;

  constructor(readonly id: string) {}

  /** Queues `op`; returns at once (runOnThread does not wait for the operation). */
  run(op: Document, runOne: (op: Document) => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await runOne(op);
      } catch (e) {
        this.failure = e;
      }
    });
  }

  /** Waits for the queued operations; rethrows the first failure (waitForThread). */
  async wait(timeoutMS = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), timeoutMS);
    });
    const outcome = await Promise.race([this.tail.then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout')
      throw new Error(`waitForThread: thread ${this.id} still busy after ${timeoutMS} ms`);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Lets the queue drain when the test ends (failures already reported or ignored). */
  async settle(): Promise<void> {
    await this.tail;
  }
}

/** The thread operations of the test runner; `ctx.runOne` runs an operation with its expectations. */
export const THREAD_OPERATIONS = {
  runOnThread: async (ctx: ThreadContext, args: Document): Promise<void> => {
    const thread = ctx.thread(String(args.thread));
    if (!args.operation) throw new Error('runOnThread needs an operation');
    thread.run(args.operation as Document, ctx.runOne);
  },
  waitForThread: async (ctx: ThreadContext, args: Document): Promise<void> => {
    await ctx.thread(String(args.thread)).wait();
  },
};

export interface ThreadContext {
  readonly thread: (id: string) => ThreadEntity;
  readonly runOne: (op: Document) => Promise<void>;
}
