// The ffmpeg command line of a test publisher, written once for the tests, the fault tests and the soak:
// a test pattern (and a 440 Hz tone), H.264 + AAC in FLV over RTMP, in real time, as OBS sends it.

export interface PublishArgsOptions {
  /** Stop after this many seconds (-t); default: until killed. */
  seconds?: number;
  /** Picture size. Default 640x360. */
  size?: string;
  /** Frames per second. Default 30. */
  rate?: number;
  /** Keyframe interval in frames. Default 60 (2 s at 30 fps). */
  gop?: number;
  /** Output options before the encoder (e.g. -vf to drop frames). */
  filters?: string[];
  /** Options after the x264 settings (threads, bitrate). */
  video?: string[];
  /** Options after `-c:a aac` (bitrate); false: no audio track at all. Default []. */
  audio?: string[] | false;
}

export function ffmpegPublishArgs(url: string, o: PublishArgsOptions = {}): string[] {
  const audio = o.audio ?? [];
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    "-re",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${o.size ?? "640x360"}:rate=${o.rate ?? 30}`,
    ...(audio === false ? [] : ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]),
    ...(o.seconds === undefined ? [] : ["-t", String(o.seconds)]),
    ...(o.filters ?? []),
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-tune",
    "zerolatency",
    "-g",
    String(o.gop ?? 60),
    ...(o.video ?? []),
    ...(audio === false ? ["-an"] : ["-c:a", "aac", ...audio]),
    "-f",
    "flv",
    "-tcp_nodelay",
    "1",
    url,
  ];
}
