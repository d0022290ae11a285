// One supervised ffmpeg process: FLV on stdin -> fragmented MP4 on stdout, stream copy only.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import type { Readable, Writable } from "node:stream";
import type { Logger } from "pino";
import { BoundedLineSplitter } from "./bounded-lines.js";
import { registerChild } from "./child-registry.js";

interface FfmpegRemuxerOptions {
  ffmpegPath: string;
  /** Fragment (= LL-HLS part) duration target in ms; ffmpeg cuts at whole frames at or after it. */
  partMs: number;
  logger: Logger;
  /** How long `end()` waits for a clean exit before SIGKILL. Default 5000 ms. */
  endTimeoutMs?: number;
  /**
   * Input probing limits. Probing ends as soon as every announced stream has its codec parameters
   * (about 70 ms for OBS-like audio+video); these only bound inputs where a stream never shows up
   * (a video-only FLV waits the whole analyze duration). Defaults 1 MiB / 1000 ms.
   */
  probeSizeBytes?: number;
  analyzeDurationMs?: number;
}

export interface RemuxerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the exit followed `end()` or `kill()`. */
  expected: boolean;
}

type RemuxerEvents = {
  /** A chunk of fragmented MP4 (arbitrary boundaries: feed an Fmp4UnitReader). */
  data: [chunk: Buffer];
  /** stdin accepts writes again after `write()` returned false. */
  drain: [];
  /** Emitted once, after stdout has been fully read. */
  exit: [exit: RemuxerExit];
};

const MAX_LOG_LINES_PER_MINUTE = 30;
const KEEP_STDERR_LINES = 8;

/** The ffmpeg arguments, exported for tests and docs. */
export function remuxerArgs(partMs: number, probeSizeBytes: number, analyzeDurationMs: number): string[] {
  return [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "warning",
    // No "-fflags nobuffer": it discards the packets read while probing (measured: the first
    // keyframe), leaving non-keyframes that reference a dropped keyframe.
    // -fpsprobesize 0: do not read extra frames to guess the frame rate (stream copy needs none);
    // otherwise probing runs to -analyzeduration. A probesize that ends before the first AAC frame is
    // decoded makes ffmpeg write 44100 Hz into the init whatever the real rate (measured at 32 KiB).
    "-fpsprobesize",
    "0",
    "-probesize",
    String(probeSizeBytes),
    "-analyzeduration",
    String(analyzeDurationMs * 1000),
    "-f",
    "flv",
    "-i",
    "pipe:0",
    // Only audio and video: FLV data streams (captions, onTextData) cannot go into MP4.
    "-map",
    "0:v?",
    "-map",
    "0:a?",
    "-c",
    "copy",
    "-f",
    "mp4",
    "-movflags",
    "+frag_keyframe+empty_moov+default_base_moof",
    "-frag_duration",
    String(Math.round(partMs * 1000)),
    "pipe:1",
  ];
}

export class FfmpegRemuxer extends EventEmitter<RemuxerEvents> {
  private child: ChildProcessByStdio<Writable, Readable, Readable> | null = null;
  private stopRequested = false;
  private exitInfo: RemuxerExit | null = null;
  private exitPromise: Promise<RemuxerExit> | null = null;
  private endPromise: Promise<RemuxerExit> | null = null;
  private readonly lastStderr: string[] = [];
  private logWindowStart = 0;
  private logLinesInWindow = 0;
  private suppressedLines = 0;
  private readonly log: Logger;

  constructor(private readonly options: FfmpegRemuxerOptions) {
    super();
    if (!(options.partMs > 0)) throw new RangeError(`partMs must be positive, got ${options.partMs}`);
    this.log = options.logger.child({ module: "remuxer" });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True between `start()` and the process exit. */
  get running(): boolean {
    return this.child !== null && this.exitInfo === null;
  }

  /** Last stderr lines (at most 8), for error reports. */
  get recentStderr(): readonly string[] {
    return this.lastStderr;
  }

  start(): void {
    if (this.child) throw new Error("FfmpegRemuxer already started");
    const args = remuxerArgs(this.options.partMs, this.options.probeSizeBytes ?? 1_048_576, this.options.analyzeDurationMs ?? 1_000);
    const child = spawn(this.options.ffmpegPath, args, { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    this.child = child;
    registerChild(child);
    this.log.debug({ pid: child.pid, args }, "ffmpeg started");

    const lines = new BoundedLineSplitter((line) => this.onStderrLine(line));
    child.stderr.on("data", (chunk: Buffer) => lines.push(chunk));
    child.stdout.on("data", (chunk: Buffer) => this.emit("data", chunk));
    child.stdin.on("drain", () => this.emit("drain"));
    // EPIPE when ffmpeg exits first: the exit event reports what happened.
    child.stdin.on("error", (err) => this.log.debug({ err: err.message }, "ffmpeg stdin error"));

    let spawnError: Error | null = null;
    child.on("error", (err) => {
      spawnError = err;
      this.log.error({ err: err.message, ffmpeg: this.options.ffmpegPath }, "ffmpeg failed to start");
    });
    this.exitPromise = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        lines.end();
        const info: RemuxerExit = { code: spawnError && code === null ? -1 : code, signal, expected: this.stopRequested };
        this.exitInfo = info;
        const fields = { pid: child.pid, ...info, stderr: this.lastStderr };
        // Clean: exit 0, or killed on our request. A failure after end() (bad input) is still a warning.
        if (info.code === 0 || (info.expected && info.code === null)) this.log.info(fields, "ffmpeg exited");
        else this.log.warn(fields, info.expected ? "ffmpeg failed" : "ffmpeg exited unexpectedly");
        this.emit("exit", info);
        resolve(info);
      });
    });
  }

  /** Writes FLV bytes; returns false when the caller should wait for `drain`. After exit, drops data. */
  write(chunk: Buffer): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || this.exitInfo || stdin.writableEnded || stdin.destroyed) return true;
    return stdin.write(chunk);
  }

  /** Closes stdin and waits for ffmpeg to flush and exit; SIGKILL after `endTimeoutMs`. */
  end(): Promise<RemuxerExit> {
    if (this.endPromise) return this.endPromise;
    const child = this.child;
    const exited = this.exitPromise;
    if (!child || !exited) return Promise.reject(new Error("FfmpegRemuxer not started"));
    this.stopRequested = true;
    if (!child.stdin.writableEnded) child.stdin.end();
    const timeoutMs = this.options.endTimeoutMs ?? 5_000;
    this.endPromise = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn({ pid: child.pid, timeoutMs }, "ffmpeg did not exit after end of input; killing it");
        child.kill("SIGKILL");
      }, timeoutMs);
      void exited.then((info) => {
        clearTimeout(timer);
        resolve(info);
      });
    });
    return this.endPromise;
  }

  /** Kills ffmpeg at once (SIGKILL); the `exit` event still follows. */
  kill(): void {
    if (!this.child || this.exitInfo) return;
    this.stopRequested = true;
    this.child.kill("SIGKILL");
  }

  /** Resolves when the process has exited (after start). */
  exited(): Promise<RemuxerExit> {
    if (!this.exitPromise) return Promise.reject(new Error("FfmpegRemuxer not started"));
    return this.exitPromise;
  }

  private onStderrLine(line: string): void {
    this.lastStderr.push(line);
    if (this.lastStderr.length > KEEP_STDERR_LINES) this.lastStderr.shift();
    // ffmpeg runs at -loglevel warning, so every line is a warning or an error; rate-limited.
    const now = Date.now();
    if (now - this.logWindowStart >= 60_000) {
      if (this.suppressedLines > 0) this.log.warn({ suppressed: this.suppressedLines }, "ffmpeg stderr lines suppressed");
      this.logWindowStart = now;
      this.logLinesInWindow = 0;
      this.suppressedLines = 0;
    }
    if (this.logLinesInWindow++ < MAX_LOG_LINES_PER_MINUTE) this.log.warn({ pid: this.child?.pid, line }, "ffmpeg");
    else this.suppressedLines++;
  }
}
