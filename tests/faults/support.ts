// Shared by the fault-injection tests: a real ingest (in this process or as the CLI child process), real
// ffmpeg publishers, polling helpers. Everything started here is stopped by handle or PID in cleanup().
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { startIngest, type IngestOverrides, type RunningIngest } from "../../ingest/src/app.js";
import { loadConfig } from "../../ingest/src/config.js";
import { KeyStore } from "../../ingest/src/keys/index.js";
import { httpRequest } from "../../soak/http-client.js";
import { ffmpegPublishArgs } from "../support/ffmpeg-publish-args.js";

export { childProcesses, processAlive } from "../../soak/proc.js";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
export const STREAM = "show";

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `faults-${prefix}-`));
  dirs.add(dir);
  return dir;
}

/** Kills every child process started here (by handle) and removes temp folders. */
export function cleanup(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A keys file with one stream; returns its path and the secret key. */
export async function keysFile(dir: string): Promise<{ file: string; key: string }> {
  const file = path.join(dir, "keys.json");
  const { key } = await new KeyStore({ file }).add(STREAM);
  return { file, key };
}

export interface TestIngest {
  ingest: RunningIngest;
  key: string;
  logs: string[];
  rtmpUrl(key?: string, port?: number): string;
  url(pathname: string): string;
  metric(series: string): Promise<number | undefined>;
}

/** The real ingest (startIngest, as main.ts runs it) on loopback with free ports, logging into `logs`. */
export async function startTestIngest(flags: string[] = [], overrides: IngestOverrides = {}): Promise<TestIngest> {
  const dir = tempDir("ingest");
  const { file, key } = await keysFile(dir);
  const loaded = loadConfig(
    ["--host", "127.0.0.1", "--rtmp-port", "0", "--http-port", "0", "--data-dir", dir, "--keys", file, ...flags],
    {},
  );
  if (!loaded.ok || loaded.help) throw new Error(`bad test config: ${loaded.ok ? "help" : loaded.error.message}`);
  const logs: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(line) });
  const ingest = await startIngest(loaded.config, logger, overrides);
  const url = (pathname: string) => `http://127.0.0.1:${ingest.httpPort}${pathname}`;
  return {
    ingest,
    key,
    logs,
    rtmpUrl: (k = key, port = ingest.rtmpPort) => `rtmp://127.0.0.1:${port}/live/${k}`,
    url,
    metric: async (series) => metricValue((await httpRequest(url("/metrics"))).body.toString("utf8"), series),
  };
}

export function metricValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export interface Publisher {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** ffmpeg publishing a 640x360 test pattern + tone in real time (H.264 with a 1 s GOP, AAC), as OBS would. */
export function publish(url: string, seconds = 120): Publisher {
  const child = spawn("ffmpeg", ffmpegPublishArgs(url, { seconds, gop: 30, video: ["-threads", "1"] }), {
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited, stderr: () => stderr };
}

/** Starts a child process that cleanup() kills if it is still running. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
