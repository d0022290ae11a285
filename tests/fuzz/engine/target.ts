// What a fuzz target is, and helpers targets share.
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface FuzzTarget {
  /** Source files (relative to ingest/src) this target exercises; its coverage figure counts their counters. */
  files: string[];
  /** Starting inputs: real bytes (recorded publishes, ffmpeg output) and hand-written edge cases. */
  seeds: Buffer[];
  /** Tokens the mutator inserts (command names, box types, query parameters). */
  dictionary: Buffer[];
  /** Inputs are cut to this length. */
  maxLength: number;
  /**
   * Runs one input. Rejections the module documents (its typed errors) are caught inside; anything that
   * escapes, and any broken invariant (`FuzzInvariantError`), is a finding.
   */
  run(data: Buffer): void | Promise<void>;
}

/** A target module: `load(root)` imports the modules under test from `root` (the instrumented copy, or ingest/src). */
export interface FuzzTargetModule {
  load(root: string): Promise<FuzzTarget>;
}

export class FuzzInvariantError extends Error {
  override readonly name = "FuzzInvariantError";
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new FuzzInvariantError(message);
}

/** Imports `rel` ("rtmp/amf0") from `root`: the compiled .js when present, else the .ts source. */
export async function importFrom<T>(root: string, rel: string): Promise<T> {
  const js = path.join(root, `${rel}.js`);
  const file = existsSync(js) ? js : path.join(root, `${rel}.ts`);
  return (await import(pathToFileURL(file).href)) as T;
}

export const ascii = (...tokens: string[]): Buffer[] => tokens.map((s) => Buffer.from(s, "latin1"));

/** Deterministic split points for an input (so a finding replays exactly). */
export function splitPoints(data: Buffer, count: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i += 61) h = Math.imul(h ^ data[i]!, 0x01000193);
  h = Math.imul(h ^ data.length, 0x01000193);
  const points: number[] = [];
  for (let i = 0; i < count; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    points.push(data.length === 0 ? 0 : h % (data.length + 1));
  }
  return points.sort((a, b) => a - b);
}

/** `data` cut at the given points. */
export function splitAt(data: Buffer, points: number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    pieces.push(data.subarray(last, p));
    last = p;
  }
  pieces.push(data.subarray(last));
  return pieces;
}
