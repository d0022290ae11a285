// The short fuzz run of `npm test`: every target for a few seconds from its seeds (the long run is `npm run fuzz`),
// and every saved finding replayed. Both run as a child process: the fuzzer's workers and watchdog need
// their own process, and a finding's input is printed so it can be replayed.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunReport } from "./engine/runner.js";
import { targetModules } from "./targets/index.js";

const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(path.join(tmpdir(), "fuzz-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface JsonReport extends Omit<RunReport, "targets" | "findings"> {
  targets: (Omit<RunReport["targets"][number], "findings"> & { findings: number })[];
  findings: { target: string; kind: string; key: string; message: string; input: string }[];
}

function fuzz(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string; report: JsonReport }> {
  const json = path.join(work, `report-${Date.now()}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "tests/fuzz/run.ts", ...args, "--json", json], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      try {
        resolve({ code, output, report: JSON.parse(readFileSync(json, "utf8")) as JsonReport });
      } catch {
        reject(new Error(`fuzzer exited ${code} without a report:\n${output}`));
      }
    });
  });
}

const describeFindings = (report: JsonReport): string =>
  report.findings.map((f) => `${f.target} ${f.kind}: ${f.key}\n${f.message}\ninput (base64): ${f.input.slice(0, 400)}`).join("\n\n");

describe("fuzzing", () => {
  it("replays every saved finding (tests/fuzz/regressions) without a failure", async () => {
    const { code, report } = await fuzz(["--replay", "tests/fuzz/regressions", "--findings", path.join(work, "replay")], 60_000);
    expect(describeFindings(report)).toBe("");
    expect(code).toBe(0);
    expect(report.execs).toBeGreaterThan(0);
  });

  it("a short coverage-guided run of every target finds no crash, hang or memory blow-up", async () => {
    const seconds = 5;
    const { code, output, report } = await fuzz(
      ["--seconds", String(seconds), "--seed", "1", "--corpus", path.join(work, "corpus"), "--findings", path.join(work, "findings")],
      (seconds * Object.keys(targetModules).length + 60) * 1000,
    );
    expect(describeFindings(report)).toBe("");
    expect(code, output).toBe(0);
    expect(report.targets.map((t) => t.target).sort()).toEqual(Object.keys(targetModules).sort());
    for (const t of report.targets) {
      // Each target ran many inputs past its seeds and reached code in the modules it aims at.
      expect(t.execs, t.target).toBeGreaterThan(1_000);
      expect(t.covered, t.target).toBeGreaterThan(0);
      expect(t.corpus, t.target).toBeGreaterThan(0);
    }
  });
});
