import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Mp4BoxSplitter, Mp4FormatError, type Mp4Box } from "../../../ingest/src/mp4/mp4-box-splitter.js";
import { makeFlv, muxFile } from "../media/ffmpeg-fixtures.js";
import { box, largeBox, u32, u64 } from "./mp4-builder.js";

function splitAll(chunks: Buffer[], max?: number): Mp4Box[] {
  const splitter = new Mp4BoxSplitter(max);
  return chunks.flatMap((c) => splitter.push(c));
}

const summary = (boxes: Mp4Box[]) => boxes.map((b) => `${b.type}:${b.bytes.toString("hex")}`);

describe("Mp4BoxSplitter", () => {
  const stream = Buffer.concat([
    box("ftyp", Buffer.from("isom\0\0\x02\0", "latin1")),
    largeBox("free", Buffer.from("0123456789")),
    box("moof", box("mfhd", u32(0), u32(7))),
    box("mdat"),
    box("mdat", Buffer.alloc(3, 0xab)),
  ]);
  const expected = ["ftyp", "free", "moof", "mdat", "mdat"];

  it("returns whole boxes, the 64-bit size form included", () => {
    const boxes = splitAll([stream]);
    expect(boxes.map((b) => b.type)).toEqual(expected);
    expect(Buffer.concat(boxes.map((b) => b.bytes))).toEqual(stream);
  });

  it("gives the same boxes for every split into two and three chunks", () => {
    const whole = summary(splitAll([stream]));
    for (let i = 0; i <= stream.length; i++) {
      expect(summary(splitAll([stream.subarray(0, i), stream.subarray(i)]))).toEqual(whole);
      for (let j = i; j <= stream.length; j += 7) {
        expect(summary(splitAll([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]))).toEqual(whole);
      }
    }
  });

  it("holds an incomplete box without returning it", () => {
    const splitter = new Mp4BoxSplitter();
    expect(splitter.push(stream.subarray(0, 10))).toEqual([]);
    expect(splitter.bufferedBytes).toBe(10);
  });

  it.each([
    { name: "size below the header size", bytes: Buffer.concat([u32(4), Buffer.from("moof")]), code: "box-size-invalid" },
    { name: "size 0 (to end of file)", bytes: Buffer.concat([u32(0), Buffer.from("mdat")]), code: "box-size-invalid" },
    { name: "64-bit size below 16", bytes: Buffer.concat([u32(1), Buffer.from("mdat"), u64(12n)]), code: "box-size-invalid" },
    { name: "64-bit size beyond 2^53", bytes: Buffer.concat([u32(1), Buffer.from("mdat"), u64(1n << 60n)]), code: "box-size-invalid" },
    { name: "size over the limit", bytes: Buffer.concat([u32(4097), Buffer.from("mdat")]), code: "box-too-large" },
    { name: "64-bit size over the limit", bytes: Buffer.concat([u32(1), Buffer.from("mdat"), u64(5000n)]), code: "box-too-large" },
    { name: "non-printable type", bytes: Buffer.concat([u32(8), Buffer.from([0x6d, 0x00, 0x6f, 0x66])]), code: "malformed" },
  ])("rejects $name with a typed error and stays failed", ({ bytes, code }) => {
    const splitter = new Mp4BoxSplitter(4096);
    const err = (() => {
      try {
        splitter.push(bytes);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(Mp4FormatError);
    expect((err as Mp4FormatError).code).toBe(code);
    expect(() => splitter.push(box("free"))).toThrow(Mp4FormatError);
  });

  describe("on real ffmpeg output", () => {
    let dir: string;
    let mp4: Buffer;
    let types: string[];
    let head: Buffer;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "splitter-"));
      const { init, fragments } = await muxFile(await makeFlv(dir, "av", { seconds: 2, gop: 30 }), 250);
      mp4 = Buffer.concat([init, ...fragments]);
      types = ["ftyp", "moov", ...fragments.flatMap(() => ["moof", "mdat"])];
      head = Buffer.concat([init, fragments[0]!]);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("splits byte by byte", () => {
      const splitter = new Mp4BoxSplitter();
      const boxes: Mp4Box[] = [];
      for (let i = 0; i < mp4.length; i++) boxes.push(...splitter.push(mp4.subarray(i, i + 1)));
      expect(boxes.map((b) => b.type)).toEqual(types);
      expect(Buffer.concat(boxes.map((b) => b.bytes)).equals(mp4)).toBe(true);
    });

    it("splits init and first fragment at every boundary the same way", () => {
      const shape = (boxes: Mp4Box[]) => boxes.map((b) => `${b.type}:${b.bytes.length}`).join(" ");
      const whole = splitAll([head]);
      expect(whole).toHaveLength(4);
      const bad: number[] = [];
      for (let i = 0; i <= head.length; i++) {
        const boxes = splitAll([head.subarray(0, i), head.subarray(i)]);
        if (shape(boxes) !== shape(whole) || !Buffer.concat(boxes.map((b) => b.bytes)).equals(head)) bad.push(i);
      }
      expect(bad).toEqual([]);
    });
  });
});
