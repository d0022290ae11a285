import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InitInfo, parseFragment, parseInit } from "../../../ingest/src/mp4/fmp4-reader.js";
import { CodecConfigError } from "../../../ingest/src/mp4/codec-config-error.js";
import { Fmp4Muxer, type MuxedPart, type MuxerOutput } from "../../../ingest/src/mp4/fmp4-muxer.js";
import type { MediaEvent } from "../../../ingest/src/streams/media.js";
import { encodeFlv, ffmpegDecodeErrors, flvToMedia } from "./flv-media.js";

let dir: string;
const media = new Map<string, MediaEvent[]>();
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fmp4-muxer-"));
  const specs = {
    // 30 fps, B-frames, keyframe every second, 48 kHz.
    av30: { seconds: 4, gop: 30, bframes: 2 },
    // 25 fps, 44.1 kHz, another size: the second half of a resolution change.
    av25: { seconds: 3, gop: 50, size: "640x360", fps: 25, audioRate: 44100 },
    audio: { seconds: 2, video: false },
    video: { seconds: 2, gop: 30, audio: false },
  };
  await Promise.all(Object.entries(specs).map(async ([name, spec]) => media.set(name, flvToMedia(await encodeFlv(dir, name, spec)))));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

function mux(events: MediaEvent[], partMs = 200): MuxerOutput[] {
  const muxer = new Fmp4Muxer({ partMs });
  return [...events.flatMap((e) => muxer.push(e)), ...muxer.flush()];
}

const parts = (out: MuxerOutput[]) => out.filter((o): o is MuxedPart => o.kind === "part");

/** Init + its parts, per init segment, as bytes that ffmpeg can read as one file. */
function files(out: MuxerOutput[]): Buffer[] {
  const result: Buffer[][] = [];
  for (const o of out) {
    if (o.kind === "init") result.push([o.bytes]);
    else if (o.kind === "part") result.at(-1)!.push(o.bytes);
  }
  return result.map((chunks) => Buffer.concat(chunks));
}

/** Parses every part with the init before it; checks decode times follow each other per track. */
function timeline(out: MuxerOutput[]): { video: number[]; audio: number[]; gapsS: number[] } {
  let init: InitInfo | undefined;
  const next = new Map<number, number>();
  const starts = { video: [] as number[], audio: [] as number[], gapsS: [] as number[] };
  for (const o of out) {
    if (o.kind === "init") init = parseInit(o.bytes);
    if (o.kind !== "part") continue;
    for (const t of parseFragment(o.bytes, init).tracks) {
      const track = init!.tracks.find((x) => x.id === t.id)!;
      const expected = next.get(t.id);
      if (expected !== undefined) starts.gapsS.push((t.baseMediaDecodeTime - expected) / track.timescale);
      next.set(t.id, t.baseMediaDecodeTime + t.duration);
      starts[track.kind].push(t.baseMediaDecodeTime / track.timescale);
    }
  }
  return starts;
}

function shifted(events: MediaEvent[], from: number, byMs: number): MediaEvent[] {
  return events.map((e, i) =>
    i < from || (e.kind !== "video" && e.kind !== "audio")
      ? e
      : e.kind === "video"
        ? { ...e, dts: e.dts + byMs, pts: e.pts + byMs }
        : { ...e, dts: e.dts + byMs },
  );
}

describe("Fmp4Muxer with real H.264 (B-frames) + AAC", () => {
  it("writes one init and parts that decode silently, each within PART-TARGET, keyframes starting parts", async () => {
    const out = mux(media.get("av30")!);
    expect(out.filter((o) => o.kind === "init")).toHaveLength(1);
    const ps = parts(out);
    const target = ps[0]!.partTargetS;
    // 6 frames of 1/30 s (+2 ms slack) and the 10 AAC frames (21.3 ms) their edges can hold.
    expect(target).toBe(0.214);
    for (const p of ps) {
      expect(p.partTargetS).toBe(target);
      expect(p.maxTrackS).toBeLessThanOrEqual(target);
    }
    expect(ps.slice(0, -1).every((p) => p.durationS > 0.85 * target)).toBe(true);
    // Keyframe every 30 frames = every 5th part (the audio past the last frame goes out alone, last).
    const withVideo = ps.filter((p) => parseFragment(p.bytes).tracks.some((t) => t.id === 1));
    expect(ps.length - withVideo.length).toBeLessThanOrEqual(1);
    expect(withVideo.map((p) => p.independent)).toEqual(withVideo.map((_, i) => i % 5 === 0));
    const t = timeline(out);
    expect(Math.max(...t.gapsS.map(Math.abs))).toBeLessThan(0.0001);
    expect(await ffmpegDecodeErrors(dir, "av30.mp4", files(out)[0]!)).toBe("");
  });

  it("keeps the B-frames' composition offsets", () => {
    const frames = media.get("av30")!.filter((e) => e.kind === "video");
    expect(frames.some((f) => f.kind === "video" && f.pts !== f.dts)).toBe(true);
    const fragment = parts(mux(media.get("av30")!))[0]!.bytes;
    const trun = fragment.indexOf("trun");
    const first = frames[0]!;
    expect(fragment.readInt32BE(trun + 16 + 12)).toBe(Math.round((first.kind === "video" ? first.pts - first.dts : 0) * 90));
  });

  it("holds nothing back: every video frame and the audio from the first keyframe on come out", () => {
    const events = media.get("av30")!;
    const total = parseFragmentSamples(mux(events));
    expect(total.video).toBe(events.filter((e) => e.kind === "video").length);
    const firstKey = events.find((e) => e.kind === "video")!;
    const audioAfter = events.filter((e) => e.kind === "audio" && e.dts >= (firstKey as { dts: number }).dts - 11).length;
    expect(total.audio).toBe(audioAfter);
  });

  it.each([
    [1, 0.034],
    [3, 0.101],
    [7, 0.234],
    [10, 0.334],
  ])("at partMs %i... (%s s): parts of whole frames", (frames, seconds) => {
    const ps = parts(mux(media.get("av30")!, seconds * 1000));
    const video = Math.round(ps[1]!.durationS * 30);
    expect(video).toBe(frames);
    for (const p of ps) expect(p.maxTrackS).toBeLessThanOrEqual(p.partTargetS);
  });

  it("takes audio that arrives late (interleaving lag) into the parts it belongs to", () => {
    // Audio frames delivered 150 ms after the video of the same time.
    const events = media.get("av30")!;
    const delayed = [...events.entries()]
      .map(([i, e]) => ({ e, at: e.kind === "audio" ? e.dts + 150 : e.kind === "video" ? e.dts : -1, i }))
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .map((x) => x.e);
    const out = mux(delayed);
    for (const p of parts(out)) expect(p.maxTrackS).toBeLessThanOrEqual(p.partTargetS);
    expect(parseFragmentSamples(out)).toEqual(parseFragmentSamples(mux(events)));
  });
});

function parseFragmentSamples(out: MuxerOutput[]): { video: number; audio: number } {
  let init: InitInfo | undefined;
  const n = { video: 0, audio: 0 };
  for (const o of out) {
    if (o.kind === "init") init = parseInit(o.bytes);
    if (o.kind === "part") for (const t of parseFragment(o.bytes, init).tracks) n[t.id === 1 ? "video" : "audio"] += t.samples.length;
  }
  return n;
}

describe("Fmp4Muxer timeline rules", () => {
  it.each([
    ["an hour forward", 3_600_000],
    ["ten seconds back", -10_000],
    ["to zero", "zero"],
  ] as const)("a timestamp jump (%s) yields one discontinuity; the output timeline stays continuous and decodes", async (name, jump) => {
    const events = media.get("av30")!;
    const at = events.findIndex((e) => e.kind === "video" && e.dts > 1500);
    const byMs = jump === "zero" ? -(events[at] as { dts: number }).dts : jump;
    const out = mux(shifted(events, at, byMs));
    const disc = out.filter((o) => o.kind === "discontinuity");
    expect(disc).toHaveLength(1);
    expect(disc[0]).toMatchObject({ reason: "timestamp-jump" });
    expect(Math.abs((disc[0] as { jumpMs: number }).jumpMs - byMs)).toBeLessThan(40);
    for (const p of parts(out)) expect(p.maxTrackS).toBeLessThanOrEqual(p.partTargetS);
    const t = timeline(out);
    expect(Math.max(...t.gapsS.map(Math.abs))).toBeLessThan(0.04);
    expect(await ffmpegDecodeErrors(dir, `jump-${name.replace(/ /g, "-")}.mp4`, files(out)[0]!)).toBe("");
  });

  it("leaves a short gap (dropped frames) as a gap: no sample or part stretches past PART-TARGET, no discontinuity", () => {
    const events = media.get("av30")!;
    const from = events.findIndex((e) => e.kind === "video" && e.dts > 1000);
    const to = events.findIndex((e) => e.kind === "video" && e.dts > 1300);
    const dropped = events.filter((e, i) => !(i >= from && i < to && e.kind === "video") || (e.kind === "video" && e.keyframe));
    const out = mux(dropped);
    expect(out.some((o) => o.kind === "discontinuity")).toBe(false);
    for (const p of parts(out)) expect(p.maxTrackS).toBeLessThanOrEqual(p.partTargetS);
  });

  it("a new sequence header mid-stream (size, frame rate, sampling rate) starts a new init at the next keyframe; both decode", async () => {
    const first = media.get("av30")!;
    const second = media.get("av25")!;
    const end = Math.max(...first.map((e) => ("dts" in e ? e.dts : 0))) + 40;
    const out = mux([...first, ...shifted(second, 0, end)]);
    const inits = out.filter((o) => o.kind === "init");
    expect(inits.map((i) => [i.video?.width, i.video?.height, i.audio?.sampleRate])).toEqual([
      [320, 240, 48000],
      [640, 360, 44100],
    ]);
    const afterSecond = out.slice(out.indexOf(inits[1]!) + 1);
    expect((afterSecond.find((o) => o.kind === "part") as MuxedPart).independent).toBe(true);
    for (const p of parts(out)) expect(p.maxTrackS).toBeLessThanOrEqual(p.partTargetS);
    const [a, b] = files(out);
    expect(await ffmpegDecodeErrors(dir, "change-a.mp4", a!)).toBe("");
    expect(await ffmpegDecodeErrors(dir, "change-b.mp4", b!)).toBe("");
  });

  it("ignores a repeated identical sequence header", () => {
    const events = media.get("av30")!;
    const configs = events.filter((e) => e.kind === "video-config" || e.kind === "audio-config");
    const at = events.findIndex((e) => e.kind === "video" && e.dts > 1000);
    const out = mux([...events.slice(0, at), ...configs, ...events.slice(at)]);
    expect(out.filter((o) => o.kind === "init")).toHaveLength(1);
  });

  it("starts audio-only and video-only streams", async () => {
    const audioOnly = mux(media.get("audio")!);
    const audioParts = parts(audioOnly);
    // 9 AAC frames at 48 kHz: the nearest whole number to 200 ms.
    expect(audioParts[0]!.partTargetS).toBe(0.192);
    for (const p of audioParts) expect(p.maxTrackS).toBeLessThanOrEqual(p.partTargetS);
    expect(await ffmpegDecodeErrors(dir, "audio-only.mp4", files(audioOnly)[0]!)).toBe("");
    const videoOnly = mux(media.get("video")!);
    expect(parts(videoOnly)[0]!.partTargetS).toBe(0.202);
    expect(await ffmpegDecodeErrors(dir, "video-only.mp4", files(videoOnly)[0]!)).toBe("");
  });

  it.each([
    ["a bogus AudioSpecificConfig", { kind: "audio-config", config: { codec: "aac", asc: Buffer.from("0990", "hex") } }, "unsupported"],
    ["an avcC that does not parse", { kind: "video-config", config: { codec: "h264", avcC: Buffer.from("0164001fff", "hex") } }, "invalid"],
  ] as const)("refuses %s with a CodecConfigError", (_name, event, problem) => {
    const muxer = new Fmp4Muxer({ partMs: 200 });
    let error: unknown;
    try {
      muxer.push(event as MediaEvent);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CodecConfigError);
    expect((error as CodecConfigError).problem).toBe(problem);
  });
});
