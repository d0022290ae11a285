import { describe, expect, it } from "vitest";
import { FramePacingMeter, LOW_FPS, pacingWarnings, VIEWER_LINK_KBPS, type PacingInput } from "../../../ingest/src/hls/frame-pacing.js";

/** Durations (s) of `count` frames at `fps`, stamped in whole ms as FLV does (33/34 ms at 30 fps). */
function frames(fps: number, count: number, dropEvery = 0): number[] {
  const out: number[] = [];
  let previous = 0;
  for (let i = 1; out.length < count; i++) {
    if (dropEvery > 0 && i % dropEvery === 0) continue; // this frame never arrives: the next one's gap covers it
    const t = Math.round((i * 1000) / fps);
    out.push((t - previous) / 1000);
    previous = t;
  }
  return out;
}

function meterWith(durations: number[], windowS = 10): FramePacingMeter {
  const meter = new FramePacingMeter(windowS);
  meter.add(0.9); // a timeline's first sample, stretched by the encoder's start-up
  for (const d of durations) meter.add(d);
  return meter;
}

describe("FramePacingMeter", () => {
  it.each([
    ["30 fps in whole ms", frames(30, 300), 0],
    ["29.97 fps", frames(29.97, 300), 0],
    ["25 fps", frames(25, 250), 0],
    ["60 fps", frames(60, 600), 0],
    ["10 fps", frames(10, 100), 0],
    // 300 frames minus every 10th: 29 gaps (the last lost frame has no successor yet)
    ["30 fps, every 10th frame lost", frames(30, 270, 10), 29],
    ["10 fps, every 10th frame lost", frames(10, 90, 10), 9],
  ])("%s: %i dropped", (_, durations, dropped) => {
    expect(meterWith(durations).droppedFrames()).toBe(dropped);
  });

  it("one long gap counts every frame it hides", () => {
    const durations = [...frames(30, 100)];
    durations[50] = 0.5; // half a second without a frame: 14 missing at 30 fps
    expect(meterWith(durations).droppedFrames()).toBe(14);
  });

  it("only the last window of media counts", () => {
    const meter = meterWith([...frames(30, 270, 10), ...frames(30, 400)], 10);
    expect(meter.droppedFrames()).toBe(0);
  });

  it("needs ten frames to know the frame duration", () => {
    expect(meterWith(frames(30, 9)).droppedFrames()).toBeNull();
    expect(meterWith(frames(30, 10)).droppedFrames()).toBe(0);
  });

  it("a reset (reconnect) forgets the window; zero or negative durations are ignored", () => {
    const meter = meterWith(frames(30, 270, 10));
    meter.reset();
    expect(meter.droppedFrames()).toBeNull();
    for (const d of [0.9, 0, -1, Number.NaN, ...frames(30, 20)]) meter.add(d);
    expect(meter.droppedFrames()).toBe(0);
    expect(meter.expectedFrames()).toBe(20);
  });

  it("expected frames include the dropped ones", () => {
    expect(meterWith(frames(30, 270, 10)).expectedFrames()).toBe(299);
  });
});

describe("pacingWarnings", () => {
  const ok: PacingInput = { fps: 30, droppedFrames: 0, expectedFrames: 300, windowS: 10, videoKbps: 2500, audioKbps: 160 };
  const codes = (input: Partial<PacingInput>) => pacingWarnings({ ...ok, ...input }).map((w) => w.code);

  it.each([
    ["a healthy stream", {}, []],
    ["fps just below the limit", { fps: LOW_FPS - 0.1 }, ["frame-rate-low"]],
    ["fps at the limit", { fps: LOW_FPS }, []],
    ["fps unknown", { fps: null }, []],
    ["1 dropped frame (a glitch)", { droppedFrames: 1, expectedFrames: 30 }, []],
    ["1 % dropped", { droppedFrames: 3, expectedFrames: 300 }, []],
    ["just over 1 % dropped", { droppedFrames: 4, expectedFrames: 300 }, ["frames-dropped"]],
    ["dropped unknown", { droppedFrames: null }, []],
    ["bitrate at the limit", { videoKbps: VIEWER_LINK_KBPS - 160 }, []],
    ["bitrate over the limit with audio", { videoKbps: VIEWER_LINK_KBPS - 159 }, ["bitrate-high"]],
    ["bitrate unknown", { videoKbps: null, audioKbps: 9000 }, []],
    [
      "all three",
      { fps: 10, droppedFrames: 10, expectedFrames: 100, videoKbps: 8000 },
      ["frame-rate-low", "frames-dropped", "bitrate-high"],
    ],
  ] as [string, Partial<PacingInput>, string[]][])("%s -> %j", (_, input, expected) => {
    expect(codes(input)).toEqual(expected);
  });

  it("each message names the measured figure and the OBS setting that fixes it", () => {
    const [low, dropped, high] = pacingWarnings({ ...ok, fps: 10, droppedFrames: 10, expectedFrames: 100, videoKbps: 8000 });
    expect(low!.message).toMatch(/^Frame rate is 10 fps.*Settings → Video → Common FPS Values to 30/);
    expect(dropped!.message).toMatch(/^10 frames missing in the last 10 s.*View → Stats.*Output \(Scaled\) Resolution.*Bitrate/);
    expect(high!.message).toMatch(/^Bitrate is 8160 kbps.*Settings → Output → Bitrate to 2500–4500 Kbps/);
  });
});
