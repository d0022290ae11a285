/** One sample line of Prometheus text format: name, labels as written, value. */
interface Sample {
  name: string;
  labels: string;
  value: number;
}

// The exposition format is line-based and the few values read here need no client library.
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) out.push({ name: m[1]!, labels: m[2] ?? "", value: Number(m[3]) });
  }
  return out;
}

export interface ServerMetrics {
  /** event-loop delay over the window (prom-client resets its histogram at every scrape) */
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  /** gauges sampled in the middle of the window */
  httpConnections: number;
  heldRequests: number;
  /** HTTP responses by status class over the window, from live_http_requests_total */
  responsesByStatus: Record<string, number>;
  /** remuxer restarts and media tags dropped over the window (a starved ffmpeg is restarted) */
  ffmpegRestarts: number;
  droppedMediaTags: number;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return parse(await res.text());
}

/**
 * Reads the ingest's /metrics at the start and end of a measured window. The start scrape also
 * resets the event-loop histogram, so the end scrape covers just the window.
 */
export class MetricsWindow {
  private before: Sample[] = [];
  private middle: Sample[] = [];

  constructor(private readonly url: string) {}

  async start(): Promise<void> {
    this.before = await scrape(this.url);
  }

  async sampleGauges(): Promise<void> {
    this.middle = await scrape(this.url);
  }

  async end(): Promise<ServerMetrics> {
    const after = await scrape(this.url);
    const one = (name: string, from = after) => from.find((s) => s.name === name)?.value ?? NaN;
    const byStatus: Record<string, number> = {};
    for (const s of after.filter((x) => x.name === "live_http_requests_total")) {
      const status = /status="(\d)/.exec(s.labels)?.[1] ?? "?";
      const prev = this.before.find((b) => b.name === s.name && b.labels === s.labels)?.value ?? 0;
      byStatus[`${status}xx`] = (byStatus[`${status}xx`] ?? 0) + s.value - prev;
    }
    const delta = (name: string) =>
      after
        .filter((x) => x.name === name)
        .reduce((sum, x) => sum + x.value - (this.before.find((b) => b.name === name && b.labels === x.labels)?.value ?? 0), 0);
    return {
      ffmpegRestarts: delta("live_ffmpeg_restarts_total"),
      droppedMediaTags: delta("live_dropped_media_tags_total"),
      eventLoopLagP99Ms: one("nodejs_eventloop_lag_p99_seconds") * 1000,
      eventLoopLagMaxMs: one("nodejs_eventloop_lag_max_seconds") * 1000,
      httpConnections: one("live_http_connections", this.middle),
      heldRequests: one("live_http_held_requests", this.middle),
      responsesByStatus: byStatus,
    };
  }
}
