// Blocking playlist requests held until the part or segment they ask for exists (RFC 8216bis 6.2.5.2),
// bounded in number and time. The packager decides what is ready; this only holds and releases.

export type WaitResult = "ready" | "timeout" | "ended";

/** The part (or, with `part` undefined, the whole segment) a request waits for. */
export interface WaitTarget {
  msn: number;
  part: number | undefined;
}

interface Waiter extends WaitTarget {
  resolve: (result: WaitResult) => void;
  timer: NodeJS.Timeout;
}

export interface BlockingWaitersOptions {
  /** Concurrent waits; more resolve "timeout" at once. */
  maxWaiters: number;
  /** Upper bound for any wait, ms. */
  maxWaitMs: number;
}

export class BlockingWaiters {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly options: BlockingWaitersOptions) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Holds a request for `target` until `release` settles it, `timeoutMs` passes (capped), `signal` aborts, or at once when full. */
  wait(target: WaitTarget, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    if (this.waiters.size >= this.options.maxWaiters || signal?.aborted) return Promise.resolve("timeout");
    return new Promise((resolve) => {
      const waiter: Waiter = {
        ...target,
        resolve,
        timer: setTimeout(() => this.settle(waiter, "timeout"), Math.max(0, Math.min(timeoutMs, this.options.maxWaitMs))),
      };
      this.waiters.add(waiter);
      signal?.addEventListener("abort", () => this.settle(waiter, "timeout"), { once: true });
    });
  }

  /** Settles every waiter for which `decide` returns a result; the others keep waiting. */
  release(decide: (target: WaitTarget) => WaitResult | null): void {
    for (const waiter of this.waiters) {
      const result = decide(waiter);
      if (result) this.settle(waiter, result);
    }
  }

  private settle(waiter: Waiter, result: WaitResult): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.resolve(result);
  }
}
