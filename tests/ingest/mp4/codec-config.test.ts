import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAacConfig } from "../../../ingest/src/mp4/aac-config.js";
import { parseAvcConfig, parseSps } from "../../../ingest/src/mp4/avc-config.js";
import { CodecConfigError } from "../../../ingest/src/mp4/codec-config-error.js";
import { encodeFlv, flvToMedia } from "./flv-media.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "codec-config-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function avcCOf(name: string, size: string, pixFmt = "yuv420p"): Promise<Buffer> {
  const events = flvToMedia(await encodeFlv(dir, name, { seconds: 0.1, size, pixFmt, audio: false, bframes: 1 }));
  const config = events.find((e) => e.kind === "video-config");
  if (config?.kind !== "video-config") throw new Error("no AVC sequence header");
  return config.config.avcC;
}

function refusal(parse: () => unknown): CodecConfigError {
  try {
    parse();
  } catch (err) {
    if (err instanceof CodecConfigError) return err;
    throw err;
  }
  throw new Error("parsed");
}

describe("parseAvcConfig", () => {
  it.each([
    ["320x240", 320, 240],
    // 1080 is not a multiple of 16: the SPS codes 1088 rows and crops 8.
    ["1920x1080", 1920, 1080],
    ["854x480", 854, 480],
  ])("reads the display size of x264's %s after cropping, and the codec string", async (size, width, height) => {
    const avcC = await avcCOf(`avc-${size}`, size);
    const config = parseAvcConfig(avcC);
    expect([config.width, config.height]).toEqual([width, height]);
    expect(config.codec).toBe(`avc1.${avcC.subarray(1, 4).toString("hex")}`);
    expect(config.nalLengthSize).toBe(4);
    expect(config.sps).toHaveLength(1);
    expect(config.pps).toHaveLength(1);
  });

  it.each([
    ["yuv420p10le", /profile 110|10-bit/],
    ["yuv444p", /profile 244|chroma format 3/],
    ["yuv422p", /profile 122|chroma format 2/],
  ])("refuses what browsers cannot decode (%s)", async (pixFmt, message) => {
    const error = refusal(() => parseAvcConfig(avcCOfSync.get(pixFmt)!));
    expect(error.problem).toBe("unsupported");
    expect(error.message).toMatch(message);
  });

  const avcCOfSync = new Map<string, Buffer>();
  beforeAll(async () => {
    for (const pixFmt of ["yuv420p10le", "yuv444p", "yuv422p", "yuv420p"])
      avcCOfSync.set(pixFmt, await avcCOf(`avc-${pixFmt}`, "640x360", pixFmt));
  });

  it("refuses every truncation of a real avcC as invalid, never with another error", () => {
    const avcC = avcCOfSync.get("yuv420p")!;
    for (let n = 0; n < avcC.length; n++) {
      let result: unknown;
      try {
        result = parseAvcConfig(avcC.subarray(0, n));
      } catch (err) {
        expect(err, `${n} bytes`).toBeInstanceOf(CodecConfigError);
        continue;
      }
      // Trailing bytes of a High profile avcC are optional; the SPS and PPS must be whole.
      expect((result as { pps: Buffer[] }).pps[0]!.length, `${n} bytes`).toBeGreaterThan(0);
    }
  });

  it.each([
    ["version 0", 0, 0],
    ["no SPS", 5, 0xe0],
    ["NAL length size 3", 4, 0xfe],
    ["SPS NAL type replaced by a PPS", 8, 0x68],
  ])("refuses a record with %s", (_name, offset, value) => {
    const problem = "invalid";
    const avcC = Buffer.from(avcCOfSync.get("yuv420p")!);
    avcC[offset] = value;
    expect(refusal(() => parseAvcConfig(avcC)).problem).toBe(problem);
  });

  it("parses an SPS with emulation prevention bytes", () => {
    // Baseline, level 3.0, 640x480: the 00 00 03 sequence must be unescaped before the fields are read.
    const sps = parseSps(Buffer.from("6742c01e95a0280f6840000003004000000ca3c58ba8", "hex"));
    expect(sps).toMatchObject({ profile: 66, level: 30, chromaFormat: 1, bitDepth: 8, width: 640, height: 480 });
  });
});

describe("parseAacConfig", () => {
  it.each([
    ["1190", { objectType: 2, sampleRate: 48000, channels: 2, codec: "mp4a.40.2" }],
    ["1210", { objectType: 2, sampleRate: 44100, channels: 2, codec: "mp4a.40.2" }],
    ["1208", { objectType: 2, sampleRate: 44100, channels: 1, codec: "mp4a.40.2" }],
    ["17805dc010", { objectType: 2, sampleRate: 48000, channels: 2, codec: "mp4a.40.2" }], // explicit rate
    ["2b1188", { objectType: 5, sampleRate: 24000, channels: 2, codec: "mp4a.40.5" }], // HE-AAC, explicit SBR
    ["eb1188", { objectType: 29, sampleRate: 24000, channels: 2, codec: "mp4a.40.29" }], // HE-AAC v2
    ["11b0", { objectType: 2, sampleRate: 48000, channels: 6, codec: "mp4a.40.2" }], // 5.1
  ])("reads %s", (hex, expected) => {
    expect(parseAacConfig(Buffer.from(hex, "hex"))).toMatchObject({ ...expected, frameSamples: 1024 });
  });

  it.each([
    ["", "invalid", /cut short/],
    ["11", "invalid", /cut short/],
    ["0190", "invalid", /object type 0/],
    ["1690", "invalid", /index 13/],
    ["0990", "unsupported", /object type 1 /], // AAC Main
    ["f94640", "unsupported", /object type 42/], // escape: USAC
    ["1180", "unsupported", /program config/],
    ["11b8", "unsupported", /configuration 7/],
    ["1194", "unsupported", /960/],
    ["178009c410", "unsupported", /5000 Hz/],
  ])("refuses %s (%s)", (hex, problem, message) => {
    const error = refusal(() => parseAacConfig(Buffer.from(hex, "hex")));
    expect(error.problem).toBe(problem);
    expect(error.message).toMatch(message);
  });
});

describe("parseAacConfig: what goes into the init segment", () => {
  it("stores ffmpeg's AAC-LC with its 'no SBR' sync extension as the plain 2-byte config (VHS reads the extension as HE-AAC)", () => {
    expect(parseAacConfig(Buffer.from("118856e500", "hex")).asc.toString("hex")).toBe("1188");
    expect(parseAacConfig(Buffer.from("1190", "hex")).asc.toString("hex")).toBe("1190");
    expect(parseAacConfig(Buffer.from("2b1188", "hex")).asc.toString("hex")).toBe("2b1188");
  });
});
