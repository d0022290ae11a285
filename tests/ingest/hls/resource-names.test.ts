import { describe, expect, it } from "vitest";
import { initName, parseResourceName, partName, segmentName } from "../../../ingest/src/hls/resource-names.js";
import { formatResourceName } from "./format-resource-name.js";

describe("resource names", () => {
  it.each([
    ["init-0.mp4", { kind: "init", id: 0 }],
    ["init-12.mp4", { kind: "init", id: 12 }],
    ["seg-0.m4s", { kind: "segment", msn: 0 }],
    ["seg-987654321.m4s", { kind: "segment", msn: 987654321 }],
    ["part-5-0.m4s", { kind: "part", msn: 5, part: 0 }],
    ["part-999999999999999-3.m4s", { kind: "part", msn: 999999999999999, part: 3 }],
  ])("parses %s and formats it back", (name, parsed) => {
    expect(parseResourceName(name)).toEqual(parsed);
    expect(formatResourceName(parsed as never)).toBe(name);
  });

  it.each([
    "",
    "index.m3u8",
    "seg-01.m4s",
    "seg--1.m4s",
    "seg-+1.m4s",
    "seg-1.5.m4s",
    "seg-1e3.m4s",
    "seg-1.m4s/",
    "seg-1.m4s\n",
    " seg-1.m4s",
    "SEG-1.m4s",
    "seg-1.mp4",
    "init-1.m4s",
    "part-1.m4s",
    "part-1-.m4s",
    "part-1-2-3.m4s",
    "../seg-1.m4s",
    "seg-1%2e.m4s",
    "seg-１.m4s",
    "seg-1234567890123456.m4s",
    `part-1-${"9".repeat(30)}.m4s`,
  ])("rejects %j", (name) => {
    expect(parseResourceName(name)).toBeNull();
  });

  it("formats the names the playlist uses", () => {
    expect([initName(3), segmentName(41), partName(41, 7)]).toEqual(["init-3.mp4", "seg-41.m4s", "part-41-7.m4s"]);
  });
});
