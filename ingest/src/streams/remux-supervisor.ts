// One publish's ffmpeg: feeds it the publish's FLV with bounded buffering, reads its fMP4 units,
// and restarts it (bounded, with backoff) when it dies while the publish is alive.
import type { Logger } from "pino";
import { Fmp4UnitReader } from "../hls/fmp4-units.js";
import { FfmpegRemuxer, type RemuxerExit } from "../media/remuxer.js";
import type { FlvTag } from "../rtmp/flv.js";
import type { RtmpPublish } from "../rtmp/publish.js";
import { FlvFeed } from "./flv-feed.js";

export type DropReason = "backpressure" | "restart";

/** Where the supervisor's output goes (the stream's packager, its metrics). */
export interface RemuxSink {
  init(bytes: Buffer): void;
  fragment(bytes: Buffer): void;
  /** ffmpeg died and a new one will take over: the media timeline breaks here. */
  restarting(): void;
  dropped(reason: DropReason, tags: number): void;
}

export interface RestartPolicy {
  /** Restarts allowed within a minute; one more closes the publish. */
  maxPerMinute: number;
  /** Delay before the first restart of a quiet minute, doubled for each recent one. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRestartPolicy: RestartPolicy = { maxPerMinute: 5, baseDelayMs: 200, maxDelayMs: 3_000 };

export interface RemuxSupervisorOptions {
  publish: RtmpPublish;
  ffmpegPath: string;
  partMs: number;
  logger: Logger;
  sink: RemuxSink;
  /**
   * Bytes written to ffmpeg's stdin beyond what it has taken (counted from the first refused write
   * until `drain`) before media is dropped until the next keyframe. Default 2 MiB (~3 s at 6 Mbit/s).
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
  /** The remuxer we killed for bad output: its exit is a crash although we asked for it. */
  private crashed: FfmpegRemuxer | null = null;
  private queuedBytes = 0;
  private congested = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly restarts: number[] = [];
  private stopping: Promise<void> | null = null;
  /** Why the feed is skipping to a keyframe (when it is). */
  private skipReason: DropReason = "restart";
  private droppedRun: { reason: DropReason; tags: number } | null = null;
  private readonly onTag = (tag: FlvTag): void => this.handleTag(tag);

  constructor(private readonly options: RemuxSupervisorOptions) {
    this.log = options.logger.child({ publish: options.publish.id });
    this.feed = new FlvFeed(() => options.publish.metadata);
    this.policy = { ...defaultRestartPolicy, ...options.restart };
    this.maxQueuedBytes = options.maxQueuedBytes ?? 2 * 1024 * 1024;
  }

  /** PID of the current ffmpeg, if one is running. */
  get pid(): number | undefined {
    return this.remuxer?.running ? this.remuxer.pid : undefined;
  }

  /** Restarts in the last minute. */
  get recentRestarts(): number {
    this.forgetOldRestarts();
    return this.restarts.length;
  }

  start(): void {
    this.options.publish.on("tag", this.onTag);
    this.spawn();
  }

  /** Stops taking tags, closes ffmpeg's stdin and resolves once it has flushed and exited. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.options.publish.off("tag", this.onTag);
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

  private handleTag(tag: FlvTag): void {
    const remuxer = this.remuxer;
    const running = remuxer?.running === true;
    const blocked = !running || this.queuedBytes > this.maxQueuedBytes;
    const wasSkipping = this.feed.awaitingKeyframe;
    if (blocked && !wasSkipping) {
      this.skipReason = running ? "backpressure" : "restart";
      if (running) this.log.warn({ queuedBytes: this.queuedBytes }, "ffmpeg is not keeping up; dropping media until the next keyframe");
    }
    const step = this.feed.push(tag, blocked);
    if (step.kind === "drop") return this.countDrop(this.skipReason);
    if (step.kind === "hold") return;
    if (wasSkipping) this.flushDropLog();
    const accepted = remuxer!.write(step.bytes);
    if (accepted && !this.congested) return;
    // Counted from the first refused write until `drain`: what ffmpeg has not taken yet, roughly.
    this.congested = true;
    this.queuedBytes += step.bytes.length;
  }

  private handleOutput(remuxer: FfmpegRemuxer, reader: Fmp4UnitReader, chunk: Buffer): void {
    if (remuxer !== this.remuxer || this.crashed === remuxer) return;
    try {
      for (const unit of reader.push(chunk)) {
        if (unit.kind === "init") this.options.sink.init(unit.bytes);
        else this.options.sink.fragment(unit.bytes);
      }
    } catch (err) {
      // Unreadable output (or output the packager refuses): this ffmpeg is of no further use.
      this.log.error({ err, pid: remuxer.pid }, "bad remuxer output; restarting ffmpeg");
      this.crashed = remuxer;
      remuxer.kill();
    }
  }

  private handleExit(remuxer: FfmpegRemuxer, exit: RemuxerExit): void {
    if (remuxer !== this.remuxer || this.stopping) return;
    if (exit.expected && this.crashed !== remuxer) return;
    this.crashed = null;
    this.options.sink.restarting();
    this.feed.restart();
    this.skipReason = "restart";
    this.forgetOldRestarts();
    const recent = this.restarts.length;
    const fields = { pid: remuxer.pid, code: exit.code, signal: exit.signal, stderr: remuxer.recentStderr, recentRestarts: recent };
    if (recent >= this.policy.maxPerMinute) {
      this.log.error(fields, "ffmpeg keeps failing; closing the publish");
      this.options.publish.close("remuxer keeps failing");
      return;
    }
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** recent);
    this.log.warn({ ...fields, delayMs }, "ffmpeg died during the publish; restarting it");
    this.restarts.push(performance.now());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.spawn();
    }, delayMs);
  }

  private countDrop(reason: DropReason): void {
    if (this.droppedRun && this.droppedRun.reason !== reason) this.flushDropLog();
    this.droppedRun ??= { reason, tags: 0 };
    this.droppedRun.tags++;
    this.options.sink.dropped(reason, 1);
  }

  /** One log line per run of dropped tags. */
  private flushDropLog(): void {
    if (!this.droppedRun) return;
    this.log.warn({ reason: this.droppedRun.reason, tags: this.droppedRun.tags }, "dropped media tags; resumed at a keyframe");
    this.droppedRun = null;
  }

  private forgetOldRestarts(): void {
    const now = performance.now();
    while (this.restarts.length > 0 && now - this.restarts[0]! > MINUTE_MS) this.restarts.shift();
  }
}
