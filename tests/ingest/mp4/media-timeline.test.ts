import { describe, expect, it } from "vitest";
import { TrackTimeline } from "../../../ingest/src/mp4/media-timeline.js";

const video = () => new TrackTimeline({ timescale: 90_000, jumpMs: 500, mode: "video" });
const audio = () => new TrackTimeline({ timescale: 48_000, jumpMs: 500, mode: "audio", frameTicks: 1024 });

describe("TrackTimeline (video)", () => {
  it.each([
    ["steady 30 fps (whole ms)", [0, 33, 67, 100], [0, 2970, 6030, 9000], ["continuous", "continuous", "continuous"]],
    ["dropped frames within the jump limit stay a gap in time", [0, 33, 400], [0, 2970, 36000], ["continuous", "continuous"]],
    ["forward jump past the limit re-bases one frame on", [0, 33, 3_600_033], [0, 2970, 5940], ["continuous", "jump"]],
    ["backward jump re-bases", [5000, 5033, 100], [0, 2970, 5940], ["continuous", "jump"]],
    ["a repeated timestamp re-bases (no zero-length sample)", [0, 33, 33], [0, 2970, 5940], ["continuous", "jump"]],
  ])("%s", (_name, input, ticks, kinds) => {
    const t = video();
    const out = [t.start(input[0]!, 0)];
    const seen: string[] = [];
    for (const ms of input.slice(1)) {
      const p = t.place(ms, 2970);
      seen.push(p.kind);
      out.push(p.kind === "overlap" ? Number.NaN : p.ticks);
    }
    expect(out).toEqual(ticks);
    expect(seen).toEqual(kinds);
  });

  it("continues after a re-base with the new offset", () => {
    const t = video();
    t.start(1000, 0);
    t.place(1033, 3000);
    t.place(900_000, 3000);
    expect(t.place(900_033, 3000)).toEqual({ kind: "continuous", ticks: 8940, gap: 0 });
  });
});

describe("TrackTimeline (audio)", () => {
  it.each([
    // 1024 samples at 48 kHz = 21.33 ms; whole-ms timestamps snap to the frame grid.
    ["jittery whole-ms timestamps snap", [0, 21, 43, 64], [0, 1024, 2048, 3072], ["continuous", "continuous", "continuous"]],
    ["a gap is kept", [0, 21, 200], [0, 1024, 9600], ["continuous", "gap"]],
    ["a frame behind what was placed is dropped", [0, 21, 43, 30], [0, 1024, 2048, Number.NaN], ["continuous", "continuous", "overlap"]],
    ["a jump re-bases to the next frame", [0, 21, -60_000], [0, 1024, 2048], ["continuous", "jump"]],
  ])("%s", (_name, input, ticks, kinds) => {
    const t = audio();
    const out = [t.start(input[0]!, 0)];
    const seen: string[] = [];
    for (const ms of input.slice(1)) {
      const p = t.place(ms, 1024);
      seen.push(p.kind);
      out.push(p.kind === "overlap" ? Number.NaN : p.ticks);
    }
    expect(out).toEqual(ticks);
    expect(seen).toEqual(kinds);
  });

  it("converts its position to a new sampling rate", () => {
    const t = audio();
    t.start(0, 1000);
    t.setTimescale(44_100);
    expect(t.last).toBe(44_100);
  });
});
