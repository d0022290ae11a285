import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type Cell = string | number | null | undefined;

/** Formats a number compactly: integers as is, others with `digits` decimals; "–" for missing. */
export function fmt(v: Cell, digits = 0): string {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "–";
  if (typeof v === "string") return v;
  return v.toFixed(digits);
}

/** A compact fixed-width table: first column left-aligned, the rest right-aligned. */
export function printTable(title: string, header: string[], rows: Cell[][]): void {
  const text = [header, ...rows.map((r) => r.map((c) => fmt(c)))];
  const widths = header.map((_, i) => Math.max(...text.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`\n${title}`);
  console.log(line(text[0]!));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of text.slice(1)) console.log(line(r));
}

const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url));

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(file, JSON.stringify(data, null, 2));
  return file;
}

export const mb = (bytes: number) => bytes / 1024 / 1024;
