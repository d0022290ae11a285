import { spawn, type ChildProcess } from "node:child_process";
import pino from "pino";
import { Fmp4UnitReader } from "../../../ingest/src/hls/fmp4-units.js";
import { LlHlsPackager } from "../../../ingest/src/hls/packager.js";
import type { LiveStreamView, StreamDirectory } from "../../../ingest/src/http/stream-directory.js";
import { HttpServer } from "../../../ingest/src/http/server.js";

export interface PackagerIngestOptions {
  stream?: string;
  partMs?: number;
  /** Keyframe interval of the test publisher, in frames at 30 fps. */
  gopFrames?: number;
}

/**
 * The ingest's own LL-HLS packager and HTTP server, fed by an ffmpeg that writes fragmented MP4
 * the way the ingest's remuxer does (frag_keyframe + frag_duration = part). Only RTMP and the
 * stream registry are left out: it gives the player real parts, INDEPENDENT flags, blocking reload
 * and delta updates while the composed ingest is not there yet.
 */
export class PackagerIngest {
  readonly stream: string;
  private readonly partMs: number;
  private readonly gopFrames: number;
  private readonly packager: LlHlsPackager;
  private readonly http: HttpServer;
  private publisher: ChildProcess | null = null;
  private port = 0;
  private startedAt: string | null = null;

  constructor(options: PackagerIngestOptions = {}) {
    this.stream = options.stream ?? "show";
    this.partMs = options.partMs ?? 200;
    this.gopFrames = options.gopFrames ?? 60;
    const logger = pino({ level: "warn" });
    this.packager = new LlHlsPackager({ partTargetMs: this.partMs, logger });
    const packager = this.packager;
    const view: LiveStreamView = {
      name: this.stream,
      get ended() {
        return packager.ended;
      },
      status: () => {
        const stats = packager.stats();
        const live = this.publisher !== null;
        return { name: this.stream, state: live ? "live" : "offline", live, startedAt: this.startedAt, ...stats };
      },
      playlist: (options) => packager.playlist(options),
      position: () => packager.position(),
      classify: (msn, part) => packager.classify(msn, part),
      waitFor: (msn, part, timeoutMs, signal) => packager.waitFor(msn, part, timeoutMs, signal),
      blockingTimeoutMs: () => packager.blockingTimeoutMs(),
      getInit: (id) => packager.getInit(id),
      getSegment: (msn) => packager.getSegment(msn),
      getPart: (msn, part) => packager.getPart(msn, part),
    };
    const directory: StreamDirectory = {
      get: (name) => (name === this.stream && this.startedAt !== null ? view : undefined),
      list: () => (this.startedAt !== null ? [view] : []),
    };
    this.http = new HttpServer({ host: "127.0.0.1", port: 0, allowOrigin: "*", logger, directory });
  }

  async start(): Promise<void> {
    this.port = await this.http.start();
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/live`;
  }

  /** Starts the test-pattern publisher and resolves once `segments` segments are complete. */
  async startPublisher(segments = 2): Promise<void> {
    // prettier-ignore
    const args = [
      "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
      "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
      "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
      "-g", String(this.gopFrames), "-keyint_min", String(this.gopFrames), "-sc_threshold", "0", "-b:v", "800k",
      "-c:a", "aac", "-b:a", "64k",
      "-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof",
      "-frag_duration", String(this.partMs * 1000), "pipe:1",
    ];
    const child = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "inherit"] });
    this.publisher = child;
    this.startedAt ??= new Date().toISOString();
    const reader = new Fmp4UnitReader();
    child.stdout!.on("data", (chunk: Buffer) => {
      for (const unit of reader.push(chunk)) {
        if (unit.kind === "init") this.packager.pushInit(unit.bytes);
        else this.packager.pushFragment(unit.bytes);
      }
    });
    const deadline = Date.now() + 20_000;
    const first = this.packager.position().msn;
    while (this.packager.position().msn < first + segments) {
      if (Date.now() > deadline) throw new Error("the packager got no segments");
      if (child.exitCode !== null) throw new Error(`ffmpeg exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Freezes the publisher for `ms` (SIGSTOP/SIGCONT): no parts meanwhile, then ffmpeg (-re) catches
   * up on the lost time in a burst, like an encoder after a network hiccup.
   */
  async stallPublisher(ms: number): Promise<void> {
    const child = this.publisher;
    if (!child) throw new Error("no publisher");
    child.kill("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, ms));
    child.kill("SIGCONT");
  }

  async close(): Promise<void> {
    const child = this.publisher;
    this.publisher = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    await this.http.close();
  }
}
