import type { Registry } from "prom-client";
import { send, sendError, type Exchange } from "./exchange.js";
import { cacheControl, contentTypes } from "./response-headers.js";

// Operations endpoints live outside /live, so the reverse proxy that publishes /live does not expose them.

export function handleHealthz(ex: Exchange): void {
  ex.route = "healthz";
  if (!isRead(ex)) return sendError(ex, 405, "method not allowed", { Allow: "GET, HEAD" });
  send(ex, 200, { "Content-Type": contentTypes.text, "Cache-Control": cacheControl.none }, "ok\n");
}

export async function handleMetrics(ex: Exchange, registry: Registry): Promise<void> {
  ex.route = "metrics";
  if (!isRead(ex)) return sendError(ex, 405, "method not allowed", { Allow: "GET, HEAD" });
  const text = await registry.metrics();
  send(ex, 200, { "Content-Type": registry.contentType, "Cache-Control": cacheControl.none }, text);
}

function isRead(ex: Exchange): boolean {
  return ex.req.method === "GET" || ex.req.method === "HEAD";
}
