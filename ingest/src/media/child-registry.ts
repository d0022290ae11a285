// Registry of the child processes the ingest spawned, so shutdown can reach every one of them.
//
// The live path spawns none; recordings' MP4 export runs ffmpeg. Composition root: on SIGTERM/SIGINT
// first close servers and let exports finish, then call `killAllChildren()` for whatever is left, then
// exit. A last-resort `exit` hook kills survivors when Node exits without that.
import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Tracks `child` until it closes. */
export function registerChild(child: ChildProcess): void {
  live.add(child);
  child.once("close", () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => killAllChildren());
  }
}

/** Sends `signal` (default SIGKILL) to every live child; returns how many were signalled. */
export function killAllChildren(signal: NodeJS.Signals = "SIGKILL"): number {
  let count = 0;
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.kill(signal)) count++;
  }
  return count;
}

/** Number of spawned children that have not closed yet. */
export function liveChildCount(): number {
  return live.size;
}
