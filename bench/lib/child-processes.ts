import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { descendantPids } from "./proc-stats.js";

/** A child process started by a benchmark; stopped by PID (and its descendants) at the end. */
export interface TrackedChild {
  readonly name: string;
  readonly pid: number;
  readonly proc: ChildProcess;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<string>;
  /** Last lines of its output (stdout and stderr), for error messages. */
  tail(): string;
  stop(timeoutMs?: number): Promise<void>;
}

const live = new Set<TrackedChild>();
const cleanups = new Set<() => Promise<void>>();

/** Extra cleanup (e.g. closing Chromium through playwright) run by stopAll(); returns an unregister function. */
export function registerCleanup(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export function spawnTracked(name: string, command: string, args: string[], options: SpawnOptions = {}): TrackedChild {
  const proc = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  const pid = proc.pid;
  // Both outputs are always read (an unread pipe fills and blocks a child that logs), keeping a tail.
  let outputTail = "";
  for (const stream of [proc.stdout, proc.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      outputTail = (outputTail + chunk).slice(-4000);
    });
  }
  const exited = new Promise<string>((resolve) => {
    proc.once("exit", (code, signal) => resolve(signal ?? String(code)));
    proc.once("error", (err) => resolve(`error: ${err.message}`));
  });
  const child: TrackedChild = {
    name,
    pid,
    proc,
    exited,
    tail: () => outputTail.trim().split("\n").slice(-12).join("\n"),
    stop: (timeoutMs = 5000) => stopChild(child, timeoutMs),
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

async function stopChild(child: TrackedChild, timeoutMs: number): Promise<void> {
  // Descendants (e.g. the ingest's ffmpeg remuxers) are collected first: once the parent is gone they are re-parented.
  const descendants = descendantPids(child.pid);
  signal(child.pid, "SIGTERM");
  const timedOut = await Promise.race([
    child.exited.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
  ]);
  if (timedOut) {
    signal(child.pid, "SIGKILL");
    await child.exited;
  }
  for (const pid of descendants) signal(pid, "SIGKILL");
  live.delete(child);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...cleanups].map((fn) => fn().catch(() => {})));
  cleanups.clear();
  await Promise.all([...live].map((c) => c.stop(3000)));
}

let stopping = false;

/** True once a signal started the cleanup: errors from work it interrupted are expected. */
const isStopping = () => stopping;

/** Stop every tracked child on SIGINT/SIGTERM or an uncaught error, then exit. */
function installCleanupHandlers(): void {
  const bail = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`\nbench: ${reason}, stopping ${live.size} child process(es)…`);
    void stopAll().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => bail("SIGINT", 130));
  process.once("SIGTERM", () => bail("SIGTERM", 143));
  process.on("uncaughtException", (err) => {
    console.error(err);
    bail("uncaught exception", 1);
  });
  process.on("unhandledRejection", (err) => {
    console.error(err);
    bail("unhandled rejection", 1);
  });
}

/** Runs a benchmark's main: cleanup handlers first, its error printed (unless a signal interrupted it), children stopped at the end. */
export function runBenchmark(main: () => Promise<void>): void {
  installCleanupHandlers();
  main()
    .catch((err) => {
      if (!isStopping()) console.error(err);
      process.exitCode = 1;
    })
    .finally(() => stopAll());
}
