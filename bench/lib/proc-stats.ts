import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
const PAGE_SIZE = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim()) || 4096;

export interface ProcSample {
  pid: number;
  ppid: number;
  comm: string;
  /** user + system CPU time, seconds */
  cpuS: number;
  rssBytes: number;
}

/** One /proc/<pid>/stat line; null when the process is gone. */
export function readProcStat(pid: number): ProcSample | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // comm is in parentheses and may contain spaces: split after the last ')'.
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const f = text.slice(close + 2).split(" ");
  // f[0] is field 3 (state): utime=14, stime=15, rss=24 → indices 11, 12, 21; ppid=4 → index 1.
  return {
    pid,
    ppid: Number(f[1]),
    comm,
    cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK,
    rssBytes: Number(f[21]) * PAGE_SIZE,
  };
}

function allStats(): ProcSample[] {
  const out: ProcSample[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = readProcStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/**
 * Proportional set size: shared pages (ffmpeg's and node's libraries) divided among the processes
 * mapping them, so a sum over a process tree does not count them once per process as RSS does.
 */
export function readPss(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export function descendantPids(root: number): number[] {
  return treeStats(root)
    .slice(1)
    .map((s) => s.pid);
}

/** The process and all its descendants, root first. */
export function treeStats(root: number): ProcSample[] {
  const all = allStats();
  const byParent = new Map<number, ProcSample[]>();
  for (const s of all) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const rootStat = all.find((s) => s.pid === root);
  if (!rootStat) return [];
  const out = [rootStat];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i]!.pid) ?? []));
  return out;
}

export interface UsageWindow {
  /** CPU used over the window, as % of one core */
  cpuPct: number;
  /** by process name (node, ffmpeg, nginx…), % of one core */
  cpuPctByComm: Record<string, number>;
  rssMaxBytes: number;
  /** largest RSS seen per process name (node, ffmpeg, esbuild…) */
  rssMaxBytesByComm: Record<string, number>;
  rssMeanBytes: number;
  /** largest proportional set size of the tree (see readPss) */
  pssMaxBytes: number;
  pssMaxBytesByComm: Record<string, number>;
  processes: number;
}

/**
 * Samples a process tree's CPU and RSS every intervalMs. CPU time of processes that exit during the
 * window is lost; the benchmarks keep their trees stable while measuring.
 */
export class TreeSampler {
  private timer: NodeJS.Timeout | undefined;
  private first = new Map<number, ProcSample>();
  private last = new Map<number, ProcSample>();
  private rss: number[] = [];
  private rssByComm: Record<string, number> = {};
  private pssMax = 0;
  private pssByComm: Record<string, number> = {};
  private startedAt = 0;

  constructor(
    private readonly roots: number[],
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  private sample(): void {
    let rss = 0;
    let pss = 0;
    const byComm: Record<string, number> = {};
    const pssByComm: Record<string, number> = {};
    for (const root of this.roots) {
      for (const s of treeStats(root)) {
        if (!this.first.has(s.pid)) this.first.set(s.pid, s);
        this.last.set(s.pid, s);
        rss += s.rssBytes;
        byComm[s.comm] = (byComm[s.comm] ?? 0) + s.rssBytes;
        const p = readPss(s.pid);
        if (Number.isFinite(p)) {
          pss += p;
          pssByComm[s.comm] = (pssByComm[s.comm] ?? 0) + p;
        }
      }
    }
    this.rss.push(rss);
    this.pssMax = Math.max(this.pssMax, pss);
    for (const [comm, bytes] of Object.entries(byComm)) this.rssByComm[comm] = Math.max(this.rssByComm[comm] ?? 0, bytes);
    for (const [comm, bytes] of Object.entries(pssByComm)) this.pssByComm[comm] = Math.max(this.pssByComm[comm] ?? 0, bytes);
  }

  stop(): UsageWindow {
    clearInterval(this.timer);
    this.sample();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const byComm: Record<string, number> = {};
    let total = 0;
    for (const [pid, end] of this.last) {
      const startCpu = this.first.get(pid)?.cpuS ?? 0;
      const pct = ((end.cpuS - startCpu) / seconds) * 100;
      byComm[end.comm] = (byComm[end.comm] ?? 0) + pct;
      total += pct;
    }
    return {
      cpuPct: total,
      cpuPctByComm: byComm,
      rssMaxBytes: Math.max(0, ...this.rss),
      rssMaxBytesByComm: this.rssByComm,
      rssMeanBytes: this.rss.reduce((a, b) => a + b, 0) / Math.max(1, this.rss.length),
      pssMaxBytes: this.pssMax,
      pssMaxBytesByComm: this.pssByComm,
      processes: this.last.size,
    };
  }
}
