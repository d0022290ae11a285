// Real media for tests, generated with the system ffmpeg (lavfi test sources), never committed.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { Fmp4UnitReader } from "../../../ingest/src/mp4/fmp4-units.js";
import { FfmpegRemuxer, type RemuxerExit } from "../../../ingest/src/media/remuxer.js";

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

export interface RemuxResult {
  init: Buffer;
  fragments: Buffer[];
  exit: RemuxerExit;
}

export const silentLogger = pino({ level: "silent" });

/** Streams an FLV file through FfmpegRemuxer (honouring backpressure) and collects its fMP4 units. */
export async function remuxFile(flvPath: string, partMs: number, ffmpegPath = "ffmpeg"): Promise<RemuxResult> {
  const remuxer = new FfmpegRemuxer({ ffmpegPath, partMs, logger: silentLogger });
  const reader = new Fmp4UnitReader();
  const inits: Buffer[] = [];
  const fragments: Buffer[] = [];
  remuxer.on("data", (chunk) => {
    for (const unit of reader.push(chunk)) (unit.kind === "init" ? inits : fragments).push(unit.bytes);
  });
  remuxer.start();
  const exited = remuxer.exited();
  for await (const chunk of createReadStream(flvPath, { highWaterMark: 16 * 1024 })) {
    if (!remuxer.write(chunk as Buffer)) await Promise.race([once(remuxer, "drain"), exited]);
  }
  const exit = await remuxer.end();
  if (inits.length !== 1) throw new Error(`expected one init segment, got ${inits.length}`);
  return { init: inits[0]!, fragments, exit };
}

/** Runs ffprobe and parses its JSON output. */
export async function ffprobeJson(args: string[]): Promise<any> {
  const { stdout } = await run("ffprobe", ["-hide_banner", "-loglevel", "error", "-of", "json", ...args], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}
