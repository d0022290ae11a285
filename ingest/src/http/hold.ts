import type { LiveStreamView } from "./stream-directory.js";

export type HoldOutcome = "ready" | "timeout" | "aborted";

/**
 * Holds a request until `condition()` is true: checked now and after every media change of `view`.
 * Ends with "timeout" after `timeoutMs`, or "aborted" when `signal` aborts (client gone, server closing).
 */
export function holdUntil(
  view: LiveStreamView,
  condition: () => boolean,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HoldOutcome> {
  if (condition()) return Promise.resolve("ready");
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: HoldOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const onAbort = () => finish("aborted");
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    const unsubscribe = view.onChange(() => {
      if (condition()) finish("ready");
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
