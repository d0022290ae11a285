// What /proc says about a process (Linux): memory, open files, CPU time, children.
import { readdirSync, readFileSync } from "node:fs";

/** Fields of /proc/<pid>/stat after the parenthesised command name (which may contain spaces). */
function statFields(pid: number): { comm: string; fields: string[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = stat.lastIndexOf(")");
  return { comm: stat.slice(stat.indexOf("(") + 1, close), fields: stat.slice(close + 2).split(" ") };
}

/** Whether a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    return statFields(pid).fields[0] !== "Z";
  } catch {
    return false;
  }
}

/** Direct children (pid and command name). */
export function childProcesses(pid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { comm, fields } = statFields(Number(entry));
      if (Number(fields[1]) === pid && fields[0] !== "Z") out.push({ pid: Number(entry), comm });
    } catch {
      // Ended while we looked.
    }
  }
  return out;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(/(\d+)/.exec(line ?? "")?.[1] ?? NaN) * 1024;
}

export function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** User + system CPU time in seconds. */
export function cpuSeconds(pid: number): number {
  const { fields } = statFields(pid);
  // utime and stime are fields 14 and 15 of stat (1-based), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
