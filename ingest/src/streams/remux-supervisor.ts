// One publish's ffmpeg: feeds it the publish's media (as FLV, media/flv-feed.ts) with a bounded input queue, reads its fMP4
// units, and replaces it when it dies (bounded, with backoff) or falls too far behind.
//
// Why a lagging ffmpeg is replaced rather than fed with gaps: media dropped in front of a running
// ffmpeg becomes one long sample in its output (the frame before the gap lasts until the next
// one), which would stretch a part past PART-TARGET for good. A new ffmpeg starting at the next
// keyframe gives a clean EXT-X-DISCONTINUITY instead, the same path as a crash.
import type { Logger } from "pino";
import { Fmp4UnitReader } from "../mp4/fmp4-units.js";
import { FlvFeed } from "../media/flv-feed.js";
import { FfmpegRemuxer, type RemuxerExit } from "../media/remuxer.js";
import type { MediaEvent } from "./media.js";
import type { PublishSource } from "./publish-source.js";

/** backpressure: ffmpeg fell behind and is being replaced; restart: ffmpeg died and is being restarted. */
export type DropReason = "backpressure" | "restart";
export type RestartReason = "crash" | "backpressure";

/** Where the supervisor's output goes (the stream's packager, its metrics). */
interface RemuxSink {
  init(bytes: Buffer): void;
  fragment(bytes: Buffer): void;
  /** The current ffmpeg is gone and a new one will take over: the media timeline breaks here. */
  restarting(reason: RestartReason): void;
  /** Frames skipped (the metric still says "tags": one FLV tag per frame). */
  dropped(reason: DropReason, frames: number): void;
}

export interface RestartPolicy {
  /** Crash restarts allowed within a minute; one more closes the publish. */
  maxPerMinute: number;
  /** Delay before a crash restart, doubled for each one in the last minute. */
  baseDelayMs: number;
  maxDelayMs: number;
}

// Not flags: a crashing ffmpeg is a bug to fix, not to tune; these bound the damage (a few seconds of stream).
const defaultRestartPolicy: RestartPolicy = { maxPerMinute: 5, baseDelayMs: 200, maxDelayMs: 3_000 };

export interface RemuxSupervisorOptions {
  publish: PublishSource;
  ffmpegPath: string;
  partMs: number;
  logger: Logger;
  sink: RemuxSink;
  /**
   * Bytes written to ffmpeg's stdin that it has not taken yet (counted from the first refused
   * write until `drain`) before it counts as lagging and is replaced. Default 2 MiB (~3 s at 6 Mbit/s).
   */
  maxQueuedBytes?: number;
  restart?: Partial<RestartPolicy>;
  /** FfmpegRemuxer end timeout (SIGKILL after stdin end). Default 5000. */
  endTimeoutMs?: number;
}

const MINUTE_MS = 60_000;

export class RemuxSupervisor {
  private readonly log: Logger;
  private readonly feed: FlvFeed;
  private readonly policy: RestartPolicy;
  private readonly maxQueuedBytes: number;
  private remuxer: FfmpegRemuxer | null = null;
  /** Why we killed the current remuxer, if we did: its exit then needs a replacement. */
  private killedFor: "bad-output" | "backpressure" | null = null;
  private queuedBytes = 0;
  private congested = false;
  private restartTimer: NodeJS.Timeout | null = null;
  /** performance.now() of each crash restart in the last minute. */
  private readonly crashRestarts: number[] = [];
  private stopping: Promise<void> | null = null;
  /** Why media is being skipped (while the feed waits for a keyframe). */
  private skipReason: DropReason = "restart";
  private droppedRun: { reason: DropReason; frames: number } | null = null;
  private readonly onMedia = (event: MediaEvent): void => this.handleMedia(event);

  constructor(private readonly options: RemuxSupervisorOptions) {
    this.log = options.logger.child({ publish: options.publish.id });
    this.feed = new FlvFeed(() => options.publish.announcedTracks);
    this.policy = { ...defaultRestartPolicy, ...options.restart };
    this.maxQueuedBytes = options.maxQueuedBytes ?? 2 * 1024 * 1024;
  }

  /** PID of the current ffmpeg while it runs. */
  get pid(): number | undefined {
    return this.remuxer?.running ? this.remuxer.pid : undefined;
  }

  start(): void {
    this.options.publish.on("media", this.onMedia);
    this.spawn();
  }

  /** Stops taking media, closes ffmpeg's stdin and resolves once it has flushed and exited. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.options.publish.off("media", this.onMedia);
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      this.flushDropLog();
      const remuxer = this.remuxer;
      if (remuxer?.running) await remuxer.end();
    })();
    return this.stopping;
  }

  private spawn(): void {
    const remuxer = new FfmpegRemuxer({
      ffmpegPath: this.options.ffmpegPath,
      partMs: this.options.partMs,
      logger: this.log,
      ...(this.options.endTimeoutMs !== undefined ? { endTimeoutMs: this.options.endTimeoutMs } : {}),
    });
    const reader = new Fmp4UnitReader();
    this.remuxer = remuxer;
    this.killedFor = null;
    this.queuedBytes = 0;
    this.congested = false;
    remuxer.on("data", (chunk) => this.handleOutput(remuxer, reader, chunk));
    remuxer.on("drain", () => {
      if (remuxer !== this.remuxer) return;
      this.congested = false;
      this.queuedBytes = 0;
    });
    remuxer.once("exit", (exit) => this.handleExit(remuxer, exit));
    remuxer.start();
    this.log.info({ pid: remuxer.pid }, "remuxer started");
  }

  private handleMedia(event: MediaEvent): void {
    const remuxer = this.remuxer;
    const writable = remuxer !== null && remuxer.running && this.killedFor === null;
    const wasSkipping = this.feed.awaitingKeyframe;
    const step = this.feed.push(event, !writable);
    if (step.kind === "drop") return this.countDrop(this.skipReason);
    if (step.kind === "hold") return;
    if (wasSkipping) this.flushDropLog();
    if (remuxer!.write(step.bytes) && !this.congested) return;
    this.congested = true;
    this.queuedBytes += step.bytes.length;
    if (this.queuedBytes > this.maxQueuedBytes) {
      this.log.warn({ pid: remuxer!.pid, queuedBytes: this.queuedBytes }, "ffmpeg is not keeping up; replacing it from the next keyframe");
      this.kill(remuxer!, "backpressure");
    }
  }

  private handleOutput(remuxer: FfmpegRemuxer, reader: Fmp4UnitReader, chunk: Buffer): void {
    if (remuxer !== this.remuxer || this.killedFor !== null) return;
    try {
      for (const unit of reader.push(chunk)) {
        if (unit.kind === "init") this.options.sink.init(unit.bytes);
        else this.options.sink.fragment(unit.bytes);
      }
    } catch (err) {
      // Unreadable output (or output the packager refuses): this ffmpeg is of no further use.
      this.log.error({ err, pid: remuxer.pid }, "bad remuxer output; restarting ffmpeg");
      this.kill(remuxer, "bad-output");
    }
  }

  private kill(remuxer: FfmpegRemuxer, reason: "bad-output" | "backpressure"): void {
    this.killedFor = reason;
    this.skipReason = reason === "backpressure" ? "backpressure" : "restart";
    remuxer.kill();
  }

  private handleExit(remuxer: FfmpegRemuxer, exit: RemuxerExit): void {
    if (remuxer !== this.remuxer || this.stopping) return;
    const killedFor = this.killedFor;
    if (exit.expected && killedFor === null) return;
    if (killedFor === "backpressure") {
      // Not ffmpeg's fault: replaced at once, not counted against the crash budget.
      this.replace("backpressure");
      this.spawn();
      return;
    }
    const now = performance.now();
    while (this.crashRestarts.length > 0 && now - this.crashRestarts[0]! > MINUTE_MS) this.crashRestarts.shift();
    const recent = this.crashRestarts.length;
    const fields = { pid: remuxer.pid, code: exit.code, signal: exit.signal, stderr: remuxer.recentStderr, recentRestarts: recent };
    if (recent >= this.policy.maxPerMinute) {
      // The stream then waits for the performer's reconnect (OBS retries by itself).
      this.log.error(fields, "ffmpeg keeps failing; closing the publish");
      this.options.publish.close("remuxer keeps failing");
      return;
    }
    this.replace("crash");
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** recent);
    this.log.warn({ ...fields, delayMs }, "ffmpeg died during the publish; restarting it");
    this.crashRestarts.push(now);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.spawn();
    }, delayMs);
  }

  /** The timeline breaks here; the next ffmpeg gets the headers again and starts at a keyframe. */
  private replace(reason: RestartReason): void {
    this.skipReason = reason === "backpressure" ? "backpressure" : "restart";
    this.options.sink.restarting(reason);
    this.feed.restart();
  }

  private countDrop(reason: DropReason): void {
    if (this.droppedRun && this.droppedRun.reason !== reason) this.flushDropLog();
    this.droppedRun ??= { reason, frames: 0 };
    this.droppedRun.frames++;
    this.options.sink.dropped(reason, 1);
  }

  /** One log line per run of dropped frames. */
  private flushDropLog(): void {
    if (!this.droppedRun) return;
    this.log.warn({ reason: this.droppedRun.reason, frames: this.droppedRun.frames }, "dropped media frames until a keyframe");
    this.droppedRun = null;
  }
}
