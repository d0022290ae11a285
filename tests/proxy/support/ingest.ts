// The real ingest (startIngest) on loopback ports with a temporary data dir and a key from KeyStore,
// and a real ffmpeg publisher (test pattern + tone, x264 2 s GOP, AAC) over RTMP.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { startIngest, type RunningIngest } from "../../../ingest/src/app.js";
import { loadConfig } from "../../../ingest/src/config.js";
import type { LiveStreamView } from "../../../ingest/src/http/stream-directory.js";
import { KeyStore } from "../../../ingest/src/keys/index.js";

export interface TestIngest {
  ingest: RunningIngest;
  stream: string;
  key: string;
  /** http://127.0.0.1:<port>, the origin the proxies forward to. */
  origin: string;
  /** JSON log lines at warn and above, for failure messages. */
  logs: string[];
  /** The stream as the HTTP server reads it: the reference for byte comparisons. */
  view(): LiveStreamView;
  rtmpUrl(): string;
  close(): Promise<void>;
}

export async function startTestIngest(flags: string[] = [], stream = "show"): Promise<TestIngest> {
  const dir = await mkdtemp(path.join(tmpdir(), "proxy-ingest-"));
  const loaded = loadConfig(["--rtmp-port", "0", "--http-port", "0", "--host", "127.0.0.1", "--data-dir", dir, ...flags], {});
  if (!loaded.ok || loaded.help) throw new Error(`bad test config: ${JSON.stringify(loaded)}`);
  const { key } = await new KeyStore({ file: loaded.config.keys }).add(stream);
  const logs: string[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void logs.push(line) });
  const ingest = await startIngest(loaded.config, logger);
  let closed = false;
  return {
    ingest,
    stream,
    key,
    origin: `http://127.0.0.1:${ingest.httpPort}`,
    logs,
    view: () => {
      const view = ingest.registry.get(stream);
      if (!view) throw new Error(`stream ${stream} is not in the registry`);
      return view;
    },
    rtmpUrl: () => `rtmp://127.0.0.1:${ingest.rtmpPort}/live/${key}`,
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
  stop(): Promise<void>;
}

/** ffmpeg publishing a 640x360 30 fps test pattern and a tone in real time: x264, keyframe every 2 s, AAC. */
export function publish(url: string, seconds = 120): Publisher {
  // prettier-ignore
  const args = [
    "-hide_banner", "-loglevel", "error", "-nostdin",
    "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
    "-t", String(seconds),
    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "60", "-threads", "1", "-b:v", "800k",
    "-c:a", "aac",
    "-f", "flv", "-tcp_nodelay", "1", url,
  ];
  const child = spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "ignore"] });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

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

/** Polls `probe` until it returns something other than undefined/false. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
