import { once } from "node:events";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseFragment, parseInit } from "../../../ingest/src/mp4/fmp4-reader.js";
import { Fmp4UnitReader, type Fmp4Unit } from "../../../ingest/src/mp4/fmp4-units.js";
import { killAllChildren, liveChildCount } from "../../../ingest/src/media/child-registry.js";
import { FfmpegRemuxer } from "../../../ingest/src/media/remuxer.js";
import { ffprobeJson, makeFlv, remuxFile, silentLogger } from "./ffmpeg-fixtures.js";

interface FlvTag {
  type: number;
  timestamp: number;
  bytes: Buffer;
}

/** Splits an FLV file into its 13-byte header and whole tags (with their PreviousTagSize). */
function flvTags(flv: Buffer): { header: Buffer; tags: FlvTag[] } {
  const tags: FlvTag[] = [];
  let p = 13;
  while (p + 11 <= flv.length) {
    const size = flv.readUIntBE(p + 1, 3);
    const timestamp = flv.readUIntBE(p + 4, 3) | (flv[p + 7]! << 24);
    tags.push({ type: flv[p]!, timestamp, bytes: flv.subarray(p, p + 11 + size + 4) });
    p += 11 + size + 4;
  }
  return { header: flv.subarray(0, 13), tags };
}

function collectUnits(remuxer: FfmpegRemuxer): Fmp4Unit[] {
  const reader = new Fmp4UnitReader();
  const units: Fmp4Unit[] = [];
  remuxer.on("data", (chunk) => units.push(...reader.push(chunk)));
  return units;
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("FfmpegRemuxer", () => {
  let dir: string;
  let flvPath: string;
  let flv720Path: string;
  const started: FfmpegRemuxer[] = [];
  const remuxer = (partMs = 250, ffmpegPath = "ffmpeg") => {
    const r = new FfmpegRemuxer({ ffmpegPath, partMs, logger: silentLogger, endTimeoutMs: 3000 });
    started.push(r);
    return r;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "remuxer-"));
    flvPath = await makeFlv(dir, "av", { seconds: 4, gop: 60 });
    // 720p: the first keyframe is larger than a small probesize (the 44100 Hz trap needs that).
    flv720Path = await makeFlv(dir, "av720", { seconds: 1.5, gop: 60, size: "1280x720" });
  });
  afterEach(() => {
    for (const r of started.splice(0)) r.kill();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("copies FLV to fragmented MP4 without re-encoding and exits 0 at end of input", async () => {
    const { init, fragments, exit } = await remuxFile(flvPath, 250);
    expect(exit).toEqual({ code: 0, signal: null, expected: true });

    const info = parseInit(init);
    const video = info.tracks.find((t) => t.kind === "video")!;
    const audio = info.tracks.find((t) => t.kind === "audio")!;
    expect(video).toMatchObject({ codec: expect.stringMatching(/^avc1\.[0-9a-f]{6}$/), width: 320, height: 240 });
    expect(audio).toMatchObject({ codec: "mp4a.40.2", sampleRate: 48000, channels: 2 });

    // Same compressed frames in the same order as the FLV: stream copy, nothing re-encoded or dropped.
    const probe = await ffprobeJson(["-select_streams", "v:0", "-show_entries", "packet=size,flags", flvPath]);
    const flvSizes = (probe.packets as Array<{ size: string }>).map((p) => Number(p.size));
    const mp4Samples = fragments.flatMap((f) => parseFragment(f, info).tracks.find((t) => t.id === video.id)?.samples ?? []);
    expect(mp4Samples.map((s) => s.size)).toEqual(flvSizes);
    const flvKeyframes = (probe.packets as Array<{ flags: string }>).map((p) => p.flags.startsWith("K"));
    expect(mp4Samples.map((s) => s.isSync)).toEqual(flvKeyframes);
  });

  it("starts from a trickle of input: init with audio and video and a first keyframe fragment after 0.5 s of media", async () => {
    const { header, tags } = flvTags(await readFile(flv720Path));
    const firstKeyframe = tags.find((t) => t.type === 9 && t.bytes.length > 1000)!;
    expect(firstKeyframe.bytes.length).toBeGreaterThan(32 * 1024);
    const r = remuxer();
    const units = collectUnits(r);
    r.start();
    r.write(header);
    // Only the first half second of media, then wait: ffmpeg must not need more input to start.
    // Headers first, then the first keyframe ahead of the first audio frames, as an encoder whose
    // video is ready first sends them: a probe that ends inside the keyframe never sees audio data.
    const isHeader = (t: FlvTag) => t.type === 18 || t.bytes[12] === 0; // script data, AVC/AAC sequence headers
    const head = tags.filter(isHeader);
    const rest = tags.filter((t) => !head.includes(t) && t.timestamp <= 500);
    const early = rest.filter((t) => t.type === 9 && t.timestamp <= 100);
    for (const tag of [...head, ...early, ...rest.filter((t) => !early.includes(t))]) r.write(tag.bytes);
    await until(() => units.some((u) => u.kind === "fragment"), "the first fragment");

    const init = parseInit(units.find((u) => u.kind === "init")!.bytes);
    expect(init.tracks.map((t) => t.kind).sort()).toEqual(["audio", "video"]);
    // With too small a probe ffmpeg writes 44100 Hz into the init whatever the stream's real rate.
    expect(init.tracks.find((t) => t.kind === "audio")).toMatchObject({ sampleRate: 48000, timescale: 48000 });
    const first = parseFragment(units.find((u) => u.kind === "fragment")!.bytes, init);
    const video = first.tracks.find((t) => t.id === init.tracks.find((x) => x.kind === "video")!.id)!;
    // "-fflags nobuffer" would have dropped the probed packets, first keyframe included.
    expect(video.baseMediaDecodeTime).toBe(0);
    expect(video.samples[0]!.isSync).toBe(true);
    expect((await r.end()).code).toBe(0);
  });

  it("reports backpressure and emits drain", async () => {
    const r = remuxer();
    collectUnits(r);
    r.start();
    const flv = await readFile(flvPath);
    expect(r.write(flv)).toBe(false);
    await once(r, "drain");
    expect((await r.end()).code).toBe(0);
  });

  it("exits non-zero on input that is not FLV", async () => {
    const r = remuxer();
    r.start();
    r.write(Buffer.alloc(64 * 1024, 0x5a));
    const exit = await r.end();
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(r.recentStderr.length).toBeGreaterThan(0);
    expect(r.recentStderr.length).toBeLessThanOrEqual(8);
    expect(r.write(Buffer.from("after exit"))).toBe(true);
  });

  it("reports a process killed from outside as unexpected", async () => {
    const r = remuxer();
    r.start();
    const exited = once(r, "exit");
    process.kill(r.pid!, "SIGTERM");
    const [exit] = await exited;
    expect(exit).toEqual({ code: null, signal: "SIGTERM", expected: false });
    expect(r.running).toBe(false);
  });

  it("kill() stops ffmpeg at once and marks the exit expected", async () => {
    const r = remuxer();
    r.start();
    r.kill();
    expect(await r.exited()).toEqual({ code: null, signal: "SIGKILL", expected: true });
  });

  it("end() kills a process that does not exit after end of input", async () => {
    const stubborn = path.join(dir, "stubborn-ffmpeg");
    await writeFile(stubborn, "#!/bin/sh\nexec sleep 60\n");
    await chmod(stubborn, 0o755);
    const r = new FfmpegRemuxer({ ffmpegPath: stubborn, partMs: 250, logger: silentLogger, endTimeoutMs: 200 });
    started.push(r);
    r.start();
    expect(await r.end()).toEqual({ code: null, signal: "SIGKILL", expected: true });
  });

  it("reports a binary that cannot be spawned as an exit", async () => {
    const r = remuxer(250, path.join(dir, "no-such-ffmpeg"));
    r.start();
    const exit = await r.exited();
    expect(exit.expected).toBe(false);
    expect(exit.code).not.toBe(0);
  });

  it("killAllChildren reaches every live ffmpeg", async () => {
    const a = remuxer();
    const b = remuxer();
    a.start();
    b.start();
    expect(liveChildCount()).toBeGreaterThanOrEqual(2);
    expect(killAllChildren()).toBeGreaterThanOrEqual(2);
    const exits = await Promise.all([a.exited(), b.exited()]);
    expect(exits.map((e) => e.signal)).toEqual(["SIGKILL", "SIGKILL"]);
    expect(liveChildCount()).toBe(0);
  });
});
