import { describe, expect, it } from "vitest";
import { chooseLiveStart, liveEdgeDelay, worthWaitingForNewerKeyframe } from "../../player/src/live-start.js";
import { llhlsPlaylist, vhsMediaPlaylist } from "./support/vhs-playlist.js";

/** VHS's end of a playlist: every segment's duration, the in-progress one counted as TARGETDURATION. */
const vhsEnd = (playlist: ReturnType<typeof vhsMediaPlaylist>) => playlist.segments.reduce((sum, s) => sum + s.duration, 0);

describe("chooseLiveStart", () => {
  it("starts at the newest segment start (keyframe) at least PART-HOLD-BACK behind the newest part", () => {
    // 4 full segments (0–8 s), 7 parts of the fifth (8–9.4 s): newest keyframe at 8 s is 1.4 s back
    const playlist = vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 4, partsInProgress: 7 }));
    const start = chooseLiveStart(playlist)!;
    expect(start.behindEdge).toBeCloseTo(1.4, 6);
    expect(vhsEnd(playlist) + start.timeOffset).toBeCloseTo(8, 6);
  });

  it("goes one keyframe further back when the newest is too close to the edge to build a buffer", () => {
    // newest keyframe at 8 s with only 0.4 s after it (< 0.6 s PART-HOLD-BACK): use 6 s
    const playlist = vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 4, partsInProgress: 2 }));
    const start = chooseLiveStart(playlist)!;
    expect(vhsEnd(playlist) + start.timeOffset).toBeCloseTo(6, 6);
    expect(start.behindEdge).toBeCloseTo(2.4, 6);
    // the keyframe at 8 s is 0.2 s short of PART-HOLD-BACK: a start point once 0.2 s more media arrived
    expect(start.newerKeyframeInS).toBeCloseTo(0.2, 6);
  });

  it("says how soon a newer keyframe becomes a start point, null when the newest keyframe is the start", () => {
    const ready = chooseLiveStart(vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 4, partsInProgress: 7 })))!;
    expect(ready.newerKeyframeInS).toBeNull();
    const fresh = chooseLiveStart(vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 4, partsInProgress: 0 })))!;
    expect(fresh.newerKeyframeInS === null || fresh.newerKeyframeInS > 0).toBe(true);
  });

  it("uses INDEPENDENT parts inside segments (several keyframes per segment)", () => {
    // keyframe every 5 parts (1 s): parts at 8.0 and 9.0 are independent; edge 9.8 → 9.0 is 0.8 back
    const playlist = vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 4, partsInProgress: 9, gopParts: 5 }));
    const start = chooseLiveStart(playlist)!;
    expect(vhsEnd(playlist) + start.timeOffset).toBeCloseTo(9, 6);
    expect(start.behindEdge).toBeCloseTo(0.8, 6);
  });

  it("lands where VHS's own clamp (its end minus PART-HOLD-BACK) lets it", () => {
    for (let parts = 0; parts <= 10; parts++) {
      const playlist = vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 4, partsInProgress: parts }));
      const start = chooseLiveStart(playlist);
      if (!start) continue;
      expect(start.timeOffset).toBeLessThanOrEqual(-liveEdgeDelay(playlist) + 1e-9);
    }
  });

  it("leaves the start to VHS when no keyframe is far enough back, or the playlist has ended", () => {
    const young = vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 0, partsInProgress: 2 }));
    expect(chooseLiveStart(young)).toBeNull();
    const ended = vhsMediaPlaylist(`${llhlsPlaylist({ fullSegments: 3, partsInProgress: 0 })}#EXT-X-ENDLIST\n`);
    expect(chooseLiveStart(ended)).toBeNull();
  });

  it("treats plain HLS segments as starting with keyframes and keeps 3 target durations back", () => {
    const text = ["#EXTM3U", "#EXT-X-TARGETDURATION:1", "#EXT-X-MEDIA-SEQUENCE:5"];
    for (let i = 0; i < 6; i++) text.push("#EXTINF:1.0,", `s${i}.m4s`);
    const playlist = vhsMediaPlaylist(`${text.join("\n")}\n`);
    expect(liveEdgeDelay(playlist)).toBe(3);
    const start = chooseLiveStart(playlist)!;
    expect(start.behindEdge).toBeCloseTo(3, 6);
  });
});

describe("worthWaitingForNewerKeyframe", () => {
  const start = (behindEdge: number, newerKeyframeInS: number | null) => ({ timeOffset: -behindEdge, behindEdge, newerKeyframeInS });

  it.each([
    // [behind the edge now, newer keyframe a start point in, wait?]
    [2.4, 0.2, true], // saves 1.8 s for 0.2 s
    [1.4, 0.55, true], // saves 0.8 s for 0.55 s
    [1.0, 0.5, false], // saves 0.4 s: not worth 0.5 s of waiting
    [2.5, 0.9, false], // longer than the 0.8 s a join may wait
    [0.7, null, false], // already the newest keyframe
  ])("%f s behind, newer in %s s → %s", (behindEdge, newerInS, wait) => {
    expect(worthWaitingForNewerKeyframe(start(behindEdge, newerInS), 0.6, 0.8)).toBe(wait);
  });
});

describe("liveEdgeDelay", () => {
  it("follows VHS: PART-HOLD-BACK, else 3 × PART-TARGET, else HOLD-BACK, else 3 × TARGETDURATION", () => {
    const ll = vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 3, partsInProgress: 3, partHoldBack: 1 }));
    expect(liveEdgeDelay(ll)).toBe(1);
    expect(liveEdgeDelay({ ...ll, serverControl: {} })).toBeCloseTo(0.6, 9);
    expect(liveEdgeDelay({ targetDuration: 2, segments: [{ duration: 2 }], serverControl: { holdBack: 5 } })).toBe(5);
    expect(liveEdgeDelay({ targetDuration: 2, segments: [{ duration: 2 }] })).toBe(6);
    expect(liveEdgeDelay({ targetDuration: 2, segments: [{ duration: 2 }], endList: true })).toBe(0);
  });
});
