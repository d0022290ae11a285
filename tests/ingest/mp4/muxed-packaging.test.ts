// The in-process muxer's output through the LL-HLS packager: the playlist's timing tags are what the
// muxer produces, also when the publisher's timestamps jump or its codec setup changes mid-stream.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlHlsPackager } from "../../../ingest/src/hls/packager.js";
import { Fmp4Muxer } from "../../../ingest/src/mp4/fmp4-muxer.js";
import type { MediaEvent } from "../../../ingest/src/streams/media.js";
import { parsePlaylist } from "../e2e/support.js";
import { encodeFlv, ffmpegDecodeErrors, flvToMedia } from "./flv-media.js";

let dir: string;
let av: MediaEvent[];
let other: MediaEvent[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "muxed-packaging-"));
  // 2 s keyframe interval as OBS is told to send; 8 s.
  av = flvToMedia(await encodeFlv(dir, "av", { seconds: 8, gop: 60, bframes: 2 }));
  other = flvToMedia(await encodeFlv(dir, "other", { seconds: 4, gop: 50, fps: 25, size: "640x360", audioRate: 44100 }));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

function shifted(events: MediaEvent[], from: number, byMs: number): MediaEvent[] {
  return events.map((e, i) =>
    i < from || (e.kind !== "video" && e.kind !== "audio")
      ? e
      : e.kind === "video"
        ? { ...e, dts: e.dts + byMs, pts: e.pts + byMs }
        : { ...e, dts: e.dts + byMs },
  );
}

function packageEvents(events: MediaEvent[]): LlHlsPackager {
  const packager = new LlHlsPackager({ partTargetMs: 200, windowSegments: 20 });
  const muxer = new Fmp4Muxer({ partMs: 200 });
  for (const o of [...events.flatMap((e) => muxer.push(e)), ...muxer.flush()]) {
    if (o.kind === "init") packager.pushInit(o.bytes);
    else if (o.kind === "part") packager.pushFragment(o.bytes, o.partTargetS);
    else packager.markDiscontinuity();
  }
  packager.end();
  return packager;
}

function timing(packager: LlHlsPackager) {
  const { manifest, text } = parsePlaylist(packager.playlist()!);
  const partTarget = Number(/PART-TARGET=([\d.]+)/.exec(text)![1]);
  const holdBack = Number(/PART-HOLD-BACK=([\d.]+)/.exec(text)![1]);
  const parts = manifest.segments.flatMap((s) => s.parts ?? []);
  return { manifest, text, partTarget, holdBack, targetDuration: manifest.targetDuration!, parts };
}

describe("muxer -> packager", () => {
  it("advertises PART-TARGET as produced (0.214 s for 200 ms at 30 fps + 48 kHz), PART-HOLD-BACK 3x, no part over it", () => {
    const t = timing(packageEvents(av));
    expect(t.partTarget).toBe(0.214);
    expect(t.holdBack).toBeCloseTo(0.642, 3);
    expect(t.targetDuration).toBe(2);
    for (const p of t.parts) expect(p.duration).toBeLessThanOrEqual(t.partTarget);
    for (const s of t.manifest.segments.filter((x) => x.parts)) expect(s.parts![0]!.independent).toBe(true);
  });

  it.each([
    ["forward by an hour", 3_600_000],
    ["backward by 5 s", -5_000],
  ])(
    "a timestamp jump (%s): one EXT-X-DISCONTINUITY, TARGETDURATION/PART-TARGET/PART-HOLD-BACK unchanged, every segment decodes",
    async (name, jump) => {
      const at = av.findIndex((e) => e.kind === "video" && e.dts > 3100);
      const packager = packageEvents(shifted(av, at, jump));
      const t = timing(packager);
      expect(t.text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
      expect([t.targetDuration, t.partTarget]).toEqual([2, 0.214]);
      expect(t.holdBack).toBeCloseTo(0.642, 3);
      for (const s of t.manifest.segments) expect(s.duration).toBeLessThanOrEqual(t.targetDuration + 0.5);
      for (const p of t.parts) expect(p.duration).toBeLessThanOrEqual(t.partTarget);
      const init = packager.getInit(0)!;
      for (const s of t.manifest.segments) {
        const msn = Number(/seg-(\d+)/.exec(s.uri)![1]);
        expect(
          await ffmpegDecodeErrors(dir, `${name.replace(/ /g, "-")}-${msn}.mp4`, Buffer.concat([init, packager.getSegment(msn)!])),
        ).toBe("");
      }
    },
  );

  it("a new sequence header mid-stream: a new EXT-X-MAP with EXT-X-DISCONTINUITY at the keyframe, each segment decodes with its init", async () => {
    const end = Math.max(...av.map((e) => ("dts" in e ? e.dts : 0))) + 40;
    const packager = packageEvents([...av, ...shifted(other, 0, end)]);
    const t = timing(packager);
    const maps = [...t.text.matchAll(/#EXT-X-MAP:URI="init-(\d+)\.mp4"/g)].map((m) => Number(m[1]));
    expect(new Set(maps)).toEqual(new Set([0, 1]));
    expect(t.text).toMatch(/#EXT-X-DISCONTINUITY\n(#EXT-X-PROGRAM-DATE-TIME:.*\n)?#EXT-X-MAP:URI="init-1\.mp4"/);
    expect(packager.stats().video).toMatchObject({ width: 640, height: 360 });
    expect(packager.stats().audio).toMatchObject({ sampleRate: 44100 });
    for (const s of t.manifest.segments) {
      const msn = Number(/seg-(\d+)/.exec(s.uri)![1]);
      const initId = Number(/init-(\d+)/.exec(s.map!.uri)![1]);
      expect(
        await ffmpegDecodeErrors(dir, `change-${msn}.mp4`, Buffer.concat([packager.getInit(initId)!, packager.getSegment(msn)!])),
      ).toBe("");
    }
  });
});
