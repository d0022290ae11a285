import { Counter, Gauge, type Registry } from "prom-client";
import type { StreamState } from "./stream-view.js";
import type { CodecConfigProblem } from "../mp4/codec-config-error.js";

const STATES: readonly StreamState[] = ["offline", "live", "reconnecting", "ended"];

/** The registry's Prometheus metrics (in the app's registry, next to the HTTP ones). */
export class StreamMetrics {
  readonly publishes: Counter<"kind">;
  readonly timestampJumps: Counter;
  readonly refused: Counter<"problem">;

  constructor(registry: Registry, states: () => Iterable<StreamState>) {
    const registers = [registry];
    new Gauge({
      name: "live_streams",
      help: "Streams the registry knows, by state (offline = publisher attached, no media yet)",
      labelNames: ["state"],
      registers,
      collect() {
        const counts = new Map(STATES.map((s) => [s, 0]));
        for (const state of states()) counts.set(state, counts.get(state)! + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    this.publishes = new Counter({
      name: "live_publishes_total",
      help: "Publishes attached to a stream (kind: new stream, or reconnect within the grace period)",
      labelNames: ["kind"],
      registers,
    });
    this.timestampJumps = new Counter({
      name: "live_timestamp_jumps_total",
      help: "Publisher timestamps that jumped (either way) during a publish: each is an EXT-X-DISCONTINUITY",
      registers,
    });
    this.refused = new Counter({
      name: "live_refused_publishes_total",
      help: "Publishes refused for their codec configuration (invalid: does not parse; unsupported: browsers cannot play it)",
      labelNames: ["problem"],
      registers,
    });
    for (const kind of ["new", "reconnect"]) this.publishes.inc({ kind }, 0);
    for (const problem of ["invalid", "unsupported"] satisfies CodecConfigProblem[]) this.refused.inc({ problem }, 0);
  }
}
