import { describe, expect, it } from "vitest";
import { isKeyframe, isSequenceHeader, unsupportedCodec, type FlvTag } from "../../../ingest/src/rtmp/flv.js";

const tag = (type: FlvTag["type"], hex: string, timestamp = 0): FlvTag => ({ type, timestamp, data: Buffer.from(hex, "hex") });

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
