import { describe, expect, it } from "vitest";
import { countRose, growth, median, parseDuration, theilSen, windowMinima, type Point } from "../../soak/trend.js";

const series = (n: number, f: (i: number) => number, every = 10): Point[] =>
  Array.from({ length: n }, (_, i) => ({ t: i * every, v: f(i) }));
// Deterministic noise in [-1, 1).
const noise = (i: number) => ((Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32) * 2 - 1;

describe("trend estimates", () => {
  it("median of odd, even and empty lists", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("Theil–Sen recovers a line through outliers that a two-point difference gets wrong", () => {
    const points = series(60, (i) => 100 + 0.5 * i * 10);
    points[59]!.v = 10_000; // one spike at the end
    points[0]!.v = 0;
    const { slope, intercept } = theilSen(points);
    expect(slope).toBeCloseTo(0.5, 6);
    expect(intercept).toBeCloseTo(100, 6);
  });

  it.each([
    { name: "flat with GC sawtooth", f: (i: number) => 100e6 + (i % 6) * 8e6 + noise(i) * 1e6, leak: false },
    { name: "steady leak of 10 % under the sawtooth", f: (i: number) => 100e6 * (1 + (0.1 * i) / 119) + (i % 6) * 8e6, leak: true },
    { name: "one late spike", f: (i: number) => (i === 110 ? 300e6 : 100e6 + noise(i) * 2e6), leak: false },
    { name: "warm-up step then flat", f: (i: number) => (i < 3 ? 80e6 : 100e6) + noise(i) * 1e6, leak: false },
  ])("growth on the lower envelope: $name", ({ f, leak }) => {
    const g = growth(series(120, f), 6);
    expect(g.percent > 5).toBe(leak);
  });

  it("window minima keep the lowest sample of each full window", () => {
    expect(
      windowMinima(
        series(7, (i) => [5, 3, 4, 9, 8, 7, 1][i]!),
        3,
      ).map((p) => p.v),
    ).toEqual([3, 7]);
  });

  it.each([
    { values: [40, 41, 40, 42, 40, 41, 40, 41, 42], tolerance: 3, rose: false },
    { values: [40, 41, 40, 45, 46, 47, 50, 52, 55], tolerance: 3, rose: true },
    { values: [1, 1, 2, 1, 1, 1, 2, 1, 1], tolerance: 0, rose: false },
  ])("counts: $values rose=$rose", ({ values, tolerance, rose }) => {
    expect(countRose(values, tolerance).rose).toBe(rose);
  });

  it.each([
    ["90s", 90],
    ["5m", 300],
    ["1h", 3600],
    ["1h30m", 5400],
    ["2m30s", 150],
  ])("duration %s = %i s", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["", "5", "m", "1d", "-5m"])("rejects duration %j", (text) => {
    expect(() => parseDuration(text)).toThrow(/expected a duration/);
  });
});
