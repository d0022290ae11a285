// One transcoded rendition of one stream: its ffmpeg child (restarted with backoff when it crashes or falls
// behind real time, dropped after too many failures), its output muxed in-process (mp4/) into the rendition's
// aligned packager, and what the status says about it. The source is never touched from here.
import type { Logger } from "pino";
import type { LlHlsPackager } from "../hls/packager.js";
import type { PartClosed } from "../hls/packager-events.js";
import { CodecConfigError } from "../mp4/codec-config-error.js";
import { Fmp4Muxer, type MuxedPart } from "../mp4/fmp4-muxer.js";
import { type InitInfo, parseInit } from "../mp4/fmp4-reader.js";
import { mediaEventOf } from "../rtmp/flv-media.js";
import type { FlvTag } from "../rtmp/flv.js";
import type { MediaEvent } from "../streams/media.js";
import type { RenditionStatus } from "../streams/stream-view.js";
import { transcoderArgs } from "./ffmpeg-args.js";
import type { RenditionName, RenditionPlan } from "./rendition-ladder.js";
import { firstVideoPtsMs, type SourceSegmentStarts } from "./source-segment-starts.js";
import type { TranscoderFailure } from "./transcode-metrics.js";
import type { TranscodeSlots } from "./transcode-slots.js";
import { MAX_STDIN_BACKLOG, TranscoderProcess } from "./transcoder-process.js";

export interface RenditionTranscodeOptions {
  stream: string;
  name: RenditionName;
  /** Null: this rendition does not fit the source (`dropReason` says why). */
  plan: RenditionPlan | null;
  dropReason?: string;
  packager: LlHlsPackager;
  starts: SourceSegmentStarts;
  /** Null: no ffmpeg was found (`dropReason` says so). */
  ffmpegPath: string | null;
  partMs: number;
  slots: TranscodeSlots;
  /** Counts each failure (metrics). */
  onFailure?: (reason: TranscoderFailure) => void;
  logger: Logger;
  /** Monotonic ms. Default performance.now. */
  now?: () => number;
}

/** Media fed but not out of ffmpeg for this long: behind real time (restart). Below REAL_TIME_MS: keeping up. */
const BEHIND_MS = 5_000;
/**
 * No source part for this long: the publisher paused or left. ffmpeg may then keep its last frames (its muxer
 * interleaves audio and video), which is no sign of falling behind.
 */
const SOURCE_IDLE_MS = 2_000;
const REAL_TIME_MS = 2_000;
/** More failures than this within FAILURE_WINDOW_MS and the rendition is dropped. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 120_000;
const FIRST_BACKOFF_MS = 1_000;

type State = Exclude<RenditionStatus["state"], "source">;

export class RenditionTranscode {
  private state: State = "waiting";
  private reason: string | undefined;
  private proc: TranscoderProcess | null = null;
  private muxer: Fmp4Muxer | null = null;
  private heldConfigs = new Map<string, MediaEvent>();
  private outputInit: InitInfo | null = null;
  /** Source init id whose bytes went to the current process; null: waiting for a keyframe to begin. */
  private fedInitId: number | null = null;
  /** Source parts fed and not yet out of ffmpeg: their first frame's time and when they were written. */
  private inFlight: Array<{ ms: number; at: number }> = [];
  private lastFedAt = 0;
  private failures: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly options: RenditionTranscodeOptions) {
    this.log = options.logger.child({ stream: options.stream, rendition: options.name });
    this.now = options.now ?? (() => performance.now());
    if (!options.plan || !options.ffmpegPath) {
      // Known before anything ran (no upscaling, no video, no ffmpeg): said in the status, logged at info.
      this.state = "dropped";
      this.reason = options.dropReason ?? "not available";
      this.log.info({ reason: this.reason }, "rendition not made; the source plays on");
      this.stopped = true;
      return;
    }
    if (options.slots.acquire(this, () => this.spawn())) this.spawn();
    else {
      this.reason = `waiting for a transcoder slot (--max-transcodes ${options.slots.max})`;
      this.log.warn({ maxTranscodes: options.slots.max }, "rendition waits for a transcoder slot");
    }
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  status(): Omit<RenditionStatus, "playlist"> {
    const stats = this.options.packager.stats();
    const measured = stats.video?.bitrateKbps;
    const plan = this.options.plan;
    return {
      name: this.options.name,
      state: this.state,
      width: stats.video?.width ?? plan?.width ?? null,
      height: stats.video?.height ?? plan?.height ?? null,
      bitrateKbps: measured != null ? measured + (stats.audio?.bitrateKbps ?? 0) : (plan?.videoKbps ?? null),
      realTime: this.state === "running" ? this.lagMs() < REAL_TIME_MS : null,
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
    };
  }

  /** Target bitrate (bit/s), video only: the audio copied is small. */
  get nominalBps(): number {
    return (this.options.plan?.videoKbps ?? 0) * 1000;
  }

  /** Every source part, with its first video frame's time (ms). */
  feed(part: PartClosed, ptsMs: number | null): void {
    const proc = this.proc;
    if (!proc || ptsMs === null) return;
    if (this.fedInitId !== part.initId) {
      if (this.fedInitId !== null) {
        // A new codec setup from the publisher: a new ffmpeg reads it from its start (not a failure).
        this.log.info("source codec setup changed; restarting the transcoder");
        this.replaceProcess();
        return;
      }
      if (!part.independent) return;
      proc.write(part.init);
      this.fedInitId = part.initId;
    }
    proc.write(part.bytes);
    this.lastFedAt = this.now();
    this.inFlight.push({ ms: ptsMs, at: this.lastFedAt });
  }

  /** Called about every second: a transcoder that stopped keeping up is restarted. */
  check(): void {
    const proc = this.proc;
    if (!proc || this.now() - this.lastFedAt > SOURCE_IDLE_MS) return;
    const lag = this.lagMs();
    if (lag > BEHIND_MS || proc.backlog > MAX_STDIN_BACKLOG) {
      const reason = `fell behind real time (${(lag / 1000).toFixed(1)} s behind the source)`;
      this.proc = null;
      proc.kill(reason);
      this.fail(reason, "behind");
    }
  }

  /** Ends the transcoder for good (the stream ended, or the rendition is no longer wanted). */
  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const proc = this.proc;
    this.proc = null;
    proc?.kill("stopped");
    this.options.slots.release(this);
  }

  private lagMs(): number {
    const oldest = this.inFlight[0];
    return oldest ? this.now() - oldest.at : 0;
  }

  private spawn(): void {
    if (this.stopped) return;
    this.restartTimer = null;
    this.state = this.options.packager.currentInitId === null ? "starting" : "restarting";
    this.muxer = null;
    this.heldConfigs.clear();
    this.fedInitId = null;
    this.inFlight = [];
    const proc: TranscoderProcess = new TranscoderProcess({
      ffmpegPath: this.options.ffmpegPath!,
      args: transcoderArgs(this.options.plan!),
      logger: this.log,
      onTag: (tag) => {
        if (this.proc === proc) this.onTag(tag);
      },
      onExit: (reason) => {
        if (this.proc !== proc) return;
        this.proc = null;
        this.fail(`transcoder ${reason}`, "exit");
      },
    });
    this.proc = proc;
    this.log.info({ pid: proc.pid, plan: this.options.plan }, "transcoder started");
  }

  private replaceProcess(): void {
    const proc = this.proc;
    this.proc = null;
    proc?.kill("replaced");
    this.spawn();
  }

  private fail(reason: string, kind: TranscoderFailure): void {
    if (this.stopped) return;
    this.options.onFailure?.(kind);
    const now = this.now();
    this.failures = [...this.failures.filter((t) => now - t < FAILURE_WINDOW_MS), now];
    if (this.failures.length > MAX_FAILURES) {
      this.drop(`${reason}; failed ${this.failures.length} times within ${FAILURE_WINDOW_MS / 60_000} minutes`);
      return;
    }
    const backoff = FIRST_BACKOFF_MS * 2 ** (this.failures.length - 1);
    this.state = "restarting";
    this.reason = reason;
    this.log.warn({ reason, restartInMs: backoff }, "transcoder failed; restarting");
    this.restartTimer = setTimeout(() => this.spawn(), backoff);
    this.restartTimer.unref();
  }

  private drop(reason: string): void {
    this.state = "dropped";
    this.reason = reason;
    this.log.warn({ reason }, "rendition dropped; the source plays on");
    this.stop();
  }

  private onTag(tag: FlvTag): void {
    const event = mediaEventOf(tag);
    if (!event) return;
    if (event.kind === "video") this.inFlight = this.inFlight.filter((f) => f.ms > event.pts + 1);
    let muxer = this.muxer;
    if (!muxer) {
      // The muxer starts where the first keyframe is, so its output keeps ffmpeg's (the source's) timeline.
      if (event.kind === "video-config" || event.kind === "audio-config") {
        this.heldConfigs.set(event.kind, event);
        return;
      }
      if (event.kind !== "video" || !event.keyframe || !this.heldConfigs.has("video-config")) return;
      muxer = new Fmp4Muxer({ partMs: this.options.partMs, startMs: event.dts });
      this.muxer = muxer;
      for (const config of this.heldConfigs.values()) muxer.push(config);
    }
    let outputs;
    try {
      outputs = muxer.push(event);
    } catch (error) {
      if (!(error instanceof CodecConfigError)) throw error;
      const proc = this.proc;
      this.proc = null;
      proc?.kill("unusable output");
      this.drop(`the transcoder's output cannot be served: ${error.message}`);
      return;
    }
    const packager = this.options.packager;
    for (const o of outputs) {
      if (packager.ended) return;
      if (o.kind === "init") {
        packager.pushInit(o.bytes);
        this.outputInit = parseInit(o.bytes);
      } else if (o.kind === "part") this.deliver(o);
    }
  }

  private deliver(part: MuxedPart): void {
    const ptsMs = this.outputInit ? firstVideoPtsMs(part.bytes, this.outputInit) : null;
    const start = ptsMs === null ? undefined : this.options.starts.at(ptsMs);
    if (this.options.packager.pushFragment(part.bytes, part.partTargetS, start) && this.state !== "running") {
      this.state = "running";
      this.reason = undefined;
      this.log.info({ pid: this.proc?.pid }, "rendition live");
    }
  }
}
