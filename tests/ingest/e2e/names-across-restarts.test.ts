import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startIngest, type IngestOverrides, type RunningIngest } from "../../../ingest/src/app.js";
import { loadConfig } from "../../../ingest/src/config.js";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { SOURCE_RENDITION } from "../../../ingest/src/streams/live-stream.js";
import { MSN_RESERVATIONS_FILE } from "../../../ingest/src/streams/msn-reservations.js";
import { request } from "../http/http-client.js";
import { until } from "./support.js";

// Parts and segments are served immutable for a year: a cache keeps whatever it saw first under a name,
// so a name must never come back with other bytes, even after a restart that followed a publisher who
// sent media faster than real time (a backlog after a hiccup) and pushed the numbering ahead of the clock.
const STREAM = "show";
// 0.2 s keyframe intervals and segments: 5 segments per second of media, sent as fast as ffmpeg encodes.
const overrides: IngestOverrides = {
  registry: { packager: { minSegmentMs: 200, maxSegmentMs: 1_000 } },
};

let dir: string;
let ingest: RunningIngest | undefined;
const warnings: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "names-restart-"));
});

afterEach(async () => {
  await ingest?.close();
  ingest = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<RunningIngest> {
  const loaded = loadConfig(
    ["--rtmp-port", "0", "--http-port", "0", "--host", "127.0.0.1", "--data-dir", dir, "--window-segments", "60", "--recordings", "off"],
    {},
  );
  if (!loaded.ok || loaded.help) throw new Error("bad test config");
  return startIngest(loaded.config, pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) }), overrides);
}

/** ffmpeg without -re: 120 s of media (a test pattern, `source` makes the bytes differ) as fast as it encodes. */
function publishFast(url: string, source: string): Promise<number | null> {
  const child = spawn(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-nostdin",
      "-f",
      "lavfi",
      "-i",
      `${source}=size=320x180:rate=30`,
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000",
      "-t",
      "120",
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-tune",
      "zerolatency",
      "-threads",
      "1",
      "-g",
      "6",
      "-keyint_min",
      "6",
      "-c:a",
      "aac",
      "-b:a",
      "64k",
      "-f",
      "flv",
      url,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return new Promise((resolve) => child.once("close", resolve));
}

/** Every segment the stream completes, msn -> sha256 of its bytes (the bytes HTTP serves), from the packager's events. */
function collectSegments(ingest: RunningIngest): Map<number, string> {
  const seen = new Map<number, string>();
  ingest.registry.on("stream", (stream) => {
    stream.renditions
      .get(SOURCE_RENDITION)
      ?.on("segment", (segment) => seen.set(segment.msn, createHash("sha256").update(segment.bytes).digest("hex")));
  });
  return seen;
}

async function run(key: string, source: string): Promise<{ segments: Map<number, string>; wallMs: number }> {
  const startedAt = performance.now();
  ingest = await start();
  const segments = collectSegments(ingest);
  expect(await publishFast(`rtmp://127.0.0.1:${ingest.rtmpPort}/live/${key}`, source)).toBe(0);
  // The publish is over once its last part is in: the stream waits for a reconnect.
  await until("the publish to end", () => ingest!.registry.get(STREAM)?.status().state === "reconnecting", 30_000);
  // What the collector read is what HTTP serves.
  const last = Math.max(...segments.keys());
  const reply = await request(ingest.httpPort, `/live/${STREAM}/seg-${last}.m4s`);
  expect(createHash("sha256").update(reply.body).digest("hex")).toBe(segments.get(last));
  await ingest.close();
  ingest = undefined;
  return { segments, wallMs: performance.now() - startedAt };
}

describe("resource names across restarts", () => {
  it("a publisher faster than real time, a restart, another publish: no name is served with two different bodies", async () => {
    const { key } = await new KeyStore({ file: path.join(dir, "keys.json") }).add(STREAM);
    const { segments: first, wallMs } = await run(key, "testsrc2");
    const { segments: second } = await run(key, "smptebars");
    // The precondition of the old failure: the first run's numbering ran ahead of the clock seed (tenths of a
    // second), so a restart seeded from the clock alone would have started among the numbers it used.
    expect(first.size, warnings.join("")).toBeGreaterThan(wallMs / 100 + 50);
    expect(second.size, warnings.join("")).toBeGreaterThan(100);
    const reused = [...second.keys()].filter((msn) => first.has(msn) && first.get(msn) !== second.get(msn));
    expect(
      reused.map((msn) => `seg-${msn}.m4s`),
      "names served with two different bodies",
    ).toEqual([]);
    // The second run numbers above the first one's last segment, though that one's media ran ahead of the clock.
    expect(Math.min(...second.keys())).toBeGreaterThan(Math.max(...first.keys()));
    const reserved = JSON.parse(await readFile(path.join(dir, MSN_RESERVATIONS_FILE), "utf8")) as { streams: Record<string, number> };
    expect(reserved.streams[STREAM]).toBeGreaterThan(Math.max(...second.keys()));
  }, 240_000);
});
