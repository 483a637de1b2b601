import type { CommandRecord } from './types.js';

/** The records of what the proxy did (bounded), and waiters for the next matching one. */
export class CommandLog {
  readonly records: CommandRecord[] = [];
  private readonly waiters = new Set<{
    match: (r: CommandRecord) => boolean;
    resolve: (r: CommandRecord) => void;
  }>();

  constructor(private readonly max: number) {}

  add(record: CommandRecord): void {
    this.records.push(record);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
    for (const w of this.waiters) {
      if (!w.match(record)) continue;
      this.waiters.delete(w);
      w.resolve(record);
    }
  }

  next(match: (r: CommandRecord) => boolean): Promise<CommandRecord> {
    return new Promise((resolve) => this.waiters.add({ match, resolve }));
  }
}
