// The real ingest (startIngest) on loopback with a temporary data dir, real ffmpeg publishers, and
// small helpers to read it over HTTP the way a player does. Shared by the ingest, e2e and proxy tests.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { startIngest, type IngestOverrides, type RunningIngest } from "../../../ingest/src/app.js";
import { loadConfig } from "../../../ingest/src/config.js";
import { parseResourceName } from "../../../ingest/src/hls/resource-names.js";
import type { LiveStreamView } from "../../../ingest/src/streams/stream-view.js";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { parseM3u8, type ParsedPlaylist } from "../hls/parse-m3u8.js";
import { request, type Reply } from "../http/http-client.js";
import { ffmpegPublishArgs } from "../../support/ffmpeg-publish-args.js";

export interface TestIngest {
  ingest: RunningIngest;
  dir: string;
  /** The secret key of `stream`. */
  key: string;
  stream: string;
  /** http://127.0.0.1:<port>, the origin proxies forward to. */
  origin: string;
  /** JSON log lines at info and above, for failure messages. */
  logs: string[];
  get(pathname: string): Promise<Reply>;
  /** The stream as the HTTP server reads it: the reference for byte comparisons. */
  view(): LiveStreamView;
  /** The publish URL for `key` (default: the key of `stream`). */
  rtmpUrl(key?: string): string;
  close(): Promise<void>;
}

export async function startTestIngest(flags: string[] = [], overrides: IngestOverrides = {}, stream = "show"): Promise<TestIngest> {
  const dir = await mkdtemp(path.join(tmpdir(), "ingest-e2e-"));
  const loaded = loadConfig(["--rtmp-port", "0", "--http-port", "0", "--host", "127.0.0.1", "--data-dir", dir, ...flags], {});
  if (!loaded.ok || loaded.help) throw new Error(`bad test config: ${JSON.stringify(loaded)}`);
  const { key } = await new KeyStore({ file: loaded.config.keys }).add(stream);
  const logs: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(line) });
  const ingest = await startIngest(loaded.config, logger, overrides);
  let closed = false;
  return {
    ingest,
    dir,
    key,
    stream,
    origin: `http://127.0.0.1:${ingest.httpPort}`,
    logs,
    get: (pathname) => request(ingest.httpPort, pathname),
    view: () => {
      const view = ingest.registry.get(stream);
      if (!view) throw new Error(`stream ${stream} is not in the registry`);
      return view;
    },
    rtmpUrl: (k = key) => `rtmp://127.0.0.1:${ingest.rtmpPort}/live/${k}`,
    close: async () => {
      if (closed) return;
      closed = true;
      await ingest.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Publisher {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed) and stderr. */
  exited: Promise<{ code: number | null; stderr: string }>;
  kill(): Promise<void>;
}

const publishers = new Set<ChildProcess>();

/** The issue's publish command: 640x360 30 fps test pattern + tone, x264 2 s GOP + AAC, real time, one encoder thread. */
export function publish(url: string, seconds = 60, options: { videoBitrate?: string; size?: string } = {}): Publisher {
  const video = ["-threads", "1", ...(options.videoBitrate ? ["-b:v", options.videoBitrate] : [])];
  const args = ffmpegPublishArgs(url, { seconds, video, ...(options.size ? { size: options.size } : {}) });
  const child = spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "pipe"] });
  publishers.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once("close", (code) => {
      publishers.delete(child);
      resolve({ code, stderr });
    });
  });
  return {
    child,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Test cleanup: every publisher still running, by handle. */
export function killPublishers(): void {
  for (const child of publishers) child.kill("SIGKILL");
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined/false. With `onError`
 * "retry" a throw counts as "not yet"; with "throw" it fails at once (for probes that hold assertions).
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
  intervalMs = 50,
  onError: "retry" | "throw" = "retry",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (onError === "throw") throw error;
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Playlist {
  text: string;
  manifest: ParsedPlaylist;
}

/** GETs and parses a playlist with m3u8-parser; fails on any status but 200 or any parser warning. */
export async function getPlaylist(t: TestIngest, query = ""): Promise<Playlist> {
  const reply = await t.get(`/live/${t.stream}/index.m3u8${query}`);
  if (reply.status !== 200) throw new Error(`playlist: HTTP ${reply.status} ${reply.text}`);
  return parsePlaylist(reply.text);
}

export function parsePlaylist(text: string): Playlist {
  const { manifest, warnings } = parseM3u8(text);
  if (warnings.length > 0) throw new Error(`m3u8-parser warnings: ${warnings.join("; ")}\n${text}`);
  return { text, manifest };
}

/** msn of a segment or part URI. */
export function msnOf(uri: string): number {
  const name = parseResourceName(uri);
  if (!name || name.kind === "init") throw new Error(`not a media URI: ${uri}`);
  return name.msn;
}

/** The preload hint: where the next part goes. */
export function nextPart(p: Playlist): { msn: number; part: number } {
  const uri = p.manifest.preloadSegment?.preloadHints?.find((h) => h.type === "PART")?.uri;
  const name = uri ? parseResourceName(uri) : null;
  if (name?.kind !== "part") throw new Error(`no part preload hint in\n${p.text}`);
  return { msn: name.msn, part: name.part };
}

/** Complete segments' msns in a playlist. */
export const segmentMsns = (p: Playlist): number[] => p.manifest.segments.map((s) => msnOf(s.uri));

/** Whether `pid` is a running (not zombie) process. */
export function processAlive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    // Field 3 (after the parenthesised command name) is the state; Z = zombie.
    return !/\) Z /.test(readFileSync(stat, "utf8"));
  } catch {
    return false;
  }
}

export function metricValue(metrics: string, series: string): number | undefined {
  const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
