import { describe, expect, it } from "vitest";
import type { Amf0Object } from "../../../ingest/src/rtmp/amf0.js";
import type { FlvTag } from "../../../ingest/src/rtmp/flv.js";
import { announcedTracks, mediaEventOf } from "../../../ingest/src/rtmp/flv-media.js";

const tag = (type: FlvTag["type"], hex: string, timestamp = 0): FlvTag => ({ type, timestamp, data: Buffer.from(hex, "hex") });
const hex = (b: Buffer) => b.toString("hex");

describe("mediaEventOf (FLV tag -> media event)", () => {
  it("AVC sequence header -> video-config with the AVCDecoderConfigurationRecord", () => {
    const e = mediaEventOf(tag("video", "1700000000" + "0164001fffe1", 5));
    expect(e?.kind).toBe("video-config");
    if (e?.kind === "video-config") expect([e.config.codec, hex(e.config.avcC)]).toEqual(["h264", "0164001fffe1"]);
  });

  it.each([
    ["keyframe, no offset", "1701000000", 40, { dts: 40, pts: 40, keyframe: true }],
    ["inter frame, +66 ms", "2701000042", 73, { dts: 73, pts: 139, keyframe: false }],
    ["disposable inter frame, -33 ms (signed 24-bit)", "3701ffffdf", 1000, { dts: 1000, pts: 967, keyframe: false }],
  ])("AVC NALU %s", (_name, head, ts, expected) => {
    const e = mediaEventOf(tag("video", head + "000000026588", ts));
    expect(e).toMatchObject({ kind: "video", ...expected });
    if (e?.kind === "video") expect(hex(e.data)).toBe("000000026588");
  });

  it("AAC: AudioSpecificConfig and raw frames", () => {
    const config = mediaEventOf(tag("audio", "af001210"));
    expect(config?.kind).toBe("audio-config");
    if (config?.kind === "audio-config") expect(hex(config.config.asc)).toBe("1210");
    const frame = mediaEventOf(tag("audio", "af01210049", 23));
    expect(frame).toMatchObject({ kind: "audio", dts: 23 });
    if (frame?.kind === "audio") expect(hex(frame.data)).toBe("210049");
  });

  it.each([
    ["script tag", tag("script", "02000a6f6e4d65746144617461")],
    ["AVC end of sequence", tag("video", "1702000000")],
    ["video info frame", tag("video", "5701000000")],
    ["truncated AVC header", tag("video", "170100")],
    ["truncated AAC header", tag("audio", "af")],
    ["VP6 video", tag("video", "1401000000")],
    ["MP3 audio", tag("audio", "2f01")],
  ])("%s -> null", (_name, t) => {
    expect(mediaEventOf(t)).toBeNull();
  });
});

describe("announcedTracks (onMetaData -> tracks)", () => {
  it.each([
    [
      { videocodecid: 7, audiocodecid: 10, width: 1280 },
      { audio: true, video: true },
    ],
    [{ videocodecid: 7 }, { audio: false, video: true }],
    [
      { audiocodecid: 10, videocodecid: false },
      { audio: true, video: false },
    ],
    [{ width: 640 }, null],
    [null, null],
  ])("%o -> %o", (md, expected) => {
    expect(announcedTracks(md as Amf0Object | null)).toEqual(expected);
  });
});
