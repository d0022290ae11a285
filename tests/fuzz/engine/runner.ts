// Runs fuzz targets one after another, each in a worker thread under a watchdog: an input that runs longer
// than the time bound is a hang, a worker that exceeds its heap limit is an out-of-memory finding; either
// way the input is saved from shared memory and fuzzing resumes in a fresh worker.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { targetModules } from "../targets/index.js";
import { buildInstrumentedTree } from "./instrument.js";
import { MAX_SHARED_INPUT, SHARED_HEADER_BYTES, type WorkerConfig, type WorkerMessage, type WorkerStats } from "./protocol.js";

export interface RunOptions {
  targets: string[];
  secondsPerTarget: number;
  runsPerTarget?: number;
  /** Per-input time bound. */
  timeoutMs: number;
  /** Old-generation heap limit of the worker (an input that needs more is a finding). */
  maxHeapMb: number;
  seed: number;
  /** Corpus kept between runs: <dir>/<target>/*.bin, read at start, new finds written at the end. */
  corpusDir?: string;
  /** Run each input of corpusDir once instead of fuzzing (regression inputs); every failing one is reported. */
  replay?: boolean;
  /** Where inputs of findings are written: <dir>/<target>/<kind>-<hash>.bin and .txt. */
  findingsDir?: string;
  log?: (line: string) => void;
}

export interface Finding {
  target: string;
  kind: "error" | "hang" | "out-of-memory" | "harness";
  key: string;
  message: string;
  data: Buffer;
  file?: string;
}

export interface TargetReport {
  target: string;
  seconds: number;
  execs: number;
  corpus: number;
  features: number;
  covered: number;
  total: number;
  maxHeapMb: number;
  slowestMs: number;
  workers: number;
  findings: Finding[];
  /** Source lines (per file of the target) holding a counter no input reached. */
  uncovered: Record<string, number[]>;
}

export interface FileCoverage {
  file: string;
  covered: number;
  total: number;
  uncoveredLines: number[];
}

export interface RunReport {
  seconds: number;
  execs: number;
  targets: TargetReport[];
  findings: Finding[];
  /** Per file a target aims at, counters reached by any target. */
  coverage: FileCoverage[];
}

/** Every module under ingest/src that parses input from the network (viewers' sign-in included), from ffmpeg or from a recording's files on disk, or muxes it, is instrumented. */
const instrumented = (file: string): boolean =>
  file.startsWith("rtmp/") ||
  file.startsWith("mp4/") ||
  file.startsWith("hls/") ||
  file.startsWith("access/") ||
  [
    "recording/recording-index.ts",
    "recording/vod-playlist.ts",
    "http/paths.ts",
    "http/query.ts",
    "http/live-routes.ts",
    "keys/stream-name.ts",
    "transcode/flv-reader.ts",
  ].includes(file);

// The worker and its targets are TypeScript: the worker registers tsx's loader before importing them.
const workerBootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./worker.ts", import.meta.url).href)}); });`;

/** Per file, the sorted distinct source lines whose counters were never hit. */
function uncoveredLines(tree: ReturnType<typeof buildInstrumentedTree>, hit: Uint8Array, files: string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const range of tree.files.filter((f) => files.includes(f.file))) {
    const lines = new Set<number>();
    for (let i = range.start; i < range.end; i++) if (!hit[i]) lines.add(tree.lines[i]!);
    out[range.file] = [...lines].sort((a, b) => a - b);
  }
  return out;
}

const sha = (data: Uint8Array): string => createHash("sha1").update(data).digest("hex");

function readCorpus(dir: string | undefined): Buffer[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".bin"))
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
}

export async function runFuzz(options: RunOptions): Promise<RunReport> {
  const log = options.log ?? (() => {});
  const tree = buildInstrumentedTree(instrumented);
  const started = Date.now();
  const reports: TargetReport[] = [];
  const hit = new Uint8Array(tree.counters);
  for (const [i, target] of options.targets.entries()) {
    if (!targetModules[target]) throw new Error(`unknown fuzz target "${target}" (known: ${Object.keys(targetModules).join(", ")})`);
    // Progress: a whole run takes minutes (secondsPerTarget for each target).
    log(`[${i + 1}/${options.targets.length}] ${target}…`);
    reports.push(await runTarget(target, options, tree, options.seed + i, hit, log));
  }
  const findings = reports.flatMap((r) => r.findings);
  // Files some target aims at (others are only instrumented because a target imports a helper from them).
  const aimed = new Set(reports.flatMap((r) => Object.keys(r.uncovered)));
  const coverage = tree.files
    .filter(({ file }) => aimed.has(file))
    .map(({ file, start, end }) => {
      let covered = 0;
      for (let i = start; i < end; i++) covered += hit[i]!;
      return { file, covered, total: end - start, uncoveredLines: uncoveredLines(tree, hit, [file])[file] ?? [] };
    });
  return { seconds: (Date.now() - started) / 1000, execs: reports.reduce((n, r) => n + r.execs, 0), targets: reports, findings, coverage };
}

async function runTarget(
  target: string,
  options: RunOptions,
  tree: ReturnType<typeof buildInstrumentedTree>,
  seed: number,
  allHits: Uint8Array,
  log: (line: string) => void,
): Promise<TargetReport> {
  const started = Date.now();
  const deadline = started + options.secondsPerTarget * 1000;
  const corpusDir = options.corpusDir ? path.join(options.corpusDir, target) : undefined;
  const saved = readCorpus(corpusDir);
  const found: Buffer[] = [];
  const findings: Finding[] = [];
  const keys = new Set<string>();
  let execs = 0;
  let workers = 0;
  const hit = new Uint8Array(tree.counters);
  let files: string[] = [];
  let best: WorkerStats = { execs: 0, corpus: 0, features: 0, covered: 0, total: 0, maxHeapBytes: 0, slowestMs: 0 };

  const record = (finding: Finding): void => {
    if (keys.has(finding.key) && !options.replay) return;
    keys.add(finding.key);
    if (options.findingsDir) {
      const dir = path.join(options.findingsDir, target);
      mkdirSync(dir, { recursive: true });
      const base = path.join(dir, `${finding.kind}-${sha(finding.data).slice(0, 12)}`);
      writeFileSync(`${base}.bin`, finding.data);
      writeFileSync(`${base}.txt`, `${finding.key}\n\n${finding.message}\n`);
      finding.file = `${base}.bin`;
    }
    findings.push(finding);
    log(`  ${target}: ${finding.kind} ${finding.key}`);
  };

  // A hang or out-of-memory costs the worker: fuzzing resumes in a new one (bounded). A replay is one pass.
  let stop = false;
  while (!stop && Date.now() < deadline && execs < (options.runsPerTarget ?? Infinity) && workers < 20) {
    workers++;
    const shared = new SharedArrayBuffer(SHARED_HEADER_BYTES + MAX_SHARED_INPUT);
    const header = new Int32Array(shared, 0, 2);
    const startedAt = new Float64Array(shared, 8, 1);
    const current = (): Buffer => Buffer.from(new Uint8Array(shared, SHARED_HEADER_BYTES, Math.min(header[1]!, MAX_SHARED_INPUT)));
    const config: WorkerConfig = {
      target,
      root: tree.root,
      counters: tree.counters,
      files: tree.files,
      deadline,
      maxRuns: (options.runsPerTarget ?? Infinity) - execs,
      seed: seed * 1000 + workers,
      corpus: [...saved, ...found],
      replay: options.replay ?? false,
      shared,
    };
    const worker = new Worker(workerBootstrap, {
      eval: true,
      workerData: config,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb, maxYoungGenerationSizeMb: 32 },
    });
    let last: WorkerStats | null = null;
    const outcome = await new Promise<"done" | "stopped">((resolve) => {
      const watchdog = setInterval(() => {
        if (Atomics.load(header, 0) === 1 && Date.now() - startedAt[0]! > options.timeoutMs) {
          const data = current();
          record({
            target,
            kind: "hang",
            key: `hang (> ${options.timeoutMs} ms)`,
            message: `one input ran longer than ${options.timeoutMs} ms`,
            data,
          });
          clearInterval(watchdog);
          void worker.terminate().then(() => resolve("stopped"));
        }
      }, 100);
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "input") found.push(Buffer.from(message.data));
        else if (message.type === "finding")
          record({ target, kind: "error", key: message.key, message: message.message, data: Buffer.from(message.data) });
        else last = message.stats;
        if (message.type === "done") {
          message.hit.forEach((h, i) => (hit[i]! |= h));
          files = message.files;
          clearInterval(watchdog);
          resolve("done");
        }
      });
      worker.on("error", (err: Error & { code?: string }) => {
        clearInterval(watchdog);
        if (err.code === "ERR_WORKER_OUT_OF_MEMORY") {
          const data = Atomics.load(header, 0) === 1 ? current() : Buffer.alloc(0);
          record({ target, kind: "out-of-memory", key: `out of memory (> ${options.maxHeapMb} MiB heap)`, message: err.message, data });
        } else {
          record({
            target,
            kind: "harness",
            key: `worker failed: ${err.message}`,
            message: err.stack ?? err.message,
            data: Buffer.alloc(0),
          });
          stop = true;
        }
        resolve("stopped");
      });
      worker.on("exit", () => {
        clearInterval(watchdog);
        resolve("stopped");
      });
    });
    const stats = last as WorkerStats | null;
    if (stats) {
      execs += stats.execs;
      best = {
        ...(stats.covered >= best.covered ? stats : best),
        maxHeapBytes: Math.max(best.maxHeapBytes, stats.maxHeapBytes),
        slowestMs: Math.max(best.slowestMs, stats.slowestMs),
      };
    }
    if (outcome === "done") await worker.terminate();
    if (outcome === "done" || options.replay) stop = true;
  }

  hit.forEach((h, i) => (allHits[i]! |= h));
  if (corpusDir && found.length > 0 && !options.replay) {
    mkdirSync(corpusDir, { recursive: true });
    for (const data of found) writeFileSync(path.join(corpusDir, `${sha(data)}.bin`), data);
  }
  const report: TargetReport = {
    target,
    seconds: (Date.now() - started) / 1000,
    execs,
    corpus: saved.length + found.length,
    features: best.features,
    covered: best.covered,
    total: best.total,
    maxHeapMb: Math.round((best.maxHeapBytes / 2 ** 20) * 10) / 10,
    slowestMs: Math.round(best.slowestMs * 10) / 10,
    workers,
    findings,
    uncovered: uncoveredLines(tree, hit, files),
  };
  log(
    `${target}: ${report.execs} execs in ${report.seconds.toFixed(1)} s, coverage ${report.covered}/${report.total} counters, ` +
      `corpus ${report.corpus}, heap ≤ ${report.maxHeapMb} MiB, slowest input ${report.slowestMs} ms, ${findings.length} finding(s)`,
  );
  return report;
}
