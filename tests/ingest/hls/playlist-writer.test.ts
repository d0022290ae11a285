import { describe, expect, it } from "vitest";
import {
  type MediaPlaylistModel,
  type PlaylistSegment,
  formatSeconds,
  renderMediaPlaylist,
} from "../../../ingest/src/hls/playlist-writer.js";
import { parseM3u8 } from "./parse-m3u8.js";

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 600);

function seg(msn: number, opts: Partial<PlaylistSegment> & { partCount?: number } = {}): PlaylistSegment {
  const parts = opts.partCount
    ? Array.from({ length: opts.partCount }, (_, i) => ({ duration: 0.5, uri: `part-${msn}-${i}.m4s`, independent: i === 0 }))
    : undefined;
  return {
    uri: `seg-${msn}.m4s`,
    duration: 2,
    programDateTime: T0 + msn * 2000,
    discontinuity: false,
    mapUri: "init-0.mp4",
    ...(parts ? { parts } : {}),
    ...opts,
  };
}

function model(over: Partial<MediaPlaylistModel> = {}): MediaPlaylistModel {
  return {
    targetDuration: 2,
    partTarget: 0.5,
    mediaSequence: 10,
    discontinuitySequence: 0,
    independentSegments: false,
    skippedSegments: 0,
    segments: [seg(10), seg(11, { partCount: 4 }), { ...seg(12, { partCount: 2 }), uri: undefined }],
    preloadHintUri: "part-12-2.m4s",
    ended: false,
    ...over,
  };
}

describe("renderMediaPlaylist", () => {
  it("renders a live LL-HLS playlist", () => {
    expect(renderMediaPlaylist(model())).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-PART-INF:PART-TARGET=0.5",
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=12",
        "#EXT-X-MEDIA-SEQUENCE:10",
        "#EXT-X-DISCONTINUITY-SEQUENCE:0",
        '#EXT-X-MAP:URI="init-0.mp4"',
        "#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:25.600Z",
        "#EXTINF:2,",
        "seg-10.m4s",
        "#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:27.600Z",
        '#EXT-X-PART:DURATION=0.5,URI="part-11-0.m4s",INDEPENDENT=YES',
        '#EXT-X-PART:DURATION=0.5,URI="part-11-1.m4s"',
        '#EXT-X-PART:DURATION=0.5,URI="part-11-2.m4s"',
        '#EXT-X-PART:DURATION=0.5,URI="part-11-3.m4s"',
        "#EXTINF:2,",
        "seg-11.m4s",
        "#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:29.600Z",
        '#EXT-X-PART:DURATION=0.5,URI="part-12-0.m4s",INDEPENDENT=YES',
        '#EXT-X-PART:DURATION=0.5,URI="part-12-1.m4s"',
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-12-2.m4s"',
        "",
      ].join("\n"),
    );
  });

  it("reads back through m3u8-parser as VHS sees it", () => {
    const { manifest, warnings } = parseM3u8(renderMediaPlaylist(model()));
    expect(warnings).toEqual([]);
    expect(manifest).toMatchObject({
      version: 6,
      mediaSequence: 10,
      discontinuitySequence: 0,
      targetDuration: 2,
      partTargetDuration: 0.5,
      serverControl: { canBlockReload: true, partHoldBack: 1.5, canSkipUntil: 12 },
    });
    expect(manifest.endList).toBeUndefined();
    expect(manifest.segments.map((s) => [s.uri, s.duration, s.parts?.length ?? 0, s.map?.uri])).toEqual([
      ["seg-10.m4s", 2, 0, "init-0.mp4"],
      ["seg-11.m4s", 2, 4, "init-0.mp4"],
    ]);
    expect(manifest.segments[1]!.parts!.map((p) => p.independent ?? false)).toEqual([true, false, false, false]);
    expect(manifest.preloadSegment?.parts?.map((p) => p.uri)).toEqual(["part-12-0.m4s", "part-12-1.m4s"]);
    expect(manifest.preloadSegment?.preloadHints).toEqual([{ type: "PART", uri: "part-12-2.m4s" }]);
    expect(manifest.preloadSegment?.dateTimeString).toBe("2026-01-02T03:04:29.600Z");
  });

  it("marks discontinuities, re-states the map and numbers timelines", () => {
    const text = renderMediaPlaylist(
      model({
        discontinuitySequence: 4,
        segments: [
          seg(10),
          seg(11, { discontinuity: true, mapUri: "init-1.mp4", programDateTime: T0 + 60_000 }),
          seg(12, { mapUri: "init-1.mp4" }),
        ],
      }),
    );
    expect(text.match(/#EXT-X-MAP/g)).toHaveLength(2);
    expect(text).toMatch(/#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-1.mp4"\n#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:05:05.600Z\n/);
    const { manifest, warnings } = parseM3u8(text);
    expect(warnings).toEqual([]);
    expect(manifest.segments.map((s) => [s.timeline, s.map?.uri, s.discontinuity ?? false])).toEqual([
      [4, "init-0.mp4", false],
      [5, "init-1.mp4", true],
      [5, "init-1.mp4", false],
    ]);
  });

  it("re-states an unchanged map after a discontinuity", () => {
    const text = renderMediaPlaylist(model({ segments: [seg(10), seg(11, { discontinuity: true })] }));
    expect(text.match(/#EXT-X-MAP:URI="init-0.mp4"/g)).toHaveLength(2);
  });

  it("writes a delta update with EXT-X-SKIP and version 9", () => {
    const text = renderMediaPlaylist(model({ skippedSegments: 6, segments: [seg(16), seg(17, { partCount: 4 })] }));
    expect(text).toContain("#EXT-X-VERSION:9\n");
    expect(text).toContain("#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n");
    const { manifest, warnings } = parseM3u8(text);
    expect(warnings).toEqual([]);
    expect(manifest.skip).toEqual({ skippedSegments: 6 });
    expect(manifest.segments[0]!.map?.uri).toBe("init-0.mp4");
  });

  it("ends with EXT-X-ENDLIST and no preload hint", () => {
    const text = renderMediaPlaylist(model({ ended: true, segments: [seg(10), seg(11)] }));
    expect(text.endsWith("seg-11.m4s\n#EXT-X-ENDLIST\n")).toBe(true);
    expect(text).not.toContain("PRELOAD-HINT");
    expect(parseM3u8(text).manifest.endList).toBe(true);
  });

  it("states EXT-X-INDEPENDENT-SEGMENTS only when asked", () => {
    expect(renderMediaPlaylist(model({ independentSegments: true }))).toContain("#EXT-X-INDEPENDENT-SEGMENTS\n");
    expect(renderMediaPlaylist(model())).not.toContain("INDEPENDENT-SEGMENTS");
  });

  it("uses explicit hold-back and skip values", () => {
    const { manifest } = parseM3u8(renderMediaPlaylist(model({ partHoldBack: 1.2, canSkipUntil: 30 })));
    expect(manifest.serverControl).toMatchObject({ partHoldBack: 1.2, canSkipUntil: 30 });
  });

  it.each([
    { name: "absolute URI", over: { preloadHintUri: "https://cdn.example/part.m4s" } },
    { name: "root-relative URI", over: { segments: [seg(10, { mapUri: "/init-0.mp4" })] } },
    { name: "quote in URI", over: { segments: [seg(10, { uri: 'seg"1.m4s' })] } },
    { name: "open segment before a complete one", over: { segments: [{ ...seg(10), uri: undefined }, seg(11)] } },
    { name: "fractional target duration", over: { targetDuration: 1.5 } },
  ])("refuses $name", ({ over }) => {
    expect(() => renderMediaPlaylist(model(over as Partial<MediaPlaylistModel>))).toThrow(RangeError);
  });
});

describe("formatSeconds", () => {
  it.each([
    [2, "2"],
    [0.5, "0.5"],
    [0.266666666, "0.26667"],
    [2.0000001, "2"],
    [1e-7, "0"],
    [10.25, "10.25"],
  ])("%d -> %s", (n, s) => {
    expect(formatSeconds(n)).toBe(s);
  });

  it("refuses negative and non-finite values", () => {
    expect(() => formatSeconds(-1)).toThrow(RangeError);
    expect(() => formatSeconds(Number.NaN)).toThrow(RangeError);
  });
});
