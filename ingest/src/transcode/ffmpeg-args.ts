// The ffmpeg command line of one rendition (an argument array, never a shell string). Pure.
//
// In: the source rendition's own fMP4 (init + parts) on stdin, so the transcoder sees exactly the decode
// times the source playlist serves. Out: FLV on stdout, parsed back into media events (flv-reader.ts).
// - `-copyts` and `-fps_mode passthrough`: every output frame keeps its source timestamp, no frame is
//   duplicated or dropped, so a source segment boundary is a timestamp the rendition also has.
// - `-force_key_frames source` with scene cuts off and no periodic GOP: keyframes exactly where the
//   source has them, so the rendition can cut its segments where the source cut its own.
// - `-tune zerolatency`: no B-frames, no lookahead: a frame out per frame in.
// - Audio copied: the source's AAC is already small next to any video rung, and copying costs no CPU.
// - `-flush_packets 1`: each packet is written at once (ffmpeg otherwise buffers 32 KiB of a pipe).
import type { RenditionPlan } from "./rendition-ladder.js";

export function transcoderArgs(plan: RenditionPlan): string[] {
  const kbps = plan.videoKbps;
  return [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "error",
    "-fflags",
    "+nobuffer",
    "-analyzeduration",
    "0",
    "-f",
    "mp4",
    "-i",
    "pipe:0",
    "-map",
    "0:v:0",
    "-map",
    "0:a:0?",
    "-copyts",
    "-fps_mode",
    "passthrough",
    "-vf",
    `scale=${plan.width}:${plan.height}`,
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-tune",
    "zerolatency",
    "-profile:v",
    "main",
    "-pix_fmt",
    "yuv420p",
    "-force_key_frames",
    "source",
    "-g",
    "100000",
    "-x264-params",
    "scenecut=0",
    "-b:v",
    `${kbps}k`,
    "-maxrate",
    `${kbps}k`,
    "-bufsize",
    `${kbps * 2}k`,
    "-c:a",
    "copy",
    "-f",
    "flv",
    "-flvflags",
    "no_duration_filesize",
    "-flush_packets",
    "1",
    "pipe:1",
  ];
}
