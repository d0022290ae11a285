import { describe, expect, it } from "vitest";
import {
  encodeFlvHeader,
  encodeFlvTag,
  isKeyframe,
  isSequenceHeader,
  unsupportedCodec,
  type FlvTag,
} from "../../../ingest/src/rtmp/flv.js";

const tag = (type: FlvTag["type"], hex: string, timestamp = 0): FlvTag => ({ type, timestamp, data: Buffer.from(hex, "hex") });

describe("FLV encoding", () => {
  it("writes the header with stream flags and PreviousTagSize0", () => {
    expect(encodeFlvHeader({ audio: true, video: true }).toString("hex")).toBe("464c5601" + "05" + "00000009" + "00000000");
    expect(encodeFlvHeader({ audio: false, video: true })[4]).toBe(0x01);
    expect(encodeFlvHeader({ audio: true, video: false })[4]).toBe(0x04);
  });

  it("writes a tag header, its body and PreviousTagSize", () => {
    const out = encodeFlvTag(tag("video", "1701000000aabb", 0x01020304));
    expect(out.toString("hex")).toBe(
      "09" + "000007" + "020304" + "01" + "000000" + "1701000000aabb" + "00000012", // 11 + 7 = 18
    );
  });

  it("writes audio and script type ids and wraps timestamps to 32 bits", () => {
    expect(encodeFlvTag(tag("audio", "af01"))[0]).toBe(8);
    expect(encodeFlvTag(tag("script", "02"))[0]).toBe(18);
    const wrapped = encodeFlvTag(tag("audio", "af01", 2 ** 32 + 5));
    expect(wrapped.subarray(4, 8).toString("hex")).toBe("00000500");
  });
});

describe("FLV tag inspection", () => {
  it.each<[string, FlvTag, boolean, boolean, string | null]>([
    ["AVC sequence header", tag("video", "1700000000"), true, true, null],
    ["AVC keyframe", tag("video", "1701000000"), true, false, null],
    ["AVC inter frame", tag("video", "2701000000"), false, false, null],
    ["AAC sequence header", tag("audio", "af00"), false, true, null],
    ["AAC frame", tag("audio", "af01"), false, false, null],
    ["metadata", tag("script", "02000a6f6e4d65746144617461"), false, false, null],
    ["VP6 video", tag("video", "14"), true, false, "FLV video codec id 4"],
    ["MP3 audio", tag("audio", "2f"), false, false, "FLV audio format 2"],
    ["Enhanced RTMP HEVC sequence start", tag("video", "9068766331"), true, true, "Enhanced RTMP video (FourCC hvc1)"],
    ["Enhanced RTMP AV1 inter frame", tag("video", "a161763031"), false, false, "Enhanced RTMP video (FourCC av01)"],
  ])("%s", (_name, t, keyframe, sequenceHeader, unsupported) => {
    expect(isKeyframe(t)).toBe(keyframe);
    expect(isSequenceHeader(t)).toBe(sequenceHeader);
    expect(unsupportedCodec(t)).toBe(unsupported);
  });
});
