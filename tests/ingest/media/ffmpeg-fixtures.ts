// Real media for tests, generated with the system ffmpeg (lavfi test sources), never committed.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { Fmp4Muxer } from "../../../ingest/src/mp4/fmp4-muxer.js";
import { flvToMedia } from "../mp4/flv-media.js";

const run = promisify(execFile);

export interface FlvSpec {
  seconds: number;
  fps?: number;
  /** Keyframe interval in frames (libx264 -g, scenecut off so it is exact). */
  gop: number;
  size?: string;
  audio?: boolean;
  video?: boolean;
}

/** Encodes testsrc2 + sine into an FLV (H.264 + AAC, like OBS sends) and returns its path. */
export async function makeFlv(dir: string, name: string, spec: FlvSpec): Promise<string> {
  const file = path.join(dir, `${name}.flv`);
  const fps = spec.fps ?? 30;
  const args = ["-hide_banner", "-loglevel", "error", "-y"];
  if (spec.video !== false) args.push("-f", "lavfi", "-i", `testsrc2=size=${spec.size ?? "320x240"}:rate=${fps}`);
  if (spec.audio !== false) args.push("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000");
  args.push("-t", String(spec.seconds));
  if (spec.video !== false) {
    args.push("-c:v", "libx264", "-preset", "ultrafast", "-g", String(spec.gop), "-keyint_min", String(spec.gop));
    args.push("-sc_threshold", "0", "-pix_fmt", "yuv420p", "-threads", "1");
  }
  if (spec.audio !== false) args.push("-c:a", "aac", "-b:a", "64k", "-ac", "2");
  args.push("-f", "flv", file);
  await run("ffmpeg", args, { timeout: 60_000 });
  return file;
}

export interface MuxResult {
  init: Buffer;
  fragments: Buffer[];
  /** PART-TARGET the muxer declared, seconds. */
  partTargetS: number;
}

export const silentLogger = pino({ level: "silent" });

/** Muxes an FLV file with the ingest's in-process muxer (as a publish of it would be) and collects its fMP4 units. */
export async function muxFile(flvPath: string, partMs: number): Promise<MuxResult> {
  const muxer = new Fmp4Muxer({ partMs });
  const inits: Buffer[] = [];
  const fragments: Buffer[] = [];
  let partTargetS = 0;
  for (const out of [...flvToMedia(await readFile(flvPath)).flatMap((e) => muxer.push(e)), ...muxer.flush()]) {
    if (out.kind === "init") inits.push(out.bytes);
    else if (out.kind === "part") {
      fragments.push(out.bytes);
      partTargetS = out.partTargetS;
    }
  }
  if (inits.length !== 1) throw new Error(`expected one init segment, got ${inits.length}`);
  return { init: inits[0]!, fragments, partTargetS };
}

/** Runs ffprobe and parses its JSON output. */
export async function ffprobeJson(args: string[]): Promise<any> {
  const { stdout } = await run("ffprobe", ["-hide_banner", "-loglevel", "error", "-of", "json", ...args], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}
