import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { avcCodecString, mp4aCodecString } from "../../../ingest/src/mp4/codec-strings.js";
import { type InitInfo, parseFragment, parseInit } from "../../../ingest/src/mp4/fmp4-reader.js";
import { Fmp4UnitReader } from "../../../ingest/src/mp4/fmp4-units.js";
import { Mp4FormatError } from "../../../ingest/src/mp4/mp4-box-splitter.js";
import { ffprobeJson, makeFlv, muxFile } from "../media/ffmpeg-fixtures.js";
import { NON_SYNC, SYNC, box, fullBox, moof, tfdt, tfhd, trun, u32, u64 } from "./mp4-builder.js";

function mp4Error(fn: () => unknown): Mp4FormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof Mp4FormatError) return e;
    throw e;
  }
  throw new Error("expected an Mp4FormatError");
}

describe("parseInit and parseFragment on the muxer's output of real x264/AAC", () => {
  let dir: string;
  let flv: string;
  let init: Buffer;
  let fragments: Buffer[];
  let info: InitInfo;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fmp4-reader-"));
    flv = await makeFlv(dir, "av", { seconds: 3, gop: 30, size: "256x144" });
    ({ init, fragments } = await muxFile(flv, 250));
    info = parseInit(init);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the tracks as ffprobe sees them", async () => {
    const file = path.join(dir, "init-and-all.mp4");
    await writeFile(file, Buffer.concat([init, ...fragments]));
    const probe = await ffprobeJson(["-show_entries", "stream=codec_type,profile,level,width,height,sample_rate,channels,time_base", file]);
    const v = probe.streams.find((s: { codec_type: string }) => s.codec_type === "video");
    const a = probe.streams.find((s: { codec_type: string }) => s.codec_type === "audio");
    const profileIdc: Record<string, string> = { "Constrained Baseline": "42", Baseline: "42", Main: "4d", High: "64" };
    const level = Number(v.level).toString(16).padStart(2, "0");

    expect(info.tracks).toHaveLength(2);
    const video = info.tracks.find((t) => t.kind === "video")!;
    const audio = info.tracks.find((t) => t.kind === "audio")!;
    expect(video.codec).toMatch(new RegExp(`^avc1\\.${profileIdc[v.profile]}[0-9a-f]{2}${level}$`));
    expect(video).toMatchObject({ width: v.width, height: v.height, timescale: Number(v.time_base.split("/")[1]) });
    expect(audio).toMatchObject({
      codec: "mp4a.40.2",
      sampleRate: Number(a.sample_rate),
      channels: a.channels,
      timescale: Number(a.time_base.split("/")[1]),
    });
  });

  it("reads every sample with continuous decode times and a keyframe every 30 frames", async () => {
    const probe = await ffprobeJson(["-count_packets", "-show_entries", "stream=codec_type,nb_read_packets", flv]);
    const packets = (type: string) => Number(probe.streams.find((s: { codec_type: string }) => s.codec_type === type).nb_read_packets);
    const parsed = fragments.map((f) => parseFragment(f, info));
    expect(parsed.map((p) => p.sequenceNumber)).toEqual(parsed.map((_, i) => i + 1));

    for (const track of info.tracks) {
      const trafs = parsed.flatMap((p) => p.tracks.filter((t) => t.id === track.id));
      const samples = trafs.flatMap((t) => t.samples);
      // The stream starts at the first keyframe: an AAC frame the encoder put before it is left out.
      expect(samples.length).toBeLessThanOrEqual(packets(track.kind));
      expect(samples.length).toBeGreaterThanOrEqual(packets(track.kind) - (track.kind === "audio" ? 1 : 0));
      for (let i = 1; i < trafs.length; i++) {
        expect(trafs[i]!.baseMediaDecodeTime).toBe(trafs[i - 1]!.baseMediaDecodeTime + trafs[i - 1]!.duration);
      }
      expect(trafs.every((t) => t.duration === t.samples.reduce((s, x) => s + x.duration, 0))).toBe(true);
      expect(samples.every((s) => s.size > 0 && s.duration > 0)).toBe(true);
      if (track.kind === "audio") expect(samples.every((s) => s.isSync)).toBe(true);
      else expect(samples.flatMap((s, i) => (s.isSync ? [i] : []))).toEqual([0, 30, 60].filter((i) => i < samples.length));
    }
  });

  it("groups the byte stream into init and fragments whatever the chunking", () => {
    const all = Buffer.concat([init, ...fragments]);
    const reader = new Fmp4UnitReader();
    const units = [];
    for (let i = 0, step = 1; i < all.length; i += step, step = (step * 7 + 3) % 5000)
      units.push(...reader.push(all.subarray(i, i + step)));
    expect(units.map((u) => u.kind)).toEqual(["init", ...fragments.map(() => "fragment")]);
    expect(units[0]!.bytes.equals(init)).toBe(true);
    expect(units.slice(1).every((u, i) => u.bytes.equals(fragments[i]!))).toBe(true);
  });
});

describe("parseFragment tables", () => {
  const init: InitInfo = {
    tracks: [{ id: 1, kind: "video", timescale: 90000, codec: "avc1.64001f", defaults: { duration: 3000, size: 100, flags: NON_SYNC } }],
  };
  const mdat = box("mdat", Buffer.alloc(4));
  const frag = (...trafs: Buffer[]) => Buffer.concat([moof(9, ...trafs), mdat]);
  const traf = (...children: Buffer[]) => box("traf", ...children);

  it.each([
    {
      name: "tfhd defaults with first-sample-flags",
      bytes: frag(
        traf(
          tfhd(1, { duration: 1500, size: 10, flags: NON_SYNC }),
          tfdt(42),
          trun([{}, {}, {}], { firstSampleFlags: SYNC, dataOffset: 8 }),
        ),
      ),
      base: 42,
      samples: [
        [1500, 10, true],
        [1500, 10, false],
        [1500, 10, false],
      ],
    },
    {
      name: "trex defaults when tfhd has none",
      bytes: frag(traf(tfhd(1), tfdt(7, 0), trun([{ size: 5 }, { size: 6 }]))),
      base: 7,
      samples: [
        [3000, 5, false],
        [3000, 6, false],
      ],
    },
    {
      name: "first-sample-flags win over per-sample flags of sample 0",
      bytes: frag(traf(tfhd(1), tfdt(0), trun([{ flags: NON_SYNC }, { flags: SYNC }], { firstSampleFlags: SYNC }))),
      base: 0,
      samples: [
        [3000, 100, true],
        [3000, 100, true],
      ],
    },
    {
      name: "all per-sample fields, composition offsets and base data offset",
      bytes: frag(
        traf(
          tfhd(1, { baseDataOffset: 0n }),
          tfdt(2n ** 40n),
          trun([
            { duration: 1, size: 2, flags: SYNC, cto: 3 },
            { duration: 4, size: 5, flags: NON_SYNC, cto: 0 },
          ]),
        ),
      ),
      base: 2 ** 40,
      samples: [
        [1, 2, true],
        [4, 5, false],
      ],
    },
    {
      name: "two truns in one traf, no tfdt",
      bytes: frag(traf(tfhd(1, { flags: SYNC }), trun([{ duration: 10 }]), trun([{ duration: 20 }]))),
      base: 0,
      samples: [
        [10, 100, true],
        [20, 100, true],
      ],
    },
  ])("$name", ({ bytes, base, samples }) => {
    const parsed = parseFragment(bytes, init);
    expect(parsed.sequenceNumber).toBe(9);
    const t = parsed.tracks[0]!;
    expect(t.id).toBe(1);
    expect(t.baseMediaDecodeTime).toBe(base);
    expect(t.samples.map((s) => [s.duration, s.size, s.isSync])).toEqual(samples);
    expect(t.duration).toBe(samples.reduce((sum, s) => sum + (s[0] as number), 0));
  });

  it("reads several tracks", () => {
    const bytes = frag(
      traf(tfhd(1), trun([{ duration: 1 }])),
      traf(tfhd(2, { flags: SYNC, size: 9 }), trun([{ duration: 1024 }, { duration: 1024 }])),
    );
    const parsed = parseFragment(bytes);
    expect(parsed.tracks.map((t) => [t.id, t.samples.length, t.duration])).toEqual([
      [1, 1, 1],
      [2, 2, 2048],
    ]);
  });

  it.each([
    {
      name: "trun claiming more samples than it holds",
      bytes: frag(traf(tfhd(1), fullBox("trun", 0, 0x100, u32(1000), u32(1)))),
      code: "truncated",
    },
    { name: "traf without tfhd", bytes: frag(traf(trun([{ duration: 1 }]))), code: "malformed" },
    { name: "no moof", bytes: mdat, code: "malformed" },
    { name: "no mfhd", bytes: Buffer.concat([box("moof", traf(tfhd(1))), mdat]), code: "malformed" },
    {
      name: "child box overrunning its parent",
      bytes: Buffer.concat([box("moof", u32(64), Buffer.from("traf")), mdat]),
      code: "truncated",
    },
    { name: "tfhd too short", bytes: frag(traf(fullBox("tfhd", 0, 0x08, u32(1)))), code: "truncated" },
    { name: "decode time beyond 2^53", bytes: frag(traf(tfhd(1), fullBox("tfdt", 1, 0, u64(2n ** 60n)))), code: "malformed" },
  ])("rejects $name", ({ bytes, code }) => {
    expect(mp4Error(() => parseFragment(bytes, init)).code).toBe(code);
  });

  it.each([
    { name: "no moov", bytes: box("ftyp", Buffer.from("isom")), code: "malformed" },
    { name: "trak without mdia", bytes: box("moov", box("trak", fullBox("tkhd", 0, 0, Buffer.alloc(80)))), code: "malformed" },
    { name: "tkhd cut short", bytes: box("moov", box("trak", fullBox("tkhd", 0, 0, Buffer.alloc(4)))), code: "truncated" },
  ])("parseInit rejects $name", ({ bytes, code }) => {
    expect(mp4Error(() => parseInit(bytes)).code).toBe(code);
  });

  it("Fmp4UnitReader rejects mdat without moof and moof after moof", () => {
    expect(mp4Error(() => new Fmp4UnitReader().push(mdat)).code).toBe("malformed");
    const m = moof(1);
    expect(mp4Error(() => new Fmp4UnitReader().push(Buffer.concat([m, m]))).code).toBe("malformed");
  });
});

describe("codec strings", () => {
  const descriptor = (tag: number, ...body: Buffer[]) => {
    const b = Buffer.concat(body);
    return Buffer.concat([Buffer.from([tag, 0x80, 0x80, 0x80 | (b.length >> 7), b.length & 0x7f]), b]);
  };
  const esds = (oti: number, asc?: Buffer, esFlags = 0) =>
    Buffer.concat([
      u32(0),
      descriptor(
        0x03,
        Buffer.from([0, 1, esFlags]),
        esFlags & 0x80 ? Buffer.from([0, 2]) : Buffer.alloc(0),
        descriptor(0x04, Buffer.from([oti, 0x15, 0, 0, 0]), u32(128000), u32(128000), asc ? descriptor(0x05, asc) : Buffer.alloc(0)),
      ),
    ]);

  it.each([
    { name: "AAC-LC", body: esds(0x40, Buffer.from([0x11, 0x90])), codec: "mp4a.40.2" },
    { name: "HE-AAC (SBR)", body: esds(0x40, Buffer.from([0x2b, 0x92, 0x08, 0x00])), codec: "mp4a.40.5" },
    { name: "escaped object type 42 (USAC)", body: esds(0x40, Buffer.from([0xf9, 0x40, 0x00])), codec: "mp4a.40.42" },
    { name: "AAC without AudioSpecificConfig", body: esds(0x40), codec: "mp4a.40.2" },
    { name: "MP3 in MP4", body: esds(0x6b), codec: "mp4a.6b" },
    { name: "ES descriptor with dependsOn", body: esds(0x40, Buffer.from([0x11, 0x90]), 0x80), codec: "mp4a.40.2" },
  ])("$name -> $codec", ({ body, codec }) => {
    expect(mp4aCodecString(body)).toBe(codec);
  });

  it("formats avcC profile, constraints and level as hex", () => {
    expect(avcCodecString("avc1", Buffer.from([1, 0x64, 0x00, 0x1f, 0xff]))).toBe("avc1.64001f");
    expect(avcCodecString("avc3", Buffer.from([1, 0x42, 0xc0, 0x0d]))).toBe("avc3.42c00d");
    expect(() => avcCodecString("avc1", Buffer.from([1, 0x64]))).toThrow(Mp4FormatError);
  });

  it("rejects an esds that is not an ES descriptor", () => {
    expect(() => mp4aCodecString(Buffer.concat([u32(0), descriptor(0x04, Buffer.alloc(13))]))).toThrow(Mp4FormatError);
  });
});
