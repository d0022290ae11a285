import { describe, expect, it } from "vitest";
import { renderMultivariantPlaylist } from "../../../ingest/src/hls/multivariant-writer.js";
import { parseM3u8 } from "./parse-m3u8.js";

const entries = [
  {
    uri: "source/index.m3u8",
    bandwidth: 2_800_123.4,
    averageBandwidth: 2_500_000,
    width: 1280,
    height: 720,
    codecs: "avc1.64001f,mp4a.40.2",
    frameRate: 30,
  },
  {
    uri: "360p/index.m3u8",
    bandwidth: 900_000,
    averageBandwidth: 800_000,
    width: 640,
    height: 360,
    codecs: "avc1.4d401e,mp4a.40.2",
    frameRate: 29.97,
  },
  {
    uri: "audio/index.m3u8",
    bandwidth: 130_000,
    averageBandwidth: 128_000,
    width: null,
    height: null,
    codecs: "mp4a.40.2",
    frameRate: null,
  },
];

describe("renderMultivariantPlaylist", () => {
  it("writes one EXT-X-STREAM-INF per entry, in order", () => {
    expect(renderMultivariantPlaylist(entries)).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        '#EXT-X-STREAM-INF:BANDWIDTH=2800123,AVERAGE-BANDWIDTH=2500000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000',
        "source/index.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=29.970',
        "360p/index.m3u8",
        '#EXT-X-STREAM-INF:BANDWIDTH=130000,AVERAGE-BANDWIDTH=128000,CODECS="mp4a.40.2"',
        "audio/index.m3u8",
        "",
      ].join("\n"),
    );
  });

  it("reads back with m3u8-parser (what VHS uses) without warnings", () => {
    const { manifest, warnings } = parseM3u8(renderMultivariantPlaylist(entries));
    expect(warnings).toEqual([]);
    expect(manifest.playlists!.map((p) => [p.uri, p.attributes.BANDWIDTH, p.attributes.RESOLUTION])).toEqual([
      ["source/index.m3u8", 2800123, { width: 1280, height: 720 }],
      ["360p/index.m3u8", 900000, { width: 640, height: 360 }],
      ["audio/index.m3u8", 130000, undefined],
    ]);
  });

  it("refuses URIs that are not plain relative paths", () => {
    for (const uri of ["/live/x/index.m3u8", "a b.m3u8", "x\n#EXT-X-ENDLIST"]) {
      expect(() => renderMultivariantPlaylist([{ ...entries[0]!, uri }])).toThrow(/invalid relative URI/);
    }
  });
});
