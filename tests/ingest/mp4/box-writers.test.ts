import { describe, expect, it } from "vitest";
import { parseFragment, parseInit } from "../../../ingest/src/mp4/fmp4-reader.js";
import { Fmp4UnitReader } from "../../../ingest/src/mp4/fmp4-units.js";
import { parseAacConfig } from "../../../ingest/src/mp4/aac-config.js";
import { type AvcConfig } from "../../../ingest/src/mp4/avc-config.js";
import { box, fullBox } from "../../../ingest/src/mp4/box-writer.js";
import { writeFragment } from "../../../ingest/src/mp4/fragment-writer.js";
import { writeInitSegment } from "../../../ingest/src/mp4/init-segment-writer.js";

const video: AvcConfig = {
  avcC: Buffer.from("0164001fffe100046764000001000468ee3cb0", "hex"),
  profile: 0x64,
  compatibility: 0,
  level: 0x1f,
  codec: "avc1.64001f",
  width: 1280,
  height: 720,
  nalLengthSize: 4,
  sps: [],
  pps: [],
};
const audio = parseAacConfig(Buffer.from("1190", "hex"));

describe("box writer", () => {
  const hex = (type: string) => Buffer.from(type, "latin1").toString("hex");
  it.each([
    [box("free"), `00000008${hex("free")}`],
    [box("abcd", Buffer.of(1, 2)), `0000000a${hex("abcd")}0102`],
    [fullBox("tfdt", 1, 0x020000, Buffer.of(9)), `0000000d${hex("tfdt")}0102000009`],
  ])("writes box %#: size, type, (version, flags,) payload", (bytes, expected) => {
    expect(bytes.toString("hex")).toBe(expected);
  });

  it("refuses a type that is not four characters", () => {
    expect(() => box("moo")).toThrow(RangeError);
  });
});

describe("init segment writer", () => {
  it.each([
    ["video + audio", { video, audio }, ["video:avc1.64001f:1280x720@90000", "audio:mp4a.40.2:48000Hz/2@48000"]],
    ["video only", { video }, ["video:avc1.64001f:1280x720@90000"]],
    ["audio only", { audio: parseAacConfig(Buffer.from("1208", "hex")) }, ["audio:mp4a.40.2:44100Hz/1@44100"]],
  ])("round-trips %s through parseInit", (_name, tracks, expected) => {
    const info = parseInit(writeInitSegment(tracks));
    expect(
      info.tracks.map((t) =>
        t.kind === "video"
          ? `video:${t.codec}:${t.width}x${t.height}@${t.timescale}`
          : `audio:${t.codec}:${t.sampleRate}Hz/${t.channels}@${t.timescale}`,
      ),
    ).toEqual(expected);
  });

  it("refuses an init without tracks", () => {
    expect(() => writeInitSegment({})).toThrow(RangeError);
  });
});

describe("fragment writer", () => {
  const init = parseInit(writeInitSegment({ video, audio }));
  const fragment = writeFragment(7, [
    {
      id: 1,
      baseMediaDecodeTime: 2 ** 40,
      samples: [
        { duration: 3000, data: Buffer.alloc(100, 1), sync: true, compositionOffset: 6000 },
        { duration: 3000, data: Buffer.alloc(50, 2), sync: false, compositionOffset: -3000 },
      ],
    },
    { id: 2, baseMediaDecodeTime: 0, samples: [{ duration: 1024, data: Buffer.alloc(10, 3), sync: true, compositionOffset: 0 }] },
    { id: 3, baseMediaDecodeTime: 0, samples: [] },
  ]);

  it("round-trips decode times, durations, sizes, sync flags and composition offsets through parseFragment (empty tracks left out)", () => {
    const info = parseFragment(fragment, init);
    expect(info.sequenceNumber).toBe(7);
    expect(info.tracks).toEqual([
      {
        id: 1,
        baseMediaDecodeTime: 2 ** 40,
        duration: 6000,
        samples: [
          { duration: 3000, size: 100, isSync: true, compositionOffset: 6000 },
          { duration: 3000, size: 50, isSync: false, compositionOffset: -3000 },
        ],
      },
      { id: 2, baseMediaDecodeTime: 0, duration: 1024, samples: [{ duration: 1024, size: 10, isSync: true, compositionOffset: 0 }] },
    ]);
  });

  it("points each trun's data offset at its track's bytes in mdat, and writes signed composition offsets (trun v1)", () => {
    const moofSize = fragment.readUInt32BE(0);
    const truns: { version: number; offset: number; ctos: number[] }[] = [];
    for (let i = fragment.indexOf("trun"); i > 0; i = fragment.indexOf("trun", i + 4)) {
      const count = fragment.readUInt32BE(i + 8);
      const ctos = Array.from({ length: count }, (_, k) => fragment.readInt32BE(i + 16 + k * 16 + 12));
      truns.push({ version: fragment[i + 4]!, offset: fragment.readInt32BE(i + 12), ctos });
    }
    expect(truns).toEqual([
      { version: 1, offset: moofSize + 8, ctos: [6000, -3000] },
      { version: 1, offset: moofSize + 8 + 150, ctos: [0] },
    ]);
    expect(fragment[truns[0]!.offset]).toBe(1);
    expect(fragment[truns[1]!.offset]).toBe(3);
  });

  it("frames as one unit when fed to Fmp4UnitReader split at every byte", () => {
    const stream = Buffer.concat([writeInitSegment({ video, audio }), fragment]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new Fmp4UnitReader();
      const units = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(units.map((u) => u.kind)).toEqual(["init", "fragment"]);
      expect(units[1]!.bytes.equals(fragment)).toBe(true);
    }
  });

  it("refuses a fragment without samples", () => {
    expect(() => writeFragment(1, [{ id: 1, baseMediaDecodeTime: 0, samples: [] }])).toThrow(RangeError);
  });
});
