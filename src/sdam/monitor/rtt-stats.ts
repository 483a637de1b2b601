/**
 * server-selection "Calculation of Average Round Trip Times": EWMA with alpha 0.2, seeded by the
 * first sample. The monitor computes it; selection only reads `roundTripTime` from descriptions.
 */
export function averageRtt(previous: number | null | undefined, sample: number): number {
  const ALPHA = 0.2;
  return previous === null || previous === undefined ? sample : ALPHA * sample + (1 - ALPHA) * previous;
}

/** server-monitoring "Measuring RTT": the minimum is taken over the last 10 samples. */
const MIN_WINDOW = 10;

/** RTT samples of one server: exponentially weighted average and recent minimum. */
export class RttStats {
  private avg: number | null = null;
  private readonly recent: number[] = [];

  add(sample: number): void {
    const rtt = Math.max(0, sample);
    this.avg = averageRtt(this.avg, rtt);
    this.recent.push(rtt);
    if (this.recent.length > MIN_WINDOW) this.recent.shift();
  }

  average(): number | null {
    return this.avg;
  }

  /** 0 until two samples exist (server-monitoring "Measuring RTT"). */
  min(): number {
    return this.recent.length < 2 ? 0 : Math.min(...this.recent);
  }

  reset(): void {
    this.avg = null;
    this.recent.length = 0;
  }
}
