// Child processes for tests: argument arrays only, bounded by a timeout, all killed by killAll().
import { spawn, type ChildProcess } from "node:child_process";

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

export function run(command: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Kills every child still running (test cleanup), by handle. */
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

export interface ProbeResult {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string }[];
  format: { duration?: string; format_name: string };
}

export async function ffprobe(path: string): Promise<ProbeResult> {
  const r = await run("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", path], 20_000);
  if (r.code !== 0) throw new Error(`ffprobe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeResult;
}

/** Decodes the whole file; returns ffmpeg's error output (empty when the media is intact). */
export async function decodeErrors(path: string): Promise<string> {
  const r = await run("ffmpeg", ["-hide_banner", "-v", "error", "-nostdin", "-i", path, "-f", "null", "-"], 30_000);
  return r.code === 0 ? r.stderr.trim() : `exit ${r.code}: ${r.stderr}`;
}
