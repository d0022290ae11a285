// Test helper: reads an FLV file (as ffmpeg writes it) into its tags and into the codec-level
// MediaEvents an RTMP adapter hands to the hub (the mapping the ingest's rtmp/ adapter makes).
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { FlvTag } from "../../../ingest/src/rtmp/flv.js";
import type { MediaEvent } from "../../../ingest/src/streams/media.js";

const run = promisify(execFile);

export function readFlvTags(file: Buffer): FlvTag[] {
  if (file.toString("latin1", 0, 3) !== "FLV") throw new Error("not an FLV file");
  const tags: FlvTag[] = [];
  let pos = file.readUInt32BE(5) + 4;
  while (pos + 11 <= file.length) {
    const typeId = file[pos]!;
    const size = file.readUIntBE(pos + 1, 3);
    const timestamp = file.readUIntBE(pos + 4, 3) + file[pos + 7]! * 0x100_0000;
    const data = file.subarray(pos + 11, pos + 11 + size);
    if (data.length < size) break;
    const type = typeId === 8 ? "audio" : typeId === 9 ? "video" : typeId === 18 ? "script" : null;
    if (type) tags.push({ type, timestamp, data });
    pos += 11 + size + 4;
  }
  return tags;
}

/** One FLV tag (H.264 / AAC) as MediaEvents: a config, a frame, or nothing (script, end of sequence). */
export function tagToMedia(tag: FlvTag): MediaEvent | null {
  const d = tag.data;
  if (tag.type === "video" && d.length >= 5 && (d[0]! & 0x0f) === 7) {
    if (d[1] === 0) return { kind: "video-config", config: { codec: "h264", avcC: d.subarray(5) } };
    if (d[1] !== 1) return null;
    const cts = d.readIntBE(2, 3);
    return { kind: "video", dts: tag.timestamp, pts: tag.timestamp + cts, keyframe: d[0]! >> 4 === 1, data: d.subarray(5) };
  }
  if (tag.type === "audio" && d.length >= 2 && d[0]! >> 4 === 10) {
    if (d[1] === 0) return { kind: "audio-config", config: { codec: "aac", asc: d.subarray(2) } };
    return { kind: "audio", dts: tag.timestamp, data: d.subarray(2) };
  }
  return null;
}

export function flvToMedia(file: Buffer): MediaEvent[] {
  return readFlvTags(file)
    .map(tagToMedia)
    .filter((e): e is MediaEvent => e !== null);
}

export interface EncodeSpec {
  seconds: number;
  size?: string;
  fps?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  /** B-frames (x264 veryfast with -bf); 0: ultrafast, none. */
  bframes?: number;
  pixFmt?: string;
  audioRate?: number;
  audio?: boolean;
  video?: boolean;
}

/** Encodes lavfi test sources into FLV (H.264 + AAC, as OBS sends) with the system ffmpeg; returns the file's bytes. */
export async function encodeFlv(dir: string, name: string, spec: EncodeSpec): Promise<Buffer> {
  const file = path.join(dir, `${name}.flv`);
  const args = ["-hide_banner", "-loglevel", "error", "-y"];
  if (spec.video !== false) args.push("-f", "lavfi", "-i", `testsrc2=size=${spec.size ?? "320x240"}:rate=${spec.fps ?? 30}`);
  if (spec.audio !== false) args.push("-f", "lavfi", "-i", `sine=frequency=440:sample_rate=${spec.audioRate ?? 48000}`);
  args.push("-t", String(spec.seconds));
  if (spec.video !== false) {
    const gop = String(spec.gop ?? 60);
    args.push("-c:v", "libx264", "-preset", spec.bframes ? "veryfast" : "ultrafast", "-bf", String(spec.bframes ?? 0));
    args.push("-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-pix_fmt", spec.pixFmt ?? "yuv420p", "-threads", "1");
  }
  if (spec.audio !== false) args.push("-c:a", "aac", "-b:a", "64k", "-ac", "2");
  args.push("-f", "flv", file);
  await run("ffmpeg", args, { timeout: 60_000 });
  return readFile(file);
}

/** `ffmpeg -v error` decoding the bytes: "" when they decode cleanly. */
export async function ffmpegDecodeErrors(dir: string, name: string, bytes: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  const { stdout, stderr } = await run("ffmpeg", ["-hide_banner", "-v", "error", "-i", file, "-f", "null", "-"], { timeout: 60_000 });
  return (stdout + stderr).trim();
}
