import { describe, expect, it } from "vitest";
import { FlvFormatError, FlvReader } from "../../../ingest/src/transcode/flv-reader.js";
import type { FlvTag } from "../../../ingest/src/rtmp/flv.js";

const TYPE = { audio: 8, video: 9, script: 18 } as const;

function header(): Buffer {
  return Buffer.concat([Buffer.from("FLV"), Buffer.of(1, 5, 0, 0, 0, 9), Buffer.alloc(4)]);
}

function tag(t: FlvTag, typeByte: number = TYPE[t.type]): Buffer {
  const h = Buffer.alloc(11);
  h[0] = typeByte;
  h.writeUIntBE(t.data.length, 1, 3);
  h.writeUIntBE(t.timestamp & 0xffffff, 4, 3);
  h[7] = (t.timestamp >>> 24) & 0xff;
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + t.data.length);
  return Buffer.concat([h, t.data, prev]);
}

const tags: FlvTag[] = [
  { type: "script", timestamp: 0, data: Buffer.from("onMetaData") },
  { type: "video", timestamp: 0, data: Buffer.of(0x17, 0, 0, 0, 0, 1, 2, 3) },
  { type: "audio", timestamp: 21, data: Buffer.of(0xaf, 1, 9, 9) },
  { type: "video", timestamp: 0x1234567, data: Buffer.of(0x27, 1, 0, 0, 0x21) },
  { type: "video", timestamp: 0x89abcdef, data: Buffer.alloc(0) },
];
const stream = Buffer.concat([header(), ...tags.map((t) => tag(t))]);

describe("FlvReader", () => {
  it("reads every tag with its 32-bit timestamp from one chunk", () => {
    expect(new FlvReader().push(stream)).toEqual(tags);
  });

  it("reads the same tags with the input split at every byte boundary", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FlvReader();
      const got = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(got, `cut at ${cut}`).toEqual(tags);
    }
  });

  it("reads the same tags fed one byte at a time", () => {
    const reader = new FlvReader();
    const got: FlvTag[] = [];
    for (const byte of stream) got.push(...reader.push(Buffer.of(byte)));
    expect(got).toEqual(tags);
  });

  it("skips tag types it does not know", () => {
    const data = Buffer.concat([header(), tag({ type: "audio", timestamp: 5, data: Buffer.of(1) }, 15), tag(tags[2]!)]);
    expect(new FlvReader().push(data)).toEqual([tags[2]]);
  });

  it.each<[string, Buffer, RegExp]>([
    ["no signature", Buffer.concat([Buffer.from("FLX"), Buffer.of(1, 5, 0, 0, 0, 9, 0, 0, 0, 0)]), /no FLV signature/],
    ["header size", Buffer.concat([Buffer.from("FLV"), Buffer.of(1, 5, 0, 0, 0, 3, 0, 0, 0, 0)]), /header size 3/],
    ["encrypted", Buffer.concat([header(), tag(tags[1]!, 0x29)]), /encrypted/],
    ["size check", Buffer.concat([header(), tag(tags[1]!).subarray(0, -1), Buffer.of(0)]), /size check failed/],
    ["huge tag", Buffer.concat([header(), Buffer.of(9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0)]), /larger than/],
  ])("refuses a stream with a bad %s, and stays failed", (_what, data, message) => {
    const reader = new FlvReader();
    expect(() => reader.push(data)).toThrow(message);
    expect(() => reader.push(stream)).toThrow(FlvFormatError);
  });
});
