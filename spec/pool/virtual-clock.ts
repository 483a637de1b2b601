// A manual virtual clock over RxJS's VirtualTimeScheduler: tests step time explicitly.
import { VirtualTimeScheduler } from 'rxjs';

export class VirtualClock {
  readonly scheduler = new VirtualTimeScheduler();

  constructor() {
    this.scheduler.frame = 0;
  }

  now(): number {
    return this.scheduler.frame;
  }

  /** Runs every action due up to `time` (including ones they schedule), then sets the clock there. */
  advanceTo(time: number): void {
    this.scheduler.maxFrames = time;
    this.scheduler.flush();
    this.scheduler.frame = Math.max(this.scheduler.frame, time);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.now() + ms);
  }

  /**
   * Steps from one due action to the next until `done()` holds or `deadline` passes.
   * Returns whether `done()` held.
   */
  runUntil(done: () => boolean, deadline: number): boolean {
    this.advanceTo(this.now());
    while (!done()) {
      const next = this.scheduler.actions[0];
      if (!next || next.delay > deadline) {
        this.advanceTo(deadline);
        return done();
      }
      this.advanceTo(next.delay);
    }
    return true;
  }
}
