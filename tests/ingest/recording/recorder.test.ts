import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Recorder, type RecorderOptions } from "../../../ingest/src/recording/recorder.js";
import { RecordingStore } from "../../../ingest/src/recording/recording-store.js";
import { RecordingSwitches } from "../../../ingest/src/recording/recording-switches.js";
import { renderVodPlaylist } from "../../../ingest/src/recording/vod-playlist.js";
import { parseM3u8 } from "../hls/parse-m3u8.js";
import { realShow, type RealShow } from "./support.js";

let dir: string;
let show: RealShow;
const logs: Array<{ level: number; msg: string; code?: string }> = [];
const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });

beforeAll(async () => {
  show = await realShow(8);
}, 60_000);

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "recorder-"));
  logs.length = 0;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function makeRecorder(over: Partial<RecorderOptions> = {}) {
  const store = new RecordingStore(path.join(dir, "recordings"));
  const metricsRegistry = new Registry();
  const recorder = new Recorder({
    store,
    switches: new RecordingSwitches(store.root),
    retention: { maxAgeMs: 0, maxBytes: 0 },
    minFreeBytes: 0,
    logger,
    metricsRegistry,
    ...over,
  });
  return { store, recorder, metricsRegistry };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name)!;
  const value = (m.values as Array<{ value: number; labels: Record<string, unknown> }>).find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return value?.value ?? 0;
}

describe("Recorder", () => {
  it("records a show's segments, byte for byte, and ends the recording when the show ends", async () => {
    const { store, recorder, metricsRegistry } = makeRecorder();
    await recorder.start();
    const s = recorder.show("show");
    for (const seg of show.segments) s.segment(seg);
    await s.idle();
    const [inProgress] = await store.list("show");
    expect(inProgress).toMatchObject({ endedAt: null, segments: show.segments.length });
    await s.end();

    const list = await store.list("show");
    expect(list).toHaveLength(1);
    const r = (await store.read("show", list[0]!.id))!;
    expect(r.meta.endedAt).not.toBeNull();
    // The end is where the media ends, not when the show's grace period ran out.
    const last = show.segments.at(-1)!;
    expect(Date.parse(r.meta.endedAt!)).toBe(Math.round(last.programDateTime + last.durationS * 1000));
    expect(list[0]!.id).toBe("20261203-200000");
    expect((await readFile(path.join(r.dir, "init-0.mp4"))).equals(show.init)).toBe(true);
    for (const [n, seg] of show.segments.entries()) {
      expect((await readFile(path.join(r.dir, `seg-${n}.m4s`))).equals(seg.bytes), `seg-${n}`).toBe(true);
    }
    const total = show.segments.reduce((sum, x) => sum + x.durationS, 0);
    expect(list[0]!.durationS).toBeCloseTo(total, 2);
    const { manifest } = parseM3u8(renderVodPlaylist(r.index, true));
    expect(manifest.segments.reduce((sum, x) => sum + x.duration, 0)).toBeCloseTo(total, 3);
    expect(await metric(metricsRegistry, "live_recordings")).toBe(1);
    expect(await metric(metricsRegistry, "live_recordings_bytes")).toBe(list[0]!.bytes);
    await recorder.close();
  });

  it("one show is one recording across a reconnect: a discontinuity, and a new init only when it changed", async () => {
    const { store, recorder } = makeRecorder();
    await recorder.start();
    const s = recorder.show("show");
    const [a, b, c] = show.segments;
    s.segment(a!);
    s.segment({ ...b!, discontinuity: true, initId: 1 });
    s.segment({ ...c!, initId: 1 });
    await s.end();
    const [summary] = await store.list("show");
    const r = (await store.read("show", summary!.id))!;
    expect(r.index.inits.map((i) => i.n)).toEqual([0, 1]);
    const { manifest } = parseM3u8(renderVodPlaylist(r.index, true));
    expect(manifest.segments.map((x) => Boolean(x.discontinuity))).toEqual([false, true, false]);
    expect(manifest.segments.map((x) => x.map?.uri)).toEqual(["init-0.mp4", "init-1.mp4", "init-1.mp4"]);
    await recorder.close();
  });

  it("a show without segments leaves no recording; the next show is a new recording", async () => {
    const { store, recorder } = makeRecorder();
    await recorder.start();
    await recorder.show("show").end();
    expect(await store.list()).toEqual([]);
    const first = recorder.show("show");
    first.segment(show.segments[0]!);
    await first.end();
    const second = recorder.show("show");
    second.segment({ ...show.segments[1]!, programDateTime: show.segments[1]!.programDateTime + 3_600_000 });
    await second.end();
    expect((await store.list("show")).map((r) => r.id)).toEqual(["20261203-210002", "20261203-200000"]);
    await recorder.close();
  });

  it("pauses below the free-space floor (warning, log, metric) and resumes after a discontinuity", async () => {
    let free = 10 * 1024 ** 3;
    const { store, recorder, metricsRegistry } = makeRecorder({ minFreeBytes: 1024 ** 3, freeSpace: async () => free });
    await recorder.start();
    const s = recorder.show("show");
    const [a, b, c, d] = show.segments;
    s.segment(a!);
    await s.idle();
    free = 100 * 1024 ** 2;
    s.segment(b!);
    await s.idle();
    expect(recorder.warnings("show")).toEqual([{ code: "recording-paused", message: expect.stringContaining("100 MB free") as string }]);
    expect(await metric(metricsRegistry, "live_recordings_paused")).toBe(1);
    expect(await metric(metricsRegistry, "live_recording_errors_total", { reason: "low-space" })).toBe(1);
    expect(await metric(metricsRegistry, "live_recordings_free_bytes")).toBe(free);
    expect(logs.filter((l) => l.code === "recording-paused" && l.level === 40)).toHaveLength(1);
    s.segment(c!);
    await s.idle();
    expect(logs.filter((l) => l.code === "recording-paused")).toHaveLength(1);
    free = 10 * 1024 ** 3;
    s.segment(d!);
    await s.idle();
    expect(recorder.warnings("show")).toEqual([]);
    expect(await metric(metricsRegistry, "live_recordings_paused")).toBe(0);
    await s.end();
    const r = (await store.read("show", (await store.list("show"))[0]!.id))!;
    expect(r.index.segments.map((x) => [x.n, x.disc])).toEqual([
      [0, false],
      [1, true],
    ]);
    await recorder.close();
  });

  it("a write failing with ENOSPC pauses with a warning and the next segment is recorded", async () => {
    const { store, recorder, metricsRegistry } = makeRecorder();
    await recorder.start();
    const s = recorder.show("show");
    s.segment(show.segments[0]!);
    await s.idle();
    const id = (await store.list("show"))[0]!.id;
    const recordingDir = store.dirOf("show", id)!;
    // The next segment's file is /dev/full: its write fails with ENOSPC, like a full disk.
    await symlink("/dev/full", path.join(recordingDir, "seg-1.m4s"));
    s.segment(show.segments[1]!);
    await s.idle();
    expect(recorder.warnings("show")).toEqual([{ code: "recording-failed", message: expect.stringContaining("ENOSPC") as string }]);
    expect(await metric(metricsRegistry, "live_recording_errors_total", { reason: "no-space" })).toBe(1);
    expect(await readdir(recordingDir)).not.toContain("seg-1.m4s");
    s.segment(show.segments[2]!);
    await s.end();
    const r = (await store.read("show", id))!;
    expect(r.index.segments.map((x) => [x.n, x.disc])).toEqual([
      [0, false],
      [1, true],
    ]);
    expect((await readFile(path.join(r.dir, "seg-1.m4s"))).equals(show.segments[2]!.bytes)).toBe(true);
    await recorder.close();
  });

  it("the per-stream switch ends the recording at the next segment and starts a new one when back on", async () => {
    const { store, recorder } = makeRecorder();
    await recorder.start();
    const switches = new RecordingSwitches(store.root);
    const s = recorder.show("show");
    s.segment(show.segments[0]!);
    await s.idle();
    expect(await switches.set("show", false)).toBe(true);
    s.segment(show.segments[1]!);
    await s.idle();
    let list = await store.list("show");
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ endReason: "recording turned off", segments: 1 });
    expect(await switches.set("show", true)).toBe(true);
    s.segment(show.segments[2]!);
    await s.end();
    list = await store.list("show");
    expect(list.map((r) => r.segments)).toEqual([1, 1]);
    await recorder.close();
  });

  it("after a crash, recovery ends the recording at its last indexed segment and removes unindexed files", async () => {
    const { store, recorder } = makeRecorder();
    await recorder.start();
    const s = recorder.show("show");
    for (const seg of show.segments.slice(0, 3)) s.segment(seg);
    await s.idle();
    const id = (await store.list("show"))[0]!.id;
    const recordingDir = store.dirOf("show", id)!;
    // What kill -9 mid-write leaves: a segment file not yet indexed and half a journal line.
    await writeFile(path.join(recordingDir, "seg-3.m4s"), Buffer.from(show.segments[3]!.bytes).subarray(0, 100));
    await writeFile(
      path.join(recordingDir, "index.jsonl"),
      `${await readFile(path.join(recordingDir, "index.jsonl"), "utf8")}{"t":"seg","n":3,"in`,
    );

    const restarted = makeRecorder();
    await restarted.recorder.start();
    const [summary] = await restarted.store.list("show");
    expect(summary).toMatchObject({ id, segments: 3, endReason: "recovered after a crash" });
    const third = show.segments[2]!;
    expect(Date.parse(summary!.endedAt!)).toBe(Math.round(third.programDateTime + third.durationS * 1000));
    expect(await readdir(recordingDir)).not.toContain("seg-3.m4s");
    expect(logs.some((l) => l.msg === "recording ended after a crash")).toBe(true);
    await restarted.recorder.close();
    await recorder.close();
  });

  it("retention deletes by age and by total size, oldest first, never the recording in progress", async () => {
    const now = Date.UTC(2026, 11, 3, 23, 0, 0);
    const { store, recorder, metricsRegistry } = makeRecorder({ retention: { maxAgeMs: 86_400_000, maxBytes: 0 }, clock: () => now });
    await recorder.start();
    const at = (h: number) => ({ ...show.segments[0]!, programDateTime: now - h * 3_600_000 });
    for (const hoursAgo of [48, 5, 3]) {
      const s = recorder.show("show");
      s.segment(at(hoursAgo));
      await s.end();
    }
    await recorder.sweep();
    expect((await store.list("show")).map((r) => r.id)).toEqual(["20261203-200000", "20261203-180000"]);
    expect(await metric(metricsRegistry, "live_recordings_deleted_total", { reason: "age" })).toBe(1);
    await recorder.close();

    const one = (await store.list("show"))[0]!.bytes;
    const bySize = makeRecorder({ retention: { maxAgeMs: 0, maxBytes: one + one / 2 }, clock: () => now });
    await bySize.recorder.start();
    expect((await bySize.store.list("show")).map((r) => r.id)).toEqual(["20261203-200000"]);
    const live = bySize.recorder.show("show");
    live.segment({ ...at(0), programDateTime: now });
    await live.idle();
    await bySize.recorder.sweep();
    // Over the limit with the live one: the ended one goes, the one in progress stays.
    expect((await bySize.store.list("show")).map((r) => r.id)).toEqual(["20261203-230000"]);
    await bySize.recorder.close();
  });
});
