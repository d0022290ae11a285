import type { Scheduler } from "../../../player/src/state-machine.js";

interface FakeTimer {
  id: number;
  at: number;
  callback: () => void;
}

/** A virtual clock: timers fire only when the test advances time, in due order. */
export class FakeScheduler implements Scheduler {
  now = 0;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.now + ms, callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Jitter factor exactly 1 (0.9 + 0.2 × 0.5). */
  random(): number {
    return 0.5;
  }

  pending(): number {
    return this.timers.length;
  }

  /** Delay until the next timer fires, or null. */
  nextDelay(): number | null {
    if (this.timers.length === 0) return null;
    return Math.min(...this.timers.map((timer) => timer.at)) - this.now;
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.now = due.at;
      due.callback();
    }
    this.now = end;
  }
}
