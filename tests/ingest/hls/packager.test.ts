import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InitInfo, parseFragment, parseInit } from "../../../ingest/src/mp4/fmp4-reader.js";
import type { PartClosed, SegmentClosed } from "../../../ingest/src/hls/packager-events.js";
import type { LlHlsPackagerOptions } from "../../../ingest/src/hls/packager-options.js";
import { LlHlsPackager } from "../../../ingest/src/hls/packager.js";
import { parseResourceName } from "../../../ingest/src/hls/resource-names.js";
import { ffprobeJson, makeFlv, muxFile, type FlvSpec } from "../media/ffmpeg-fixtures.js";
import { type ParsedPart, type ParsedPlaylist, parseM3u8 } from "./parse-m3u8.js";

interface Clip {
  init: Buffer;
  info: InitInfo;
  fragments: Buffer[];
  /** Per fragment: video duration (s) and whether its first video sample is a keyframe. */
  meta: Array<{ videoS: number; keyframe: boolean }>;
}

const START = Date.UTC(2026, 5, 1, 20, 0, 0);

/** A fake wall clock that the feeder advances by each fragment's duration, like real time would. */
class FakeClock {
  now = START;
  read = () => this.now;
}

function packager(clock: FakeClock, over: Partial<LlHlsPackagerOptions> = {}): LlHlsPackager {
  return new LlHlsPackager({ partTargetMs: 250, windowSegments: 10, clock: clock.read, ...over });
}

function feed(p: LlHlsPackager, clip: Clip, clock: FakeClock, count = clip.fragments.length): void {
  p.pushInit(clip.init);
  for (const [i, f] of clip.fragments.slice(0, count).entries()) {
    clock.now += clip.meta[i]!.videoS * 1000;
    p.pushFragment(f);
  }
}

function parsed(p: LlHlsPackager, skip = false): ParsedPlaylist {
  const text = p.playlist({ skip });
  if (text === null) throw new Error("no playlist yet");
  const { manifest, warnings } = parseM3u8(text);
  expect(warnings).toEqual([]);
  return manifest;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const partsOf = (m: ParsedPlaylist): ParsedPart[] => [...m.segments.flatMap((s) => s.parts ?? []), ...(m.preloadSegment?.parts ?? [])];
const tick = () => new Promise((r) => setImmediate(r));
const msnOf = (uri: string) => Number(/seg-(\d+)/.exec(uri)![1]);

describe("LlHlsPackager on fragments of real x264/AAC muxed in-process", () => {
  let dir: string;
  const clips: Record<string, Clip> = {};

  async function makeClip(name: string, spec: FlvSpec): Promise<Clip> {
    const { init, fragments } = await muxFile(await makeFlv(dir, name, spec), 250);
    const info = parseInit(init);
    // Audio-only clips: the audio track times the parts.
    const ref = info.tracks.find((t) => t.kind === "video") ?? info.tracks[0]!;
    const meta = fragments.map((f) => {
      const tracks = parseFragment(f, info).tracks;
      const v = tracks.find((t) => t.id === ref.id);
      // The audio after the last video frame goes out in a part of its own.
      if (!v) return { videoS: tracks[0]!.duration / info.tracks.find((t) => t.id === tracks[0]!.id)!.timescale, keyframe: false };
      return { videoS: v.duration / ref.timescale, keyframe: v.samples[0]!.isSync };
    });
    return { init, info, fragments, meta };
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "packager-"));
    clips.gop2s = await makeClip("gop2s", { seconds: 8, gop: 60 });
    clips.gop1s = await makeClip("gop1s", { seconds: 14, gop: 30, size: "160x90" });
    clips.gopHalf = await makeClip("gopHalf", { seconds: 4, gop: 15, size: "160x90" });
    clips.gop5s = await makeClip("gop5s", { seconds: 11, gop: 150, size: "160x90" });
    clips.other = await makeClip("other", { seconds: 3, gop: 30, size: "192x108" });
    clips.videoOnly = await makeClip("videoOnly", { seconds: 3, gop: 30, size: "160x90", audio: false });
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("cuts parts and keyframe-aligned segments with consistent durations, flags and dates", () => {
    const clip = clips.gop2s!;
    const clock = new FakeClock();
    const p = packager(clock, { partSegments: 100 });
    expect(p.playlist()).toBeNull();
    feed(p, clip, clock);
    const m = parsed(p);

    // Every fragment is one part, in order; INDEPENDENT exactly where the fragment starts with a keyframe.
    const parts = partsOf(m);
    expect(parts).toHaveLength(clip.fragments.length);
    expect(parts.map((x) => x.independent ?? false)).toEqual(clip.meta.map((x) => x.keyframe));
    expect(parts.map((x) => x.duration)).toEqual(clip.meta.map((x) => Number(x.videoS.toFixed(5))));
    for (const [i, part] of parts.entries()) {
      const name = parseResourceName(part.uri);
      expect(name?.kind).toBe("part");
      if (name?.kind === "part") expect(p.getPart(name.msn, name.part)?.equals(clip.fragments[i]!)).toBe(true);
    }

    // 2 s GOP: complete segments are 2 s, each starts with an independent part, parts add up to EXTINF.
    expect(m.segments.length).toBe(3);
    for (const s of m.segments) {
      expect(s.parts![0]!.independent).toBe(true);
      expect(s.parts!.slice(1).some((x) => x.independent)).toBe(false);
      expect(sum(s.parts!.map((x) => x.duration))).toBeCloseTo(s.duration, 4);
      expect(s.duration).toBeCloseTo(2, 1);
      expect(Math.round(s.duration)).toBeLessThanOrEqual(m.targetDuration!);
    }
    expect(m.targetDuration).toBe(2);

    // PART-TARGET holds every part (video and audio) and is the configured target plus a small margin.
    const maxTrackS = Math.max(
      ...clip.fragments.flatMap((f) =>
        parseFragment(f, clip.info).tracks.map((t) => t.duration / clip.info.tracks.find((x) => x.id === t.id)!.timescale),
      ),
    );
    expect(m.partTargetDuration).toBeGreaterThanOrEqual(maxTrackS);
    expect(m.partTargetDuration).toBeGreaterThan(0.25);
    expect(m.partTargetDuration).toBeLessThanOrEqual(0.25 + 0.06);
    expect(m.serverControl).toMatchObject({ canBlockReload: true, canSkipUntil: 12 });
    expect(m.serverControl!.partHoldBack).toBeCloseTo(3 * m.partTargetDuration!, 5);

    // PROGRAM-DATE-TIME: from the clock at the first fragment, then advancing by segment durations.
    const dates = m.segments.map((s) => Date.parse(s.dateTimeString!));
    expect(dates[0]).toBe(START);
    for (let i = 1; i < dates.length; i++) expect(dates[i]! - dates[i - 1]!).toBeCloseTo(m.segments[i - 1]!.duration * 1000, 3);
    const openDate = Date.parse(m.preloadSegment!.dateTimeString!);
    expect(openDate - dates.at(-1)!).toBeCloseTo(m.segments.at(-1)!.duration * 1000, 3);

    // Preload hint: the next part of the open segment.
    const pos = p.position();
    expect(m.preloadSegment!.preloadHints).toEqual([{ type: "PART", uri: `part-${pos.msn}-${pos.part}.m4s` }]);
    expect(pos).toEqual({ msn: 3, part: m.preloadSegment!.parts!.length });
  });

  it("gives segments that ffprobe reads as H.264 + AAC of the expected duration", async () => {
    const clip = clips.gop2s!;
    const clock = new FakeClock();
    const p = packager(clock);
    feed(p, clip, clock);
    p.end();
    const m = parsed(p);
    expect(m.endList).toBe(true);
    const file = path.join(dir, "joined.mp4");
    await writeFile(file, Buffer.concat([p.getInit(0)!, ...m.segments.map((s) => p.getSegment(Number(s.uri.match(/\d+/)![0]))!)]));
    const probe = await ffprobeJson(["-count_packets", "-show_entries", "stream=codec_name,nb_read_packets:format=duration", file]);
    expect(probe.streams.map((s: { codec_name: string }) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    const h264 = probe.streams.find((s: { codec_name: string }) => s.codec_name === "h264");
    expect(Number(h264.nb_read_packets)).toBe(8 * 30);
    expect(Number(probe.format.duration)).toBeCloseTo(8, 0);
    expect(sum(m.segments.map((s) => s.duration))).toBeCloseTo(8, 1);
  });

  it("starts a segment at a keyframe only after the minimum segment duration", () => {
    const clip = clips.gopHalf!;
    const clock = new FakeClock();
    const p = packager(clock, { partSegments: 100 });
    feed(p, clip, clock);
    p.end();
    const m = parsed(p);
    // 0.5 s GOP: segments are 1 s with an independent part in the middle.
    expect(m.segments.length).toBe(4);
    for (const s of m.segments) {
      expect(s.duration).toBeCloseTo(1, 1);
      expect(s.parts!.filter((x) => x.independent).length).toBe(2);
      expect(s.parts![0]!.independent).toBe(true);
    }
    expect(m.targetDuration).toBe(1);
  });

  it("cuts long GOPs at maxSegmentMs and warns about the keyframe interval", () => {
    const clip = clips.gop5s!;
    const clock = new FakeClock();
    const p = packager(clock, { partSegments: 100, maxSegmentMs: 4000 });
    feed(p, clip, clock);
    const m = parsed(p);
    expect(m.segments.every((s) => s.duration <= 4.0001)).toBe(true);
    expect(m.targetDuration).toBe(4);
    // Segments begin with the keyframe at 0, 5 and 10 s or with a forced cut (not independent).
    const starts = m.segments.map((s) => s.parts![0]!.independent ?? false);
    expect(starts).toContain(false);
    expect(starts[0]).toBe(true);
    const stats = p.stats();
    expect(stats.video!.keyframeIntervalS).toBeCloseTo(5, 1);
    expect(stats.warnings.map((w) => w.code)).toEqual(["keyframe-interval-long", "segments-cut-without-keyframe"]);
    expect(stats.warnings[0]!.message).toMatch(/^Keyframe interval is 5(\.\d+)? s.*Keyframe Interval to 1 or 2 s/);
  });

  it("measures stats from the media", () => {
    const clip = clips.gop2s!;
    const clock = new FakeClock();
    const p = packager(clock);
    feed(p, clip, clock);
    const stats = p.stats();
    expect(stats.video).toMatchObject({ codec: expect.stringMatching(/^avc1\./), width: 320, height: 240, keyframeIntervalS: 2 });
    expect(stats.video!.fps).toBeCloseTo(30, 0);
    expect(stats.video!.droppedFrames).toBe(0); // ffmpeg's real timestamps: no false gaps
    const videoBytes = sum(
      clip.fragments.map((f) =>
        sum(
          parseFragment(f, clip.info)
            .tracks.find((t) => t.id === 1)!
            .samples.map((s) => s.size),
        ),
      ),
    );
    // The window covers the whole 8 s clip: the bitrate is its average.
    expect(stats.video!.bitrateKbps).toBeCloseTo((videoBytes * 8) / 8 / 1000, -1);
    expect(stats.audio).toMatchObject({ codec: "mp4a.40.2", sampleRate: 48000, channels: 2 });
    expect(stats.audio!.bitrateKbps).toBeGreaterThan(40);
    expect(stats.audio!.bitrateKbps).toBeLessThan(90);
    expect(stats.warnings).toEqual([]);
  });

  it("packages streams without audio or without video and says so", async () => {
    const clock = new FakeClock();
    const videoOnly = packager(clock);
    feed(videoOnly, clips.videoOnly!, clock);
    expect(videoOnly.stats()).toMatchObject({ audio: null, warnings: [{ code: "no-audio" }] });
    expect(parsed(videoOnly).segments.length).toBe(2);

    const audioOnly = await makeClip("audioOnly", { seconds: 3, gop: 30, video: false });
    const p = packager(clock, { partSegments: 100 });
    feed(p, audioOnly, clock);
    p.end();
    const m = parsed(p);
    expect(p.stats()).toMatchObject({ video: null, audio: { codec: "mp4a.40.2" }, warnings: [{ code: "no-video" }] });
    // Every audio part can start playback; segments follow the minimum duration.
    expect(partsOf(m).every((x) => x.independent)).toBe(true);
    expect(m.segments.slice(0, -1).every((s) => s.duration >= 1 && s.duration < 1.3)).toBe(true);
    expect(sum(m.segments.map((s) => s.duration))).toBeCloseTo(3, 1);
  });

  it("writes delta updates that skip old segments but keep the numbering", () => {
    const clip = clips.gop1s!;
    const clock = new FakeClock();
    const p = packager(clock, { windowSegments: 10 });
    feed(p, clip, clock);
    const full = parsed(p);
    const delta = parsed(p, true);
    expect(full.targetDuration).toBe(1);
    expect(full.segments).toHaveLength(10);
    // CAN-SKIP-UNTIL 6 s: segments that end more than 6 s before the end of the playlist are skipped.
    const total = sum(full.segments.map((s) => s.duration)) + sum(full.preloadSegment?.parts?.map((x) => x.duration) ?? []);
    let end = 0;
    const skippable = full.segments.filter((s) => (end += s.duration) <= total - 6 && !s.parts).length;
    expect(skippable).toBeGreaterThan(0);
    expect(delta.skip).toEqual({ skippedSegments: skippable });
    expect(delta.version).toBe(9);
    expect(delta.mediaSequence).toBe(full.mediaSequence);
    expect(delta.segments.map((s) => s.uri)).toEqual(full.segments.slice(skippable).map((s) => s.uri));
    expect(delta.segments[0]!.map?.uri).toBe("init-0.mp4");
    expect(p.playlist()).not.toContain("EXT-X-SKIP");
  });

  it("never skips past a discontinuity", () => {
    const clip = clips.gop1s!;
    const clock = new FakeClock();
    const p = packager(clock, { windowSegments: 10 });
    // 233 ms parts (7 frames): about 4 s, then the window's 10 segments and a bit.
    feed(p, clip, clock, 17);
    p.markDiscontinuity();
    feed(p, clip, clock, 46);
    const full = parsed(p);
    const discIndex = full.segments.findIndex((s) => s.discontinuity);
    expect(discIndex).toBe(1);
    const delta = parsed(p, true);
    expect(delta.skip?.skippedSegments ?? 0).toBeLessThanOrEqual(discIndex);
    // Same timeline numbers for the same segments whichever form the client got.
    const timelines = new Map(full.segments.map((s) => [s.uri, s.timeline]));
    for (const s of delta.segments) expect(s.timeline).toBe(timelines.get(s.uri));
  });

  it("keeps memory bounded: a window of segments listed, a few more retained, older ones gone", () => {
    const clip = clips.gop1s!;
    const clock = new FakeClock();
    const p = packager(clock, { windowSegments: 4, retainSegments: 2 });
    let maxRetained = 0;
    for (let round = 0; round < 5; round++) {
      if (round > 0) p.markDiscontinuity();
      feed(p, clip, clock);
      const pos = p.position();
      let retained = 0;
      for (let msn = 0; msn <= pos.msn; msn++) if (p.getSegment(msn) || p.getPart(msn, 0)) retained++;
      maxRetained = Math.max(maxRetained, retained);
    }
    expect(maxRetained).toBeLessThanOrEqual(4 + 2 + 1);
    const m = parsed(p);
    expect(m.segments).toHaveLength(4);
    expect(m.mediaSequence).toBeGreaterThan(50);
    expect(p.classify(0, 0)).toBe("gone");
    expect(p.getSegment(0)).toBeUndefined();
    const oldestRetained = m.mediaSequence! - 2;
    expect(p.getSegment(oldestRetained)).toBeDefined();
    expect(p.getSegment(oldestRetained - 1)).toBeUndefined();
  });

  it("continues numbering across a discontinuity, re-states the map and dates from the clock", () => {
    const a = clips.gop2s!;
    const b = clips.other!;
    const clock = new FakeClock();
    const p = packager(clock, { windowSegments: 6, retainSegments: 0 });
    feed(p, a, clock);
    const before = p.position();
    p.markDiscontinuity();
    // The performer reconnects 30 s later with other encoder settings (new init).
    clock.now += 30_000;
    const resumedAt = clock.now;
    feed(p, b, clock);
    const m = parsed(p);
    const disc = m.segments.find((s) => s.discontinuity)!;
    // markDiscontinuity() closed the open segment `before.msn`; the next one carries the tag.
    expect(disc.uri).toBe(`seg-${before.msn + 1}.m4s`);
    expect(disc.map?.uri).toBe("init-1.mp4");
    expect(m.segments.filter((s) => s.map?.uri === "init-0.mp4").length).toBeGreaterThan(0);
    expect(disc.timeline).toBe(1);
    // Wall clock at the first new fragment minus that fragment's duration: when its media began.
    // PROGRAM-DATE-TIME has whole milliseconds; part durations (7 frames at 30 fps) do not.
    expect(Math.abs(Date.parse(disc.dateTimeString!) - resumedAt)).toBeLessThan(1);
    expect(p.getInit(0)).toBeDefined();
    expect(p.getInit(1)?.equals(b.init)).toBe(true);
    expect(p.stats().video).toMatchObject({ width: 192, height: 108 });

    // Two more reconnects with the same init: no new init id; segments leaving the playlist take
    // their discontinuities into EXT-X-DISCONTINUITY-SEQUENCE, so timelines stay numbered alike.
    for (let i = 0; i < 2; i++) {
      p.markDiscontinuity();
      feed(p, b, clock);
    }
    const later = parsed(p);
    expect(later.segments.every((s) => s.map?.uri === "init-1.mp4")).toBe(true);
    expect(later.segments.at(-1)!.timeline).toBe(3);
    expect(later.discontinuitySequence).toBe(3 - later.segments.filter((s) => s.discontinuity).length);
    expect(later.mediaSequence).toBeGreaterThan(m.mediaSequence!);
    // No retained segment needs init 0 any more.
    expect(p.getInit(0)).toBeUndefined();
  });

  it("emits part and segment closed events with the bytes, timing and init a recorder needs", () => {
    const a = clips.gop2s!;
    const b = clips.other!;
    const clock = new FakeClock();
    const p = packager(clock, { windowSegments: 20, partSegments: 100 });
    const parts: PartClosed[] = [];
    const segments: SegmentClosed[] = [];
    p.on("part", (x) => parts.push(x));
    p.on("segment", (x) => segments.push(x));
    // A subscriber's bug is logged and ignored: packaging goes on.
    p.on("segment", () => {
      throw new Error("recorder bug");
    });
    feed(p, a, clock);
    p.markDiscontinuity();
    feed(p, b, clock);
    p.end();

    expect(parts).toHaveLength(a.fragments.length + b.fragments.length);
    for (const [i, part] of parts.entries()) {
      expect(part.bytes.equals([...a.fragments, ...b.fragments][i]!)).toBe(true);
      expect(p.getPart(part.msn, part.part)?.equals(part.bytes)).toBe(true);
      expect(part.init.equals(i < a.fragments.length ? a.init : b.init)).toBe(true);
    }
    const m = parsed(p);
    expect(segments.map((x) => x.msn)).toEqual(m.segments.map((x) => Number(/seg-(\d+)/.exec(x.uri)![1])));
    for (const [i, seg] of segments.entries()) {
      const listed = m.segments[i]!;
      expect(seg.bytes.equals(p.getSegment(seg.msn)!)).toBe(true);
      expect(seg.duration).toBeCloseTo(listed.duration, 5);
      expect(seg.parts).toBe(listed.parts!.length);
      expect(seg.independent).toBe(listed.parts![0]!.independent ?? false);
      expect(seg.discontinuity).toBe(listed.discontinuity ?? false);
      expect(Math.abs(seg.programDateTime - Date.parse(listed.dateTimeString!))).toBeLessThan(1);
      expect(`init-${seg.initId}.mp4`).toBe(listed.map?.uri);
      expect(seg.init.equals(p.getInit(seg.initId)!)).toBe(true);
      // Its parts, in order, make up the segment, timed from its PROGRAM-DATE-TIME.
      const own = parts.filter((x) => x.msn === seg.msn);
      expect(Buffer.concat(own.map((x) => x.bytes)).equals(seg.bytes)).toBe(true);
      expect(own[0]!.programDateTime).toBe(seg.programDateTime);
      expect(own.at(-1)!.programDateTime).toBeCloseTo(seg.programDateTime + (seg.duration - own.at(-1)!.duration) * 1000, 3);
    }
    expect(segments.filter((x) => x.discontinuity)).toHaveLength(1);
  });

  it("aligned (a rendition): cuts segments only where given a source start, with its msn, date and discontinuity numbering", () => {
    const clip = clips.gop2s!;
    const clock = new FakeClock();
    const source = packager(clock, { windowSegments: 20, partSegments: 100 });
    const starts = new Map<number, PartClosed>();
    source.on("part", (x) => {
      if (x.part === 0) starts.set(starts.size, x);
    });
    feed(source, clip, clock);
    const rendition = packager(clock, { windowSegments: 20, partSegments: 100, aligned: true, initialMsn: 500 });
    rendition.pushInit(clip.init);
    // The rendition joins late: fragments before the first source start it is given are dropped.
    let nthStart = 0;
    const accepted = clip.fragments.map((f, i) => {
      const startsHere = i > 0 && clip.meta[i]!.keyframe;
      const s = startsHere ? starts.get(++nthStart) : undefined;
      const given = s && { msn: s.msn + 1000, programDateTime: s.programDateTime, discontinuity: false, discontinuitySequence: 7 };
      return rendition.pushFragment(f, undefined, given);
    });
    expect(accepted.indexOf(true)).toBe(clip.meta.findIndex((m, i) => i > 0 && m.keyframe));
    const m = parsed(rendition);
    const sourceM = parsed(source);
    expect(m.mediaSequence).toBe(msnOf(sourceM.segments[1]!.uri) + 1000);
    expect(m.discontinuitySequence).toBe(7);
    expect(m.segments.map((x) => x.dateTimeString)).toEqual(sourceM.segments.slice(1).map((x) => x.dateTimeString));
    expect(m.segments.map((x) => x.duration)).toEqual(sourceM.segments.slice(1).map((x) => x.duration));

    // A start that skips numbers (a restarted transcoder) begins a new listed window; older segments stay fetchable.
    const last = msnOf(m.segments.at(-1)!.uri);
    rendition.pushFragment(clip.fragments[0]!, undefined, {
      msn: last + 5,
      programDateTime: START,
      discontinuity: false,
      discontinuitySequence: 7,
    });
    rendition.pushFragment(clip.fragments[1]!);
    rendition.markDiscontinuity();
    const after = parsed(rendition);
    expect(after.mediaSequence).toBe(last + 5);
    expect(after.segments).toHaveLength(1);
    expect(rendition.getSegment(last)).toBeDefined();
    expect(rendition.getSegment(last + 5)).toBeDefined();
    expect(rendition.bandwidth()!.peakBps).toBeGreaterThanOrEqual(rendition.bandwidth()!.averageBps);
  });

  it("starts numbering at initialMsn, with no discontinuity before its first segment", async () => {
    const clip = clips.gop2s!;
    const clock = new FakeClock();
    const first = 17_000_000_000;
    const p = packager(clock, { initialMsn: first });
    expect(p.position()).toEqual({ msn: first, part: 0 });
    expect(p.classify(first - 1, 0)).toBe("gone");
    expect(p.classify(first, 0)).toBe("pending");
    const waiting = p.waitFor(first, 0, 5_000);
    // A reconnect before any media must not produce a discontinuity tag.
    p.markDiscontinuity();
    feed(p, clip, clock);
    expect(await waiting).toBe("ready");
    const m = parsed(p);
    expect(m.mediaSequence).toBe(first);
    expect(m.segments[0]!.uri).toBe(`seg-${first}.m4s`);
    expect(m.segments.some((s) => s.discontinuity)).toBe(false);
    expect(parseResourceName(m.segments[0]!.parts?.[0]?.uri ?? m.segments[0]!.uri)).toMatchObject({ msn: first });
    expect(p.getSegment(first)).toBeDefined();
    p.markDiscontinuity();
    feed(p, clip, clock);
    expect(parsed(p).segments.filter((s) => s.discontinuity).length).toBe(1);
    for (const bad of [-1, 1.5, 1e15, Number.NaN]) {
      expect(() => packager(clock, { initialMsn: bad })).toThrow(RangeError);
    }
  });

  it("numbers every segment's timeline the same in every playlist it appears in", () => {
    const clip = clips.gop1s!;
    const clock = new FakeClock();
    const p = packager(clock, { windowSegments: 3, retainSegments: 0 });
    const seen = new Map<string, number>();
    let checked = 0;
    for (let round = 0; round < 4; round++) {
      if (round > 0) p.markDiscontinuity();
      p.pushInit(clip.init);
      for (const [i, f] of clip.fragments.slice(0, 8 + round * 4).entries()) {
        clock.now += clip.meta[i]!.videoS * 1000;
        p.pushFragment(f);
        for (const skip of [false, true]) {
          for (const s of parsed(p, skip).segments) {
            expect([s.uri, s.timeline]).toEqual([s.uri, seen.get(s.uri) ?? s.timeline]);
            seen.set(s.uri, s.timeline);
            checked++;
          }
        }
      }
    }
    // Includes playlists whose first segment carries the discontinuity tag.
    expect(new Set(seen.values())).toEqual(new Set([0, 1, 2, 3]));
    expect(checked).toBeGreaterThan(100);
  });

  it("keeps the init id when the same init comes again", () => {
    const clip = clips.gop2s!;
    const clock = new FakeClock();
    const p = packager(clock);
    expect(p.pushInit(clip.init)).toBe(0);
    expect(p.pushInit(Buffer.from(clip.init))).toBe(0);
    expect(p.currentInitId).toBe(0);
    expect(() => p.pushFragment(Buffer.alloc(8))).toThrow();
    expect(() => new LlHlsPackager({ partTargetMs: 250, windowSegments: 10 }).pushFragment(clip.fragments[0]!)).toThrow(/before init/);
  });

  describe("blocking reload", () => {
    it("classifies requests like RFC 8216bis 6.2.5.2", () => {
      const clip = clips.gop2s!;
      const clock = new FakeClock();
      const p = packager(clock, { windowSegments: 3, retainSegments: 0 });
      expect(p.classify(0, 0)).toBe("pending");
      feed(p, clip, clock, 20);
      const { msn, part } = p.position();
      expect(msn).toBeGreaterThan(1);
      const limit = p.advancePartLimit();
      expect(limit).toBe(Math.floor(3 / parsed(p).partTargetDuration!));
      const table: Array<[number, number | undefined, string]> = [
        [msn, part - 1, "ready"],
        [msn, part, "pending"],
        [msn, part + limit - 1, "pending"],
        [msn, part + limit, "too-far"],
        [msn - 1, 99, "ready"], // a later part exists
        [msn - 1, undefined, "ready"],
        [msn, undefined, "pending"],
        [msn + 1, 0, "pending"],
        [msn + 1, undefined, "pending"],
        [msn + 1, limit, "too-far"],
        [msn + 2, 0, "too-far"],
        [msn + 2, undefined, "too-far"],
        [-1, 0, "too-far"],
        [msn, -1, "too-far"],
        [msn, 0.5, "too-far"],
      ];
      for (const [m, pt, expected] of table) expect([m, pt, p.classify(m, pt)]).toEqual([m, pt, expected]);
      feed(p, clip, clock);
      expect(p.classify(0, 0)).toBe("gone");
    });

    it("resolves a waiter when its part appears, not before", async () => {
      const clip = clips.gop2s!;
      const clock = new FakeClock();
      const p = packager(clock);
      p.pushInit(clip.init);
      const results: string[] = [];
      void p.waitFor(0, 1, 5000).then((r) => results.push(`0.1 ${r}`));
      void p.waitFor(0, 0, 5000).then((r) => results.push(`0.0 ${r}`));
      void p.waitFor(0, undefined, 5000).then((r) => results.push(`seg0 ${r}`));
      await tick();
      expect(results).toEqual([]);
      expect(p.waiterCount).toBe(3);
      p.pushFragment(clip.fragments[0]!);
      await tick();
      expect(results).toEqual(["0.0 ready"]);
      p.pushFragment(clip.fragments[1]!);
      await tick();
      expect(results).toEqual(["0.0 ready", "0.1 ready"]);
      // Segment 0 is complete when the keyframe fragment at 2 s opens segment 1.
      let i = 2;
      while (!clip.meta[i]!.keyframe) {
        p.pushFragment(clip.fragments[i++]!);
        await tick();
        expect(results).toHaveLength(2);
      }
      p.pushFragment(clip.fragments[i]!);
      await tick();
      expect(results).toEqual(["0.0 ready", "0.1 ready", "seg0 ready"]);
      expect(p.waiterCount).toBe(0);
      expect(await p.waitFor(0, 0, 5000)).toBe("ready");
    });

    it("answers a part asked in the open segment once that segment closes without it", async () => {
      const clip = clips.gop2s!;
      const clock = new FakeClock();
      const p = packager(clock);
      feed(p, clip, clock, 3);
      const waiting = p.waitFor(0, 7, 5000);
      p.markDiscontinuity();
      expect(await waiting).toBe("ready");
    });

    it("times out, honours abort and bounds the number of waiters", async () => {
      const clip = clips.gop2s!;
      const clock = new FakeClock();
      const p = packager(clock, { maxWaiters: 2 });
      feed(p, clip, clock, 2);
      expect(await p.waitFor(0, 5, 20)).toBe("timeout");
      const controller = new AbortController();
      const aborted = p.waitFor(0, 5, 5000, controller.signal);
      const held = p.waitFor(1, 0, 5000);
      expect(await p.waitFor(0, 5, 5000)).toBe("timeout"); // third waiter: over maxWaiters
      controller.abort();
      expect(await aborted).toBe("timeout");
      expect(p.waiterCount).toBe(1);
      p.end();
      expect(await held).toBe("ended");
    });

    it("end() closes the open segment, writes ENDLIST and releases every waiter", async () => {
      const clip = clips.gop2s!;
      const clock = new FakeClock();
      const p = packager(clock);
      feed(p, clip, clock, 10);
      const open = p.position();
      const future = p.waitFor(open.msn + 1, 0, 5000);
      // The open segment is complete once ended: asking for its next part or for the whole segment is answered.
      const nextPart = p.waitFor(open.msn, open.part, 5000);
      const segment = p.waitFor(open.msn, undefined, 5000);
      p.end();
      expect(await future).toBe("ended");
      expect(await nextPart).toBe("ready");
      expect(await segment).toBe("ready");
      expect(await p.waitFor(open.msn + 1, 0, 5000)).toBe("ended");
      const m = parsed(p);
      expect(m.endList).toBe(true);
      expect(m.preloadSegment).toBeUndefined();
      expect(p.getSegment(open.msn)).toBeDefined();
      expect(p.ended).toBe(true);
      expect(() => p.pushFragment(clip.fragments[10]!)).toThrow(/ended/);
      expect(p.blockingTimeoutMs()).toBe(3 * m.targetDuration! * 1000);
    });
  });
});
