import { describe, expect, it } from "vitest";
import { bufferEndsOnKeyframe, keyframeTimes, type TimedPlaylist } from "../../player/src/rendition-switch.js";
import { llhlsPlaylist, vhsMediaPlaylist } from "./support/vhs-playlist.js";

/** The playlist as VHS holds it once it appended parts: `part.start` set, `segment.start` the earliest appended part's. */
function timed(options: Parameters<typeof llhlsPlaylist>[0], appended: { segment: number; part: number; start: number }[]): TimedPlaylist {
  const playlist = vhsMediaPlaylist(llhlsPlaylist(options)) as TimedPlaylist;
  const segments = playlist.segments.map((segment) => ({ ...segment, parts: segment.parts?.map((part) => ({ ...part })) }));
  for (const { segment, part, start } of appended) {
    const target = segments[segment]!;
    target.parts![part]!.start = start;
    target.start = Math.min(target.start ?? Infinity, start);
  }
  return { ...playlist, segments };
}

const round = (times: number[]) => times.map((t) => Math.round(t * 1000) / 1000);

describe("keyframeTimes", () => {
  it("places every segment start from the newest appended part, not from a segment VHS joined mid-way", () => {
    // joined at part 3 of segment 2 (player time 10.6), then played on into segment 3; segment 2's
    // `start` is therefore 10.6, not its real 10.0
    const playlist = timed({ fullSegments: 4, partsInProgress: 3 }, [
      { segment: 2, part: 3, start: 10.6 },
      { segment: 2, part: 4, start: 10.8 },
      { segment: 3, part: 0, start: 12 },
      { segment: 3, part: 1, start: 12.2 },
    ]);
    // 16: the segment in progress ends after the steady 2 s of the complete ones
    expect(round(keyframeTimes(playlist))).toEqual([6, 8, 10, 12, 14, 16]);
  });

  it("adds INDEPENDENT parts inside a segment (a GOP shorter than the segment)", () => {
    const playlist = timed({ fullSegments: 4, partsInProgress: 7, gopParts: 5 }, [{ segment: 3, part: 2, start: 20.4 }]);
    expect(round(keyframeTimes(playlist))).toEqual([14, 16, 18, 19, 20, 21, 22, 23, 24]);
  });

  it("counts the end of the last complete segment, the next one's start, before that one is listed", () => {
    // the next segment appears with its first part, which VHS then fetches at once: its start is where
    // a buffer ending on a keyframe can be seen
    const playlist = timed({ fullSegments: 4, partsInProgress: 0 }, [{ segment: 3, part: 9, start: 13.8 }]);
    expect(round(keyframeTimes(playlist))).toEqual([6, 8, 10, 12, 14]);
    // not for a stream whose segments do not all start on a keyframe (here the one at 10 s does not)
    const uneven = timed({ fullSegments: 4, partsInProgress: 0, gopParts: 15 }, [{ segment: 3, part: 9, start: 13.8 }]);
    expect(round(keyframeTimes(uneven))).toEqual([6, 8, 12]);
  });

  it("expects the segment in progress to end after the steady keyframe interval of the complete ones", () => {
    // VHS holds the segment in progress (parts listed, no EXTINF yet) with its TARGETDURATION
    const steady = timed({ fullSegments: 4, partsInProgress: 10 }, [{ segment: 4, part: 9, start: 15.8 }]);
    expect(round(keyframeTimes(steady))).toEqual([6, 8, 10, 12, 14, 16]);
    const playlist = vhsMediaPlaylist(llhlsPlaylist({ fullSegments: 4, partsInProgress: 10 })) as TimedPlaylist;
    playlist.segments[2] = { ...playlist.segments[2]!, duration: 2.5 };
    playlist.segments[4]!.parts![9] = { ...playlist.segments[4]!.parts![9]!, start: 16.3 } as TimedPlaylist["segments"][number];
    // one segment of 2.5 s among the last three: no guess
    expect(round(keyframeTimes(playlist))).toEqual([6, 8, 10, 12.5, 14.5]);
  });

  it("knows nothing before VHS appended anything", () => {
    expect(keyframeTimes(timed({ fullSegments: 4, partsInProgress: 3 }, []))).toEqual([]);
  });
});

describe("bufferEndsOnKeyframe", () => {
  const keyframes = [8, 10, 12];

  it("allows a switch while the buffer ends on a keyframe, within an AAC frame of it", () => {
    expect(bufferEndsOnKeyframe(keyframes, 10)).toBe(true);
    expect(bufferEndsOnKeyframe(keyframes, 10.021)).toBe(true);
    expect(bufferEndsOnKeyframe(keyframes, 11.979)).toBe(true);
  });

  it("refuses it mid-GOP, where the next rendition's first part would not start with a keyframe", () => {
    expect(bufferEndsOnKeyframe(keyframes, 10.2)).toBe(false);
    expect(bufferEndsOnKeyframe(keyframes, 11.8)).toBe(false);
    expect(bufferEndsOnKeyframe([], 10)).toBe(false);
  });
});
