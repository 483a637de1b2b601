import { averageRtt } from '../../selection/select.js';

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
