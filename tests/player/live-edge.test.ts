import { describe, expect, it } from "vitest";
import { bufferedEndAt, catchUpPolicy, decideCatchUp } from "../../player/src/live-edge.js";

// LL-HLS with 2 s segments and PART-HOLD-BACK 0.6 s: start above 3.1 s buffered, settle at 0.9 s, seek above 6.6 s
const ll = catchUpPolicy({ lowLatency: true, edgeDelayS: 0.6, targetDurationS: 2 });
const plain = catchUpPolicy({ lowLatency: false, edgeDelayS: 6, targetDurationS: 2 });

describe("decideCatchUp", () => {
  it.each([
    // [buffered ahead of the playhead, current rate, expected rate]
    [0.6, 1, 1],
    [2.6, 1, 1], // a join up to one segment behind the target is left alone
    [3.0, 1, 1],
    [3.2, 1, 1.2],
    [2.4, 1, 1],
    [2.4, 1.1, 1.1], // hysteresis: already faster, keep going until near the target
    [2.4, 1.2, 1.1],
    [3.2, 1.1, 1.2],
    [0.95, 1.1, 1.1],
    [0.85, 1.1, 1],
  ])("%f s buffered at rate %f → rate %f", (ahead, currentRate, rate) => {
    expect(decideCatchUp(ll, { currentTime: 100, bufferedEnd: 100 + ahead, currentRate })).toEqual({ rate, seekTo: null });
  });

  it("seeks when far behind, to the target distance from the buffered end", () => {
    expect(decideCatchUp(ll, { currentTime: 100, bufferedEnd: 107, currentRate: 1 })).toEqual({ rate: 1, seekTo: 106.4 });
  });

  it("does nothing while the playhead sits in no buffered range", () => {
    expect(decideCatchUp(ll, { currentTime: 100, bufferedEnd: null, currentRate: 1.2 })).toEqual({ rate: 1, seekTo: null });
  });

  it("gives plain HLS more slack", () => {
    expect(decideCatchUp(plain, { currentTime: 100, bufferedEnd: 109.5, currentRate: 1 }).rate).toBe(1);
    expect(decideCatchUp(plain, { currentTime: 100, bufferedEnd: 110.5, currentRate: 1 }).rate).toBe(1.2);
    expect(decideCatchUp(plain, { currentTime: 100, bufferedEnd: 107.5, currentRate: 1.1 }).rate).toBe(1);
    expect(decideCatchUp(plain, { currentTime: 100, bufferedEnd: 119, currentRate: 1 }).seekTo).toBe(113);
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
