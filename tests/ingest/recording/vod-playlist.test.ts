import { describe, expect, it } from "vitest";
import type { RecordingIndex, SegmentEntry } from "../../../ingest/src/recording/recording-index.js";
import { renderVodPlaylist } from "../../../ingest/src/recording/vod-playlist.js";
import { parseM3u8 } from "../hls/parse-m3u8.js";

const T0 = Date.UTC(2026, 11, 3, 20, 0, 0);

function index(segments: Array<Partial<SegmentEntry> & { dur: number }>): RecordingIndex {
  let pdt = T0;
  return {
    inits: [
      { t: "init", n: 0, bytes: 700 },
      { t: "init", n: 1, bytes: 710 },
    ],
    segments: segments.map((s, n) => {
      const entry: SegmentEntry = { t: "seg", n, init: 0, bytes: 1000, pdt, disc: false, ...s };
      pdt = entry.pdt + entry.dur * 1000;
      return entry;
    }),
  };
}

describe("renderVodPlaylist", () => {
  it("renders an ended recording as VOD with ENDLIST, a map and a date per segment", () => {
    expect(renderVodPlaylist(index([{ dur: 2 }, { dur: 2.0333 }]), true)).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-MEDIA-SEQUENCE:0",
        '#EXT-X-MAP:URI="init-0.mp4"',
        "#EXT-X-PROGRAM-DATE-TIME:2026-12-03T20:00:00.000Z",
        "#EXTINF:2,",
        "seg-0.m4s",
        "#EXT-X-PROGRAM-DATE-TIME:2026-12-03T20:00:02.000Z",
        "#EXTINF:2.0333,",
        "seg-1.m4s",
        "#EXT-X-ENDLIST",
        "",
      ].join("\n"),
    );
  });

  it("renders the recording in progress as EVENT without ENDLIST", () => {
    const text = renderVodPlaylist(index([{ dur: 2 }]), false);
    expect(text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(text).not.toContain("#EXT-X-ENDLIST");
  });

  const cases: Array<{
    name: string;
    segments: Array<Partial<SegmentEntry> & { dur: number }>;
    discontinuities: number[];
    maps: string[];
    target: number;
  }> = [
    {
      name: "one timeline",
      segments: [{ dur: 2 }, { dur: 2 }, { dur: 1.5 }],
      discontinuities: [],
      maps: ["init-0.mp4", "init-0.mp4", "init-0.mp4"],
      target: 2,
    },
    {
      name: "a reconnect with the same init",
      segments: [{ dur: 2 }, { dur: 1.2 }, { dur: 2, disc: true }, { dur: 2 }],
      discontinuities: [2],
      maps: ["init-0.mp4", "init-0.mp4", "init-0.mp4", "init-0.mp4"],
      target: 2,
    },
    {
      name: "a new init without the flag still breaks the timeline",
      segments: [{ dur: 2 }, { dur: 2, init: 1 }, { dur: 2, init: 1 }],
      discontinuities: [1],
      maps: ["init-0.mp4", "init-1.mp4", "init-1.mp4"],
      target: 2,
    },
    {
      name: "a flag on the first segment is ignored",
      segments: [{ dur: 2, disc: true }],
      discontinuities: [],
      maps: ["init-0.mp4"],
      target: 2,
    },
    {
      name: "target duration is the rounded longest segment",
      segments: [{ dur: 2.4 }, { dur: 4.6 }, { dur: 0.2 }],
      discontinuities: [],
      maps: ["init-0.mp4", "init-0.mp4", "init-0.mp4"],
      target: 5,
    },
    { name: "short segments still give a target of 1", segments: [{ dur: 0.3 }], discontinuities: [], maps: ["init-0.mp4"], target: 1 },
  ];

  for (const c of cases) {
    it(`reads back with m3u8-parser: ${c.name}`, () => {
      const idx = index(c.segments);
      const { manifest, warnings } = parseM3u8(renderVodPlaylist(idx, true));
      expect(warnings).toEqual([]);
      expect(manifest.endList).toBe(true);
      expect(manifest.targetDuration).toBe(c.target);
      expect(manifest.segments.map((s) => s.uri)).toEqual(idx.segments.map((s) => `seg-${s.n}.m4s`));
      expect(manifest.segments.map((s) => s.map?.uri)).toEqual(c.maps);
      expect(manifest.segments.flatMap((s, i) => (s.discontinuity ? [i] : []))).toEqual(c.discontinuities);
      const total = manifest.segments.reduce((sum, s) => sum + s.duration, 0);
      expect(total).toBeCloseTo(
        c.segments.reduce((sum, s) => sum + s.dur, 0),
        6,
      );
      expect(manifest.segments.map((s) => s.programDateTime)).toEqual(idx.segments.map((s) => s.pdt));
      for (const s of manifest.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(c.target);
    });
  }
});
