// What the proxy tests read from the ingest besides HTTP (the test ingest, publisher and until() are
// the ingest e2e support's: tests/ingest/e2e/support.ts).
import type { RunningIngest } from "../../../ingest/src/app.js";

/** Requests the ingest answered, by route, from its own metrics registry (no HTTP request needed). */
export async function originRequests(ingest: RunningIngest): Promise<Record<string, number>> {
  const metric = ingest.metricsRegistry.getSingleMetric("live_http_requests_total");
  if (!metric) throw new Error("live_http_requests_total is not registered");
  const counts: Record<string, number> = {};
  for (const { labels, value } of (await metric.get()).values) {
    const route = String(labels.route);
    counts[route] = (counts[route] ?? 0) + value;
  }
  return counts;
}
