import { Counter, Gauge, type Registry } from "prom-client";
import type { StreamState } from "./stream-view.js";
import type { DropReason, RestartReason } from "./remux-supervisor.js";

const STATES: readonly StreamState[] = ["offline", "live", "reconnecting", "ended"];

/** The registry's Prometheus metrics (in the app's registry, next to the HTTP ones). */
export class StreamMetrics {
  readonly publishes: Counter<"kind">;
  readonly restarts: Counter<"reason">;
  readonly dropped: Counter<"reason">;

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
    this.restarts = new Counter({
      name: "live_ffmpeg_restarts_total",
      help: "ffmpeg remuxers replaced during a publish (crash: it died or wrote bad output; backpressure: it fell behind)",
      labelNames: ["reason"],
      registers,
    });
    this.dropped = new Counter({
      name: "live_dropped_media_tags_total",
      help: "Audio/video tags not given to ffmpeg while it was replaced, up to the next keyframe (reason as for restarts: backpressure, or restart after a crash)",
      labelNames: ["reason"],
      registers,
    });
    for (const kind of ["new", "reconnect"]) this.publishes.inc({ kind }, 0);
    for (const reason of ["backpressure", "restart"] satisfies DropReason[]) this.dropped.inc({ reason }, 0);
    for (const reason of ["crash", "backpressure"] satisfies RestartReason[]) this.restarts.inc({ reason }, 0);
  }
}
