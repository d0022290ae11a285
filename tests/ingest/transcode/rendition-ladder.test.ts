import { describe, expect, it } from "vitest";
import { formatRenditionList, parseRenditionList, planRenditions } from "../../../ingest/src/transcode/rendition-ladder.js";

describe("rendition lists", () => {
  it.each<[string, string[] | undefined]>([
    ["none", []],
    ["", []],
    ["480p", ["480p"]],
    ["360p,480p", ["480p", "360p"]],
    [" 240p , 720p ", ["720p", "240p"]],
    ["480p,480p", ["480p"]],
    ["1080p", undefined],
    ["480", undefined],
    ["480p,", undefined],
    ["none,480p", undefined],
    ["default", undefined],
  ])("%j -> %j", (text, list) => {
    expect(parseRenditionList(text)).toEqual(list);
  });

  it("formats what it parses", () => {
    expect(formatRenditionList([])).toBe("none");
    expect(formatRenditionList(parseRenditionList("360p,720p")!)).toBe("720p,360p");
  });
});

describe("planRenditions: never upscaled, never above the source's bitrate", () => {
  it("keeps the source's aspect ratio with even widths and the ladder's bitrates", () => {
    expect(planRenditions(["720p", "480p", "360p", "240p"], { width: 1920, height: 1080, videoKbps: 6000 })).toEqual({
      planned: [
        { name: "720p", width: 1280, height: 720, videoKbps: 2500 },
        { name: "480p", width: 854, height: 480, videoKbps: 1200 },
        { name: "360p", width: 640, height: 360, videoKbps: 700 },
        { name: "240p", width: 426, height: 240, videoKbps: 400 },
      ],
      skipped: [],
    });
  });

  it("skips heights at or above the source's and caps the bitrate at the source's", () => {
    const { planned, skipped } = planRenditions(["720p", "480p", "360p"], { width: 854, height: 480, videoKbps: 900 });
    expect(planned).toEqual([{ name: "360p", width: 640, height: 360, videoKbps: 700 }]);
    expect(skipped.map((s) => s.name)).toEqual(["720p", "480p"]);
    expect(skipped[0]!.reason).toMatch(/854x480: no upscaling/);
    expect(planRenditions(["360p"], { width: 1280, height: 720, videoKbps: 500 }).planned[0]!.videoKbps).toBe(500);
  });

  it("uses the ladder's bitrate while the source's is unknown, and handles portrait sources", () => {
    expect(planRenditions(["240p"], { width: 720, height: 1280, videoKbps: null }).planned).toEqual([
      { name: "240p", width: 136, height: 240, videoKbps: 400 },
    ]);
  });
});
