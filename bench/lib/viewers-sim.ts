import { Worker } from "node:worker_threads";
import { summarize, type Summary } from "./stats.js";

export type ViewerMode = "llhls" | "hls";

export interface ViewerWorkerInput {
  mode: ViewerMode;
  playlistUrl: string;
  /** Cookie header of every request (members-only show), if any. */
  cookie?: string;
  viewers: number;
  /** wall-clock ms (performance.timeOrigin + now) */
  startAt: number;
  rampMs: number;
  /** wall-clock ms from which requests and bytes are counted */
  measureFrom: number;
  stopAt: number;
}

export interface ViewerWorkerOutput {
  /** requests and bytes count only inside the measure window; errors count over the whole run */
  /** 4 numbers per delivered part/segment: key (msn*1000+part), announcedAt, deliveredAt, mediaEnd (NaN if no PDT) */
  records: Float64Array;
  playlistRequests: number;
  mediaRequests: number;
  bytes: number;
  httpErrors: number;
  networkErrors: number;
  timeouts: number;
  /** the first few errors, for the report */
  errorSamples: string[];
  /** the worker's event-loop delay over the window (includes the 10 ms sampling resolution) */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export interface ViewersResult {
  viewers: number;
  /** delivered − announced to this viewer (the playlist response listing it arrived) */
  fetchMs: Summary;
  /** delivered − first announcement to any viewer (≈ when the server made it available) */
  availableMs: Summary;
  /** delivered − end of the part's media by EXT-X-PROGRAM-DATE-TIME (ingest clock); n=0 without PDT */
  pdtMs: Summary;
  deliveriesPerViewerPerS: number;
  requestsPerS: number;
  mbitPerS: number;
  httpErrors: number;
  networkErrors: number;
  timeouts: number;
  errorSamples: string[];
  /** worst worker: event-loop delay of the load generator over the window */
  loadGenLoopDelayP99Ms: number;
  loadGenLoopDelayMaxMs: number;
}

const WORKER_URL = new URL("./viewer-worker.ts", import.meta.url).href;
const TSX_API = import.meta.resolve("tsx/esm/api");
// Node 20 does not apply the parent's tsx hooks to a .ts worker entry: the worker registers them, then imports.
const BOOT = `import(${JSON.stringify(TSX_API)}).then((api) => { api.register(); return import(${JSON.stringify(WORKER_URL)}); })`;

export const wallNow = () => performance.timeOrigin + performance.now();

// Joins whose SYN was dropped retry after 1 s and 3 s: measure only once they are all in.
const SETTLE_AFTER_RAMP_MS = 4000;

/**
 * Runs `viewers` simulated viewers over `workers` threads: they join over rampMs, and deliveries are
 * counted during the measureMs that start SETTLE_AFTER_RAMP_MS after the ramp.
 */
export async function runViewers(o: {
  mode: ViewerMode;
  playlistUrl: string;
  cookie?: string;
  viewers: number;
  workers: number;
  rampMs: number;
  measureMs: number;
  window?: { start(): void; end(): void };
}): Promise<ViewersResult> {
  const startAt = wallNow() + 200;
  const measureFrom = startAt + o.rampMs + SETTLE_AFTER_RAMP_MS;
  const stopAt = measureFrom + o.measureMs;
  const per = Array.from({ length: o.workers }, (_, i) => Math.floor(o.viewers / o.workers) + (i < o.viewers % o.workers ? 1 : 0));
  const outputs = per
    .filter((n) => n > 0)
    .map(
      (viewers) =>
        new Promise<ViewerWorkerOutput>((resolve, reject) => {
          const input: ViewerWorkerInput = {
            mode: o.mode,
            playlistUrl: o.playlistUrl,
            ...(o.cookie ? { cookie: o.cookie } : {}),
            viewers,
            startAt,
            rampMs: o.rampMs,
            measureFrom,
            stopAt,
          };
          const w = new Worker(BOOT, { eval: true, workerData: input });
          const timer = setTimeout(() => void w.terminate(), stopAt - wallNow() + 15_000);
          w.once("message", (m: ViewerWorkerOutput) => {
            resolve(m);
            void w.terminate(); // its viewers are done; drop any socket or timer left
          });
          w.once("error", reject);
          w.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`viewer worker exited (${code}) without results`));
          });
        }),
    );
  if (o.window) {
    setTimeout(o.window.start, measureFrom - wallNow());
    setTimeout(o.window.end, stopAt - wallNow());
  }
  const results = await Promise.all(outputs);
  return aggregate(o.viewers, results, measureFrom, stopAt);
}

function aggregate(viewers: number, outs: ViewerWorkerOutput[], from: number, to: number): ViewersResult {
  const firstAnnounce = new Map<number, number>();
  for (const { records: r } of outs) {
    for (let i = 0; i < r.length; i += 4) {
      const seen = firstAnnounce.get(r[i]!);
      if (seen === undefined || r[i + 1]! < seen) firstAnnounce.set(r[i]!, r[i + 1]!);
    }
  }
  const fetch: number[] = [];
  const available: number[] = [];
  const pdt: number[] = [];
  for (const { records: r } of outs) {
    for (let i = 0; i < r.length; i += 4) {
      const delivered = r[i + 2]!;
      if (delivered < from || delivered > to) continue;
      fetch.push(delivered - r[i + 1]!);
      available.push(delivered - firstAnnounce.get(r[i]!)!);
      if (Number.isFinite(r[i + 3]!)) pdt.push(delivered - r[i + 3]!);
    }
  }
  const seconds = (to - from) / 1000;
  const total = (k: "playlistRequests" | "mediaRequests" | "bytes" | "httpErrors" | "networkErrors" | "timeouts") =>
    outs.reduce((a, o) => a + o[k], 0);
  return {
    viewers,
    fetchMs: summarize(fetch),
    availableMs: summarize(available),
    pdtMs: summarize(pdt),
    deliveriesPerViewerPerS: fetch.length / viewers / seconds,
    requestsPerS: (total("playlistRequests") + total("mediaRequests")) / seconds,
    mbitPerS: (total("bytes") * 8) / 1e6 / seconds,
    httpErrors: total("httpErrors"),
    networkErrors: total("networkErrors"),
    timeouts: total("timeouts"),
    errorSamples: outs.flatMap((o) => o.errorSamples).slice(0, 5),
    loadGenLoopDelayP99Ms: Math.max(...outs.map((o) => o.loopDelayP99Ms)),
    loadGenLoopDelayMaxMs: Math.max(...outs.map((o) => o.loopDelayMaxMs)),
  };
}
