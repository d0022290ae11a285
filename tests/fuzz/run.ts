// `npm run fuzz`: coverage-guided fuzzing of the ingest's parsers, packager and RTMP session (README: Reliability).
//   npm run fuzz -- [--seconds 120] [--target rtmp-session ...] [--runs N] [--timeout-ms 2000] [--max-heap-mb 256]
//                   [--seed N] [--corpus dir] [--findings dir] [--json file]
//   npm run fuzz -- --replay tests/fuzz/regressions     (runs every saved input once, no fuzzing)
//   npm run fuzz -- --uncovered                         (also lists the source lines no input reached)
// Exit 0 when no target produced a finding, 1 otherwise, 2 on bad arguments.
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "./engine/instrument.js";
import { runFuzz } from "./engine/runner.js";
import { targetModules } from "./targets/index.js";

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      seconds: { type: "string", default: "120" },
      target: { type: "string", multiple: true },
      runs: { type: "string" },
      "timeout-ms": { type: "string", default: "2000" },
      "max-heap-mb": { type: "string", default: "256" },
      seed: { type: "string", default: String(Date.now() % 1_000_000) },
      corpus: { type: "string", default: path.join(repoRoot, "node_modules/.cache/live-fuzz/corpus") },
      findings: { type: "string", default: path.join(repoRoot, "tests/fuzz/findings") },
      json: { type: "string" },
      replay: { type: "string" },
      uncovered: { type: "boolean", default: false },
    },
    strict: true,
  });
}
try {
  args = parse();
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(2);
}
const number = (name: keyof typeof args.values): number => {
  const value = Number(args.values[name]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`error: --${name} must be a positive number`);
    process.exit(2);
  }
  return value;
};

const replay = args.values.replay;
const targets = args.values.target ?? (replay ? readdirSync(replay).filter((name) => name in targetModules) : Object.keys(targetModules));
const report = await runFuzz({
  targets,
  secondsPerTarget: number("seconds"),
  ...(args.values.runs ? { runsPerTarget: number("runs") } : {}),
  timeoutMs: number("timeout-ms"),
  maxHeapMb: number("max-heap-mb"),
  seed: number("seed"),
  corpusDir: replay ?? args.values.corpus!,
  replay: replay !== undefined,
  findingsDir: args.values.findings!,
  log: (line) => console.log(line),
});
const reached = report.coverage.filter((f) => f.covered > 0);
const sum = (f: (c: (typeof reached)[number]) => number) => reached.reduce((n, c) => n + f(c), 0);
console.log(
  `coverage of the fuzzed files: ${sum((c) => c.covered)}/${sum((c) => c.total)} counters (${(
    (100 * sum((c) => c.covered)) /
    Math.max(
      1,
      sum((c) => c.total),
    )
  ).toFixed(1)} %)`,
);
for (const c of reached) {
  const lines = args.values.uncovered && c.uncoveredLines.length > 0 ? `; never reached: lines ${c.uncoveredLines.join(", ")}` : "";
  console.log(`  ${c.file}: ${c.covered}/${c.total}${lines}`);
}
console.log(
  `total: ${report.execs} executions in ${report.seconds.toFixed(0)} s over ${report.targets.length} targets, ${report.findings.length} finding(s)` +
    (report.findings.length > 0 ? ` (inputs in ${args.values.findings})` : ""),
);
if (args.values.json) {
  const json = { ...report, findings: report.findings.map(({ data, ...f }) => ({ ...f, input: data.toString("base64") })) };
  writeFileSync(
    args.values.json,
    JSON.stringify({ ...json, targets: json.targets.map((t) => ({ ...t, findings: t.findings.length })) }, null, 2),
  );
}
process.exit(report.findings.length > 0 ? 1 : 0);
