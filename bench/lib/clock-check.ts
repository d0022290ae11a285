import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { FRAME_HEIGHT, FRAME_WIDTH, drawClockFrame, newFrame } from "./clock-barcode.js";

export const PROBE_SCRIPT_PATH = fileURLToPath(new URL("./page/latency-probe.js", import.meta.url));

type Decoder = (rgba: Uint8Array, width: number, height: number) => number | null;

/** The page's decoder, run in Node so the check uses exactly the code the browser runs. */
export function loadPageDecoder(): Decoder {
  const sandbox: Record<string, unknown> = {};
  runInNewContext(readFileSync(PROBE_SCRIPT_PATH, "utf8"), { globalThis: sandbox, window: sandbox });
  return sandbox.decodeClockBarcode as Decoder;
}

/**
 * Round trip: frames stamped with known clocks → libx264 (publisher settings, low bitrate to stress it)
 * → decoded and scaled to the page canvas size → page decoder. Returns how many decoded exactly.
 */
export async function checkClockRoundTrip(frames = 60): Promise<{ frames: number; exact: number; failed: number }> {
  const W = 160;
  const H = 90;
  const encode = spawn("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "yuv420p",
    "-s",
    `${FRAME_WIDTH}x${FRAME_HEIGHT}`,
    "-r",
    "30",
    "-i",
    "pipe:0",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-tune",
    "zerolatency",
    "-g",
    "60",
    "-b:v",
    "600k",
    "-vf",
    `scale=${W}:${H}`,
    "-f",
    "h264",
    "pipe:1",
  ]);
  const decode = spawn("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "h264",
    "-i",
    "pipe:0",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgba",
    "pipe:1",
  ]);
  encode.stdout.pipe(decode.stdin);
  const chunks: Buffer[] = [];
  decode.stdout.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    decode.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg decode exited ${code}`))));
  });
  const base = Date.now();
  const clocks: number[] = [];
  const buf = newFrame();
  for (let i = 0; i < frames; i++) {
    const clock = base + i * 33 + (i % 7);
    clocks.push(clock);
    drawClockFrame(buf, clock, i);
    if (!encode.stdin.write(buf)) await new Promise((r) => encode.stdin.once("drain", r));
  }
  encode.stdin.end();
  await done;
  const raw = Buffer.concat(chunks);
  const decodeClock = loadPageDecoder();
  let exact = 0;
  let failed = 0;
  for (let i = 0; i < frames; i++) {
    const got = decodeClock(raw.subarray(i * W * H * 4, (i + 1) * W * H * 4), W, H);
    if (got === null) failed++;
    else if (got === clocks[i]) exact++;
  }
  return { frames, exact, failed };
}
