import { existsSync, mkdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnTracked, type TrackedChild } from "./child-processes.js";
import { FRAME_HEIGHT, FRAME_WIDTH, drawClockFrame, newFrame } from "./clock-barcode.js";

export interface ClockPublisherOptions {
  /** rtmp://127.0.0.1:<port>/<app>/<key> */
  url: string;
  fps?: number;
  /** keyframe interval in frames (what performers are told to set: 2 s) */
  gop?: number;
  bitrateKbps?: number;
}

/**
 * Behaves like a camera + OBS: raw frames paced by the wall clock, each stamped with Date.now() at
 * generation, encoded live with libx264 zerolatency + AAC and published over RTMP.
 */
export class ClockPublisher {
  private ffmpeg: TrackedChild | undefined;
  private timer: NodeJS.Timeout | undefined;
  private frame = newFrame();
  framesWritten = 0;
  lateFrames = 0;

  constructor(private readonly opts: ClockPublisherOptions) {}

  start(): TrackedChild {
    const fps = this.opts.fps ?? 30;
    const kbps = this.opts.bitrateKbps ?? 2500;
    this.ffmpeg = spawnTracked(
      "publisher",
      "ffmpeg",
      [
        "-hide_banner",
        "-loglevel",
        "warning",
        "-nostats",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        `${FRAME_WIDTH}x${FRAME_HEIGHT}`,
        "-r",
        String(fps),
        "-i",
        "pipe:0",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-g",
        String(this.opts.gop ?? fps * 2),
        "-b:v",
        `${kbps}k`,
        "-maxrate",
        `${kbps}k`,
        "-bufsize",
        `${kbps * 2}k`,
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ar",
        "48000",
        "-f",
        "flv",
        "-tcp_nodelay",
        "1",
        this.opts.url,
      ],
      { stdio: ["pipe", "ignore", "pipe"] },
    );
    const stdin = this.ffmpeg.proc.stdin!;
    stdin.on("error", () => {}); // EPIPE when ffmpeg exits first; its exit is reported via `exited`
    const frameMs = 1000 / fps;
    let t0 = performance.now();
    let n = 0;
    const tick = () => {
      const now = performance.now();
      if (now - (t0 + n * frameMs) > 1000) {
        // The machine stalled for a second: restart the schedule rather than burst frames.
        t0 = now;
        n = 0;
      }
      if (stdin.writableLength > this.frame.length * 4) this.lateFrames++;
      drawClockFrame(this.frame, Date.now(), this.framesWritten);
      stdin.write(Buffer.from(this.frame));
      this.framesWritten++;
      n++;
      this.timer = setTimeout(tick, Math.max(0, t0 + n * frameMs - performance.now()));
    };
    tick();
    return this.ffmpeg;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.ffmpeg?.proc.stdin?.end();
    await this.ffmpeg?.stop(3000);
  }
}

export interface FlvSourceOptions {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  seconds: number;
}

/**
 * A pre-encoded FLV (OBS-like: x264 veryfast, 2 s keyframes, CBR, AAC), cached in the temp dir,
 * so replaying publishers cost only a -c copy remux.
 */
export async function prepareFlv(o: FlvSourceOptions): Promise<string> {
  const dir = join(tmpdir(), "live-shows-bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `src-${o.width}x${o.height}-${o.fps}fps-${o.bitrateKbps}k-${o.seconds}s.flv`);
  if (existsSync(file)) return file;
  const partial = `${file}.part`;
  const enc = spawnTracked("flv-encode", "ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`,
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=330:sample_rate=48000",
    "-t",
    String(o.seconds),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-g",
    String(o.fps * 2),
    "-keyint_min",
    String(o.fps * 2),
    "-b:v",
    `${o.bitrateKbps}k`,
    "-maxrate",
    `${o.bitrateKbps}k`,
    "-bufsize",
    `${o.bitrateKbps * 2}k`,
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-b:a",
    "160k",
    "-f",
    "flv",
    partial,
  ]);
  const code = await enc.exited;
  if (code !== "0") throw new Error(`encoding ${file} failed (${code}): ${enc.tail()}`);
  renameSync(partial, file);
  return file;
}

/** Replays a pre-encoded FLV in real time over RTMP without re-encoding, looping forever. */
export function replayFlv(name: string, file: string, url: string): TrackedChild {
  return spawnTracked(name, "ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "warning",
    "-nostats",
    "-re",
    "-stream_loop",
    "-1",
    "-i",
    file,
    "-c",
    "copy",
    "-f",
    "flv",
    "-tcp_nodelay",
    "1",
    url,
  ]);
}
