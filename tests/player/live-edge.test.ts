import { describe, expect, it } from "vitest";
import { bufferedEndAt, catchUpPolicy, decideCatchUp } from "../../player/src/live-edge.js";

// LL-HLS with 2 s segments and PART-HOLD-BACK 0.6 s: target 0.6 s buffered, speed up above 0.9 s,
// faster above 1.6 s, settle at 0.65 s, seek above 6.6 s
const ll = catchUpPolicy({ lowLatency: true, edgeDelayS: 0.6, targetDurationS: 2 });
const plain = catchUpPolicy({ lowLatency: false, edgeDelayS: 6, targetDurationS: 2 });
const at = (ahead: number, currentRate = 1, playingForS = 60) => ({ currentTime: 100, bufferedEnd: 100 + ahead, currentRate, playingForS });

describe("decideCatchUp", () => {
  it.each([
    // [buffered ahead of the playhead, current rate, expected rate]
    [0.6, 1, 1],
    [0.85, 1, 1],
    [0.95, 1, 1.1],
    [1.55, 1, 1.1],
    [1.65, 1, 1.2],
    [0.7, 1.1, 1.1], // hysteresis: already faster, keep going until near the target
    [0.9, 1.2, 1.1],
    [0.6, 1.1, 1],
  ])("%f s buffered at rate %f → rate %f", (ahead, currentRate, rate) => {
    expect(decideCatchUp(ll, at(ahead, currentRate))).toEqual({ rate, seekTo: null });
  });

  it("leaves a playback that just started alone (its first seconds must not drop a frame)", () => {
    expect(decideCatchUp(ll, at(2.6, 1, 2.9))).toEqual({ rate: 1, seekTo: null });
    expect(decideCatchUp(ll, at(9, 1, 0))).toEqual({ rate: 1, seekTo: null });
    expect(decideCatchUp(ll, at(1.2, 1, 3))).toEqual({ rate: 1.1, seekTo: null });
  });

  it("seeks when far behind, to the target distance from the buffered end", () => {
    expect(decideCatchUp(ll, at(7))).toEqual({ rate: 1, seekTo: 106.4 });
  });

  it("does nothing while the playhead sits in no buffered range", () => {
    expect(decideCatchUp(ll, { currentTime: 100, bufferedEnd: null, currentRate: 1.2, playingForS: 60 })).toEqual({
      rate: 1,
      seekTo: null,
    });
  });

  it("gives plain HLS more slack", () => {
    expect(decideCatchUp(plain, at(9.5)).rate).toBe(1);
    expect(decideCatchUp(plain, at(10.5)).rate).toBe(1.2);
    expect(decideCatchUp(plain, at(7.5, 1.1)).rate).toBe(1);
    expect(decideCatchUp(plain, at(19)).seekTo).toBe(113);
  });
});

describe("bufferedEndAt", () => {
  const ranges = (list: [number, number][]) => ({
    length: list.length,
    start: (i: number) => list[i]![0],
    end: (i: number) => list[i]![1],
  });

  it("finds the range holding the playhead, with a little slack at its edges", () => {
    const buffered = ranges([
      [0, 4],
      [6, 9],
    ]);
    expect(bufferedEndAt(buffered, 2)).toBe(4);
    expect(bufferedEndAt(buffered, 5.95)).toBe(9);
    expect(bufferedEndAt(buffered, 5)).toBeNull();
    expect(bufferedEndAt(ranges([]), 0)).toBeNull();
  });
});
