import type { StatusResult, StreamState } from "./types.js";

const STREAM_STATES: readonly StreamState[] = ["offline", "live", "reconnecting", "ended"];

/** The URLs of one stream under the ingest's public /live base. */
export interface StreamUrls {
  playlist: string;
  status: string;
  viewers: string;
}

export function streamUrls(baseUrl: string, stream: string, documentBase: string): StreamUrls {
  const base = new URL(`${baseUrl.replace(/\/+$/, "")}/`, documentBase);
  const prefix = `${encodeURIComponent(stream)}/`;
  return {
    playlist: new URL(`${prefix}index.m3u8`, base).href,
    status: new URL(`${prefix}status.json`, base).href,
    viewers: new URL(`${prefix}viewers`, base).href,
  };
}

/** Reads status.json leniently: `state` when present, else the `live` flag. */
export function parseStatus(body: unknown): StatusResult {
  if (typeof body !== "object" || body === null) return { ok: false, reason: "status is not an object" };
  const record = body as Record<string, unknown>;
  let state: StreamState | null = null;
  if (typeof record.state === "string" && (STREAM_STATES as readonly string[]).includes(record.state)) {
    state = record.state as StreamState;
  } else if (typeof record.live === "boolean") {
    state = record.live ? "live" : "offline";
  }
  if (state === null) return { ok: false, reason: "status has no state" };
  const viewers =
    typeof record.viewers === "number" && Number.isFinite(record.viewers) && record.viewers >= 0 ? Math.floor(record.viewers) : null;
  const access = record.access === "members" || record.access === "groups" ? { access: record.access as "members" | "groups" } : {};
  return { ok: true, state, viewers, ...access };
}

/**
 * One status request. A stream the ingest does not know (404) is offline: it has not started yet.
 * Rejects only when `signal` aborts it; every other failure is a result.
 */
export async function fetchStatus(url: string, signal: AbortSignal, timeoutMs = 8_000): Promise<StatusResult> {
  const request = new AbortController();
  const abort = () => request.abort();
  signal.addEventListener("abort", abort);
  const timer = setTimeout(abort, timeoutMs);
  try {
    const response = await fetch(url, { credentials: "omit", signal: request.signal });
    if (response.status === 404) return { ok: true, state: "offline", viewers: null };
    if (!response.ok) return { ok: false, reason: `HTTP ${response.status}` };
    return parseStatus(await response.json());
  } catch (error) {
    if (signal.aborted) throw error;
    return { ok: false, reason: request.signal.aborted ? "timeout" : "unreachable" };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", abort);
  }
}
