// Messages and shared memory between the fuzz runner (watchdog) and its worker thread.

/** Inputs up to this size are mirrored into shared memory before each execution, so a hang or OOM can be saved. */
export const MAX_SHARED_INPUT = 1024 * 1024;
/** Int32 slots: [0] 1 while an input runs, [1] its length; Float64 slot at byte 8: Date.now() at its start. */
export const SHARED_HEADER_BYTES = 16;

export interface WorkerConfig {
  target: string;
  /** Root the target loads the modules under test from. */
  root: string;
  counters: number;
  /** Counter range per file (coverage report). */
  files: { file: string; start: number; end: number }[];
  deadline: number;
  maxRuns: number;
  seed: number;
  /** Inputs from earlier runs (saved corpus), run after the target's seeds. */
  corpus: Buffer[];
  /** Only run `corpus` once (regression inputs), no seeds, no mutation; every failing input is reported. */
  replay: boolean;
  shared: SharedArrayBuffer;
}

export interface WorkerStats {
  execs: number;
  corpus: number;
  features: number;
  /** Counters in the target's files hit at least once, and how many they have. */
  covered: number;
  total: number;
  maxHeapBytes: number;
  slowestMs: number;
}

export type WorkerMessage =
  | { type: "input"; data: Uint8Array }
  | { type: "finding"; key: string; message: string; data: Uint8Array }
  | { type: "stats"; stats: WorkerStats }
  | { type: "done"; stats: WorkerStats; hit: Uint8Array; files: string[] };
