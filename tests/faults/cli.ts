// The ingest CLI (ingest/src/main.ts) as a child process: `node --import tsx`, so the PID held here is the
// ingest itself (signals reach it directly and /proc shows its ffmpeg children).
import { spawn } from "node:child_process";
import { repoRoot, track } from "./support.js";

export interface CliRun {
  pid: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once a log line with this message appears on stdout. */
  logged(msg: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("LIVE_")) env[k] = v;
  return env;
}

export function runCli(args: string[]): CliRun {
  const child = track(
    spawn(process.execPath, ["--import", "tsx", "ingest/src/main.ts", ...args], {
      cwd: repoRoot,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal) => child.kill(signal),
    logged: (msg, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => stdout.includes(`"msg":"${msg}"`);
        if (check()) return resolve();
        const timer = setTimeout(() => reject(new Error(`no "${msg}" within ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs);
        const onData = () => {
          if (!check()) return;
          clearTimeout(timer);
          child.stdout!.off("data", onData);
          resolve();
        };
        child.stdout!.on("data", onData);
        void exited.then(() => {
          clearTimeout(timer);
          if (!check()) reject(new Error(`exited before "${msg}":\n${stdout}\n${stderr}`));
        });
      }),
  };
}
