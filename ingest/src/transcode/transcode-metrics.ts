// Prometheus metrics of the renditions (in the app's registry): how many are in each state, and how often a
// transcoder had to be restarted, and why.
import { Counter, Gauge, type Registry } from "prom-client";

const STATES = ["waiting", "starting", "running", "restarting", "dropped"] as const;
export type TranscoderFailure = "exit" | "behind";

export class TranscodeMetrics {
  readonly failures: Counter<"reason">;

  constructor(registry: Registry, states: () => Iterable<string>) {
    const registers = [registry];
    new Gauge({
      name: "live_renditions",
      help: "Transcoded renditions of the streams, by state (dropped: given up, the source plays on)",
      labelNames: ["state"],
      registers,
      collect() {
        const counts = new Map<string, number>(STATES.map((s) => [s, 0]));
        for (const state of states()) counts.set(state, (counts.get(state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    this.failures = new Counter({
      name: "live_transcoder_failures_total",
      help: "Transcoders that failed and were restarted or dropped (exit: crashed or unreadable output; behind: fell behind real time)",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of ["exit", "behind"] satisfies TranscoderFailure[]) this.failures.inc({ reason }, 0);
  }
}
