// The `recordings` subcommands, run as the CLI (tsx ingest/src/main.ts) on a data dir a recorder wrote.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Recorder } from "../../../ingest/src/recording/recorder.js";
import { RecordingStore } from "../../../ingest/src/recording/recording-store.js";
import { RecordingSwitches } from "../../../ingest/src/recording/recording-switches.js";
import { ffprobeJson } from "../media/ffmpeg-fixtures.js";
import { realShow } from "./support.js";

const root = path.resolve(import.meta.dirname, "../../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const main = path.join(root, "ingest/src/main.ts");

let dir: string;
let recorder: Recorder;
let ended: string;
let live: string;

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("LIVE_")) env[k] = v;
    const child = spawn(tsx, [main, "--data-dir", dir, "recordings", ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  const show = await realShow(8);
  dir = await mkdtemp(path.join(tmpdir(), "recordings-cli-"));
  const store = new RecordingStore(path.join(dir, "recordings"));
  recorder = new Recorder({
    store,
    switches: new RecordingSwitches(store.root),
    retention: { maxAgeMs: 0, maxBytes: 0 },
    minFreeBytes: 0,
    logger: pino({ level: "silent" }),
    metricsRegistry: new Registry(),
  });
  await recorder.start();
  const first = recorder.show("show");
  for (const seg of show.segments) first.segment(seg);
  await first.end();
  const second = recorder.show("show");
  second.segment({ ...show.segments[0]!, programDateTime: show.segments[0]!.programDateTime + 3_600_000 });
  await second.idle();
  [live, ended] = (await store.list("show")).map((r) => r.id) as [string, string];
}, 60_000);

afterAll(async () => {
  await recorder?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("recordings CLI", () => {
  it("lists, switches a stream off and on, exports with progress, deletes", async () => {
    const list = await cli("list");
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^STREAM\s+ID\s+STARTED\s+LENGTH\s+SIZE\s+STATE$/);
    expect(lines[1]).toMatch(new RegExp(`^show\\s+${live}\\s+2026-12-03T21:00:00.000Z\\s+0:02\\s+[\\d.]+ MiB\\s+recording$`));
    expect(lines[2]).toMatch(new RegExp(`^show\\s+${ended}\\s+2026-12-03T20:00:00.000Z\\s+0:08\\s+[\\d.]+ MiB\\s+ended$`));

    expect((await cli("off", "show")).stdout).toContain('Recording is now off for stream "show"');
    expect(await new RecordingSwitches(path.join(dir, "recordings")).isOn("show")).toBe(false);
    expect((await cli("list", "show")).stdout).toContain("Recording is off for: show");
    expect((await cli("on", "show")).code).toBe(0);
    expect(await new RecordingSwitches(path.join(dir, "recordings")).isOn("show")).toBe(true);

    const output = path.join(dir, "out.mp4");
    const exported = await cli("export", "show", ended, output);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain(`exporting ${ended}: 100%`);
    const probe = await ffprobeJson(["-show_format", "-show_streams", output]);
    expect(probe.streams).toHaveLength(2);
    expect(Math.abs(Number(probe.format.duration) - 8)).toBeLessThan(0.5);

    const refused = await cli("delete", "show", live);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("still in progress");
    expect((await cli("delete", "show", ended)).code).toBe(0);
    expect((await cli("delete", "show", ended)).code).toBe(1);
    expect((await cli("list", "show")).stdout).not.toContain(ended);
  }, 90_000);

  it("rejects bad names and ids with a usage error", async () => {
    const bad = await cli("delete", "show", "../../etc");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("invalid recording id");
    expect((await cli("off", "../x")).code).toBe(2);
  }, 30_000);
});
