// One worker thread of the fan-out load generator: runs its share of simulated viewers and posts what they saw.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { PlaylistCache, type PlaylistView } from "./playlist-view.js";
import { RawHttpConnection } from "./raw-http-client.js";
import type { ViewerWorkerInput, ViewerWorkerOutput } from "./viewers-sim.js";

const input = workerData as ViewerWorkerInput;
const now = () => performance.timeOrigin + performance.now();
const measuring = () => now() >= input.measureFrom;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const target = new URL(input.playlistUrl);
const playlistPath = target.pathname + target.search;
// Each viewer has its own keep-alive connections, one for playlists and one for media, as a browser's
// player does (a shared pool would measure connection churn instead of serving).
const connections = new Set<RawHttpConnection>();
const newConnection = () => {
  const connection = new RawHttpConnection(target.hostname, Number(target.port), target.host, input.cookie);
  connections.add(connection);
  return connection;
};
// One sweep for every request's deadline instead of a timer per request.
const sweep = setInterval(() => {
  const at = performance.now();
  for (const connection of connections) connection.checkDeadline(at);
}, 250);
const cache = new PlaylistCache(input.playlistUrl);
const counts = { playlistRequests: 0, mediaRequests: 0, bytes: 0, httpErrors: 0, networkErrors: 0, timeouts: 0 };
// Flat records: key, announcedAt, deliveredAt, mediaEnd (see ViewerWorkerOutput).
const records: number[] = [];
const errorSamples: string[] = [];
const noteError = (what: string) => {
  if (errorSamples.length < 5) errorSamples.push(what);
};
let stopped = false;

interface Got {
  status: number;
  text: string;
}

const countBytes = (n: number) => {
  if (measuring()) counts.bytes += n;
};

async function get(connection: RawHttpConnection, path: string, wantText: boolean, timeoutMs: number): Promise<Got | null> {
  const result = await connection.get(path, wantText, timeoutMs, countBytes);
  if (!result.ok) {
    if (result.error === "timeout") {
      counts.timeouts++;
      noteError(`timeout ${path}`);
    } else if (!stopped) {
      counts.networkErrors++;
      noteError(`${result.message} ${path}`);
    }
    return null;
  }
  if (result.status !== 200) {
    counts.httpErrors++;
    noteError(`${result.status} ${path}`);
  }
  return { status: result.status, text: result.body ? result.body.toString("utf8") : "" };
}

/** The first load retries: under overload a join can time out, and a real player would retry too. */
async function firstPlaylist(connection: RawHttpConnection): Promise<PlaylistView | null> {
  while (!stopped) {
    const view = await loadPlaylist(connection, "", 10_000);
    if (view) return view;
    await sleep(500);
  }
  return null;
}

async function loadPlaylist(connection: RawHttpConnection, query: string, timeoutMs: number): Promise<PlaylistView | null> {
  if (measuring()) counts.playlistRequests++;
  const got = await get(connection, playlistPath + query, true, timeoutMs);
  return got?.status === 200 ? cache.get(got.text) : null;
}

/** Fetches queued media one at a time, as VHS's segment loader does, recording delivery times. */
class MediaQueue {
  private items: { key: number; path: string; mediaEnd: number; announcedAt: number }[] = [];
  private running = false;

  constructor(private readonly connection: RawHttpConnection) {}

  push(key: number, path: string, mediaEnd: number, announcedAt: number): void {
    this.items.push({ key, path, mediaEnd, announcedAt });
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    while (!stopped && this.items.length) {
      const item = this.items.shift()!;
      if (measuring()) counts.mediaRequests++;
      const got = await get(this.connection, item.path, false, 10_000);
      if (got?.status === 200 && Number.isFinite(item.announcedAt)) records.push(item.key, item.announcedAt, now(), item.mediaEnd);
    }
    this.running = false;
  }
}

/**
 * Like VHS 3 on an LL-HLS stream: start PART-HOLD-BACK behind; after a playlist that changed wait the
 * duration of the last whole segment's last part, after one that did not half a part target (VHS's
 * refreshDelay); then a blocking reload for the next part.
 */
async function llhlsViewer(): Promise<void> {
  const playlists = newConnection();
  let view = await firstPlaylist(playlists);
  if (!view) return;
  const media = new MediaQueue(newConnection());
  if (view.initPath) media.push(-1, view.initPath, NaN, NaN);
  const holdParts = Math.max(1, Math.round(view.partHoldBack / (view.partTarget || 1)) || 3);
  for (const p of view.parts.slice(-holdParts)) media.push(p.key, p.path, p.mediaEnd, NaN); // already out before we joined
  let lastKey = view.parts.at(-1)?.key ?? -1;
  let updated = true;
  while (!stopped) {
    const partTarget = view.partTarget || view.targetDuration;
    await sleep((updated && view.lastPartDuration ? view.lastPartDuration : partTarget / 2) * 1000);
    if (stopped) break;
    const q = view.canBlockReload ? `?_HLS_msn=${view.next.msn}&_HLS_part=${view.next.part}${view.canSkip ? "&_HLS_skip=YES" : ""}` : "";
    const next = await loadPlaylist(playlists, q, 10_000);
    const at = now();
    updated = false;
    if (!next) continue;
    view = next;
    for (const p of view.parts) {
      if (p.key > lastKey) {
        media.push(p.key, p.path, p.mediaEnd, at);
        lastKey = p.key;
        updated = true;
      }
    }
  }
}

/** Plain HLS (nginx-rtmp): poll the playlist every half target duration, fetch each new segment. */
async function hlsViewer(): Promise<void> {
  const playlists = newConnection();
  const view = await firstPlaylist(playlists);
  if (!view) return;
  const media = new MediaQueue(newConnection());
  const last = view.segments.at(-1);
  if (last) media.push(last.msn * 1000, last.path, NaN, NaN);
  let lastMsn = last?.msn ?? -1;
  while (!stopped) {
    await sleep(view.targetDuration * 500);
    if (stopped) break;
    const next = await loadPlaylist(playlists, "", 10_000);
    const at = now();
    for (const s of next?.segments ?? []) {
      if (s.msn > lastMsn) {
        media.push(s.msn * 1000, s.path, NaN, at);
        lastMsn = s.msn;
      }
    }
  }
}

async function main(): Promise<void> {
  const viewer = input.mode === "llhls" ? llhlsViewer : hlsViewer;
  const runs: Promise<void>[] = [];
  setTimeout(
    () => {
      stopped = true;
      clearInterval(sweep);
      for (const connection of connections) connection.destroy();
    },
    Math.max(0, input.stopAt - now()),
  );
  // This thread's own event-loop delay over the window: if high, its timestamps (and so the delays) are late.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  setTimeout(() => loopDelay.enable(), Math.max(0, input.measureFrom - now()));
  for (let i = 0; i < input.viewers; i++) {
    // Spread joins evenly over the ramp so viewers do not start in lock step.
    const startIn = input.startAt + (input.rampMs * (i + Math.random())) / input.viewers - now();
    runs.push(sleep(Math.max(0, startIn)).then(() => (stopped ? undefined : viewer())));
  }
  // A request still unanswered after the stop must not keep the results from being posted.
  await Promise.race([Promise.all(runs), sleep(Math.max(0, input.stopAt + 3000 - now()))]);
  loopDelay.disable();
  const loop = { loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6 };
  const out: ViewerWorkerOutput = { records: Float64Array.from(records), errorSamples, ...loop, ...counts };
  parentPort!.postMessage(out, [out.records.buffer as ArrayBuffer]);
}

void main();
