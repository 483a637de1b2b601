// Network faults of one member, applied at its client sockets (hellos and commands alike, as a
// real network would). Each fault stays until lifted.
import type { MemberFaults } from './types.js';

export type FaultKind = 'freeze' | 'dropAfterBytes' | 'delay' | 'corrupt' | 'reset' | 'wrongResponseTo';

/** What faults need from each client connection of the member. */
export interface FaultableConnection {
  pause(): void;
  resume(): void;
  /** TCP RST and destroy. */
  reset(): void;
  /** Cut the connection once it has sent this many more bytes (undefined: no limit). */
  setByteBudget(bytes: number | undefined): void;
}

export class Faults implements MemberFaults {
  private readonly on = new Set<FaultKind>();
  private thawed: Promise<void> = Promise.resolve();
  private thaw: () => void = () => {};
  private delay = 0;
  private delayLifted = new AbortController();
  private corruption = { offset: 21, xor: 0xff };
  private dropBytes: number | undefined;

  constructor(private readonly connections: () => Iterable<FaultableConnection>) {}

  get active(): readonly FaultKind[] {
    return [...this.on];
  }

  freeze(): void {
    if (this.on.has('freeze')) return;
    this.on.add('freeze');
    this.thawed = new Promise((resolve) => {
      this.thaw = resolve;
    });
    for (const c of this.connections()) c.pause();
  }

  dropAfterBytes(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes < 0)
      throw new RangeError('dropAfterBytes: bytes must be an integer >= 0');
    this.on.add('dropAfterBytes');
    this.dropBytes = bytes;
    for (const c of this.connections()) c.setByteBudget(bytes);
  }

  delayReplies(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('delayReplies: ms must be >= 0');
    this.on.add('delay');
    this.delay = ms;
  }

  corruptReplies(options: { offset?: number; xor?: number } = {}): void {
    this.on.add('corrupt');
    this.corruption = { offset: options.offset ?? 21, xor: options.xor ?? 0xff };
  }

  reset(): void {
    this.on.add('reset');
    for (const c of [...this.connections()]) c.reset();
  }

  wrongResponseTo(): void {
    this.on.add('wrongResponseTo');
  }

  lift(kind?: FaultKind): void {
    const kinds = kind ? [kind] : [...this.on];
    for (const k of kinds) {
      if (!this.on.delete(k)) continue;
      if (k === 'freeze') {
        this.thaw();
        for (const c of this.connections()) c.resume();
      } else if (k === 'dropAfterBytes') {
        this.dropBytes = undefined;
        for (const c of this.connections()) c.setByteBudget(undefined);
      } else if (k === 'delay') {
        this.delay = 0;
        this.delayLifted.abort();
        this.delayLifted = new AbortController();
      }
    }
  }

  // --- used by the member's connections ---

  /** A new connection: reset at once while `reset` is on; otherwise take the current faults. */
  admit(conn: FaultableConnection): boolean {
    if (this.on.has('reset')) {
      conn.reset();
      return false;
    }
    if (this.on.has('freeze')) conn.pause();
    if (this.dropBytes !== undefined) conn.setByteBudget(this.dropBytes);
    return true;
  }

  /** Resolves when no freeze holds replies back. */
  whenThawed(): Promise<void> {
    return this.thawed;
  }

  get frozen(): boolean {
    return this.on.has('freeze');
  }

  get replyDelayMS(): number {
    return this.delay;
  }

  /** Aborts when the delay is lifted: replies waiting out a delay then go at once. */
  get delayLiftedSignal(): AbortSignal {
    return this.delayLifted.signal;
  }

  /** The reply frame as the faulty network delivers it (a copy when changed). */
  transform(frame: Buffer): Buffer {
    const corrupt = this.on.has('corrupt') && this.corruption.offset < frame.length;
    if (!corrupt && !this.on.has('wrongResponseTo')) return frame;
    const out = Buffer.from(frame);
    if (this.on.has('wrongResponseTo')) out.writeInt32LE((out.readInt32LE(8) + 1_000_000) | 0, 8);
    if (corrupt) out[this.corruption.offset]! ^= this.corruption.xor;
    return out;
  }
}
