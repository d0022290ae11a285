import { Counter, Gauge, type Registry } from "prom-client";
import type { RouteLabel } from "./exchange.js";
import type { StreamDirectory } from "../streams/stream-view.js";
import type { ViewerCounter } from "./viewer-counter.js";

/** The HTTP server's Prometheus metrics, registered in the given registry (shared with other servers of the app). */
export class HttpMetrics {
  readonly requests: Counter<"route" | "status">;
  readonly bytes: Counter<"route">;
  readonly held: Gauge;
  readonly connections: Gauge;
  /** Labelled children, looked up once per route and status: every request records one. */
  private readonly byRouteAndStatus = new Map<string, { requests: Counter.Internal; bytes: Counter.Internal }>();

  constructor(registry: Registry, directory: StreamDirectory, viewers: ViewerCounter) {
    const registers = [registry];
    this.requests = new Counter({
      name: "live_http_requests_total",
      help: "HTTP requests answered, by route and status code",
      labelNames: ["route", "status"],
      registers,
    });
    this.bytes = new Counter({
      name: "live_http_response_bytes_total",
      help: "HTTP response body bytes sent, by route",
      labelNames: ["route"],
      registers,
    });
    this.held = new Gauge({
      name: "live_http_held_requests",
      help: "Requests held open waiting for a playlist update or a part",
      registers,
    });
    this.connections = new Gauge({
      name: "live_http_connections",
      help: "Open HTTP connections",
      registers,
    });
    new Gauge({
      name: "live_stream_viewers",
      help: "Players that sent a heartbeat in the last 30 s, by stream",
      labelNames: ["stream"],
      registers,
      collect() {
        this.reset();
        for (const view of directory.list()) this.set({ stream: view.name }, viewers.count(view.name));
      },
    });
    new Gauge({
      name: "live_stream_live",
      help: "1 while a stream has a publisher, 0 when known but not live, by stream",
      labelNames: ["stream"],
      registers,
      collect() {
        this.reset();
        for (const view of directory.list()) this.set({ stream: view.name }, view.status().live ? 1 : 0);
      },
    });
  }

  record(route: RouteLabel, status: number, bytes: number): void {
    const key = `${route} ${status}`;
    let child = this.byRouteAndStatus.get(key);
    if (!child) {
      child = { requests: this.requests.labels(route, String(status)), bytes: this.bytes.labels(route) };
      this.byRouteAndStatus.set(key, child);
    }
    child.requests.inc();
    if (bytes > 0) child.bytes.inc(bytes);
  }
}
