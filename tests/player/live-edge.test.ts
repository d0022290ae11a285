import { describe, expect, it } from "vitest";
import { bufferedEndAt, catchUpPolicy, decideCatchUp } from "../../player/src/live-edge.js";

const ll = catchUpPolicy({ lowLatency: true, edgeDelayS: 0.6, targetDurationS: 2 });
const plain = catchUpPolicy({ lowLatency: false, edgeDelayS: 6, targetDurationS: 2 });

describe("decideCatchUp", () => {
  it.each([
    // buffered ahead of the playhead → rate (LL-HLS, target 0.6 s, tolerance 0.3 s, seek above 4 s more)
    [0.6, 1, 1],
    [0.85, 1, 1],
    [1.0, 1, 1.05],
    [1.6, 1, 1.1],
    [2.6, 1, 1.2],
    [4.6, 1, 1.2],
    // hysteresis: already faster, keep going until within a quarter of the tolerance
    [0.8, 1.05, 1.05],
    [0.65, 1.05, 1],
  ])("%f s buffered at rate %f → rate %f", (ahead, currentRate, rate) => {
    expect(decideCatchUp(ll, { currentTime: 100, bufferedEnd: 100 + ahead, currentRate })).toEqual({ rate, seekTo: null });
  });

  it("seeks when far behind, to the target distance from the buffered end", () => {
    expect(decideCatchUp(ll, { currentTime: 100, bufferedEnd: 105, currentRate: 1 })).toEqual({ rate: 1, seekTo: 104.4 });
  });

  it("does nothing while the playhead sits in no buffered range", () => {
    expect(decideCatchUp(ll, { currentTime: 100, bufferedEnd: null, currentRate: 1.2 })).toEqual({ rate: 1, seekTo: null });
  });

  it("gives plain HLS a segment of slack and seeks only when much further behind", () => {
    expect(decideCatchUp(plain, { currentTime: 100, bufferedEnd: 108.5, currentRate: 1 }).rate).toBe(1);
    expect(decideCatchUp(plain, { currentTime: 100, bufferedEnd: 110, currentRate: 1 }).rate).toBe(1.1);
    expect(decideCatchUp(plain, { currentTime: 100, bufferedEnd: 117, currentRate: 1 }).seekTo).toBe(111);
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
