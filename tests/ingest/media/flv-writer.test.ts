import { describe, expect, it } from "vitest";
import { encodeFlvHeader, encodeFlvTag, flvStreams, flvTagOf, type FlvTag } from "../../../ingest/src/media/flv-writer.js";
import { mediaEventOf } from "../../../ingest/src/rtmp/flv-media.js";

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

describe("flvStreams", () => {
  it.each([
    [
      { audio: true, video: true },
      { audio: true, video: true },
    ],
    [
      { audio: false, video: true },
      { audio: false, video: true },
    ],
    [
      { audio: true, video: false },
      { audio: true, video: false },
    ],
    [
      { audio: false, video: false },
      { audio: true, video: true },
    ],
    [null, { audio: true, video: true }],
  ])("%o -> %o", (tracks, expected) => {
    expect(flvStreams(tracks)).toEqual(expected);
  });
});

describe("flvTagOf", () => {
  // Tag bodies as OBS sends them; the RTMP adapter reads them into media events, and the remuxer's
  // FLV writer gives the same bodies back.
  it.each([
    ["AVC sequence header", tag("video", "17000000000164001fffe1", 0)],
    ["AVC keyframe", tag("video", "1701000000000000026588", 40)],
    ["AVC inter frame with a composition offset of +66 ms", tag("video", "2701000042000000024188", 73)],
    ["AVC inter frame with a negative composition offset", tag("video", "2701ffffdf000000024188", 1000)],
    ["AAC sequence header", tag("audio", "af001210", 0)],
    ["AAC frame", tag("audio", "af0121004900", 23)],
  ])("%s round-trips", (_name, t) => {
    const event = mediaEventOf(t)!;
    expect(event).not.toBeNull();
    const back = flvTagOf(event, t.timestamp);
    expect(back.type).toBe(t.type);
    expect(back.timestamp).toBe(t.timestamp);
    expect(back.data.toString("hex")).toBe(t.data.toString("hex"));
  });
});
