import { spawn } from "node:child_process";
import { pino } from "pino";
import { Fmp4UnitReader } from "../../../ingest/src/mp4/fmp4-units.js";
import { LlHlsPackager } from "../../../ingest/src/hls/packager.js";
import type { LiveStreamView, StreamStatusCore } from "../../../ingest/src/streams/stream-view.js";

export interface Fmp4Media {
  init: Buffer;
  fragments: Buffer[];
}

/**
 * Real fragmented MP4 from the system ffmpeg: 20 fps H.264 with a keyframe every second plus AAC,
 * fragments of 250 ms (5 frames), so every segment is exactly 4 parts and part 0 is a keyframe.
 */
export async function encodeFmp4(seconds: number): Promise<Fmp4Media> {
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=160x120:rate=20",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    "-t",
    String(seconds),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "20",
    "-keyint_min",
    "20",
    "-sc_threshold",
    "0",
    "-pix_fmt",
    "yuv420p",
    "-threads",
    "1",
    "-c:a",
    "aac",
    "-b:a",
    "32k",
    "-ac",
    "2",
    "-f",
    "mp4",
    "-movflags",
    "+frag_keyframe+empty_moov+default_base_moof",
    "-frag_duration",
    "250000",
    "pipe:1",
  ];
  const child = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "pipe"] });
  const reader = new Fmp4UnitReader();
  const inits: Buffer[] = [];
  const fragments: Buffer[] = [];
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    for (const unit of reader.push(chunk)) (unit.kind === "init" ? inits : fragments).push(unit.bytes);
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0 || inits.length !== 1) throw new Error(`ffmpeg failed (${code}): ${stderr}`);
  return { init: inits[0]!, fragments };
}

/** A stream view backed by the real LlHlsPackager; the test pushes ffmpeg's fragments one part at a time. */
export class PackagedStream implements LiveStreamView {
  // `satisfies`: the registry can delegate every media method of the view to the packager as is.
  readonly packager = new LlHlsPackager({ partTargetMs: 250, windowSegments: 10, logger: pino({ level: "silent" }) }) satisfies Omit<
    LiveStreamView,
    "name" | "status" | "variants" | "rendition"
  >;
  private nextFragment = 0;
  live = true;

  constructor(
    readonly name: string,
    private readonly media: Fmp4Media,
  ) {}

  /** Pushes the init segment (if not yet) and the next `count` fragments. */
  push(count = 1): void {
    if (this.packager.currentInitId === null) this.packager.pushInit(this.media.init);
    for (let i = 0; i < count; i++) {
      const fragment = this.media.fragments[this.nextFragment++];
      if (!fragment) throw new Error("out of test media");
      this.packager.pushFragment(fragment);
    }
  }

  status(): StreamStatusCore {
    return {
      name: this.name,
      state: this.live ? "live" : "reconnecting",
      live: this.live,
      startedAt: "2025-01-01T00:00:00.000Z",
      video: { codec: "avc1.64000c", width: 160, height: 120, fps: 20, bitrateKbps: 100, keyframeIntervalS: 1, droppedFrames: 0 },
      audio: { codec: "mp4a.40.2", sampleRate: 48000, channels: 2, bitrateKbps: 32 },
      warnings: [],
      renditions: [{ name: "source", state: "source", width: 160, height: 120, bitrateKbps: 132, realTime: null }],
    };
  }

  variants() {
    return null;
  }
  rendition(name: string) {
    return name === "source" ? this.packager : undefined;
  }
  get ended() {
    return this.packager.ended;
  }
  playlist(options: { skip?: boolean }) {
    return this.packager.playlist(options);
  }
  playlistBytes(options: { skip?: boolean }) {
    return this.packager.playlistBytes(options);
  }
  position() {
    return this.packager.position();
  }
  classify(msn: number, part?: number) {
    return this.packager.classify(msn, part);
  }
  waitFor(msn: number, part: number | undefined, timeoutMs: number, signal?: AbortSignal) {
    return this.packager.waitFor(msn, part, timeoutMs, signal);
  }
  blockingTimeoutMs() {
    return this.packager.blockingTimeoutMs();
  }
  getInit(id: number) {
    return this.packager.getInit(id);
  }
  getSegment(msn: number) {
    return this.packager.getSegment(msn);
  }
  getPart(msn: number, part: number) {
    return this.packager.getPart(msn, part);
  }
}
