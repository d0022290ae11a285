import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import rangeParser from "range-parser";
import { cacheControl, contentTypes } from "./response-headers.js";

/** Metric label of the route that answered. */
export type RouteLabel =
  | "playlist"
  | "init"
  | "segment"
  | "part"
  | "status"
  | "status_all"
  | "viewers"
  | "preview"
  | "player_js"
  | "preview_js"
  | "redirect"
  | "recordings"
  | "recording_playlist"
  | "recording_media"
  | "recording_download"
  | "preflight"
  | "auth"
  | "healthz"
  | "metrics"
  | "not_found";

/** One request and its response, with what the metrics need to know. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  route: RouteLabel;
  /** Body bytes sent. */
  bytes: number;
  /** Aborted when the client goes away or the server closes. */
  signal: AbortSignal;
  /**
   * Headers every response of this exchange carries (nosniff, CORS on /live, Connection: close while
   * closing), merged into the one writeHead: no setHeader() per request, which kept Node off its fast path.
   */
  baseHeaders: OutgoingHttpHeaders;
  /**
   * The response belongs to a members-only stream: its `public` Cache-Control becomes `private`, so no
   * shared cache (Varnish, nginx, a CDN) stores it for viewers without a session.
   */
  cachePrivately?: boolean;
}

/** Sends a whole response; HEAD gets the same headers without the body. */
export function send(ex: Exchange, status: number, headers: OutgoingHttpHeaders, body?: string | Uint8Array): void {
  const bytes = body === undefined ? undefined : typeof body === "string" ? Buffer.from(body, "utf8") : body;
  ex.res.writeHead(status, { ...ex.baseHeaders, ...cacheScope(ex, headers), "Content-Length": bytes?.length ?? 0 });
  if (ex.req.method === "HEAD" || bytes === undefined || bytes.length === 0) {
    ex.res.end();
    return;
  }
  ex.res.end(bytes);
  ex.bytes += bytes.length;
}

/** The response's headers, with `public` caching made `private` for a members-only stream. */
export function cacheScope(ex: Exchange, headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const cache = headers["Cache-Control"];
  if (!ex.cachePrivately || typeof cache !== "string" || !cache.startsWith("public")) return headers;
  return { ...headers, "Cache-Control": `private${cache.slice("public".length)}` };
}

/** Short text error, never a stack trace; errors are not cached. */
export function sendError(ex: Exchange, status: number, message: string, headers: OutgoingHttpHeaders = {}): void {
  send(ex, status, { "Content-Type": contentTypes.text, "Cache-Control": cacheControl.none, ...headers }, `${message}\n`);
}

/**
 * Sends init/part/segment bytes, honouring a single-range `Range: bytes=` request (206, or 416 when
 * unsatisfiable). Multiple ranges, other units, malformed headers and any If-Range (we keep no validators)
 * get the whole body, as RFC 9110 allows.
 */
export function sendMedia(ex: Exchange, bytes: Uint8Array, headers: OutgoingHttpHeaders): void {
  const all = { ...headers, "Accept-Ranges": "bytes" };
  const header = ex.req.headers.range;
  if (header === undefined || ex.req.headers["if-range"] !== undefined) return send(ex, 200, all, bytes);
  const ranges = rangeParser(bytes.length, header, { combine: true });
  if (ranges === -1) {
    return sendError(ex, 416, "range not satisfiable", { "Accept-Ranges": "bytes", "Content-Range": `bytes */${bytes.length}` });
  }
  if (ranges === -2 || ranges.type !== "bytes" || ranges.length !== 1) return send(ex, 200, all, bytes);
  const { start, end } = ranges[0]!;
  send(ex, 206, { ...all, "Content-Range": `bytes ${start}-${end}/${bytes.length}` }, bytes.subarray(start, end + 1));
}
