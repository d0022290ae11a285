// One publish's media into fMP4, in-process: MediaEvents through the Fmp4Muxer, its init segments,
// parts and discontinuities handed to a sink (the stream's packager). A codec configuration that
// does not parse or that browsers cannot play refuses the publish; a publisher sending faster than
// real time is measured here (media time against the wall clock).
import type { Logger } from "pino";
import { CodecConfigError } from "../mp4/codec-config-error.js";
import { Fmp4Muxer, type MuxedInit, type MuxedPart } from "../mp4/fmp4-muxer.js";
import type { MediaEvent } from "./media.js";

export interface PublishMuxerSink {
  init(init: MuxedInit): void;
  part(part: MuxedPart): void;
  /** The publisher's timestamps jumped: the next part starts after EXT-X-DISCONTINUITY. */
  discontinuity(jumpMs: number): void;
  /** The publish cannot be served (once; nothing follows). */
  refused(error: CodecConfigError): void;
}

export interface PublishMuxerOptions {
  partMs: number;
  /** Output decode time (ms) to start at: where the stream's previous publish left off. */
  startMs: number;
  sink: PublishMuxerSink;
  logger: Logger;
  /** Media this far (ms) ahead of the wall clock within 10 s counts as faster than real time. Default 1500. */
  aheadLimitMs?: number;
  /** Monotonic ms. Default performance.now. */
  now?: () => number;
}

export class PublishMuxer {
  private readonly muxer: Fmp4Muxer;
  private readonly now: () => number;
  private readonly aheadLimitMs: number;
  private refused = false;
  /** Wall clock and media time (ms) where the comparison starts; reset by discontinuities. */
  private anchor: { wallMs: number; mediaMs: number } | null = null;
  /** Wall clock when media was last found running ahead; null: at pace. */
  private fastAt: number | null = null;

  constructor(private readonly options: PublishMuxerOptions) {
    this.muxer = new Fmp4Muxer({ partMs: options.partMs, startMs: options.startMs });
    this.now = options.now ?? (() => performance.now());
    this.aheadLimitMs = options.aheadLimitMs ?? 1_500;
  }

  /** Output decode time (ms) the stream reached: where a next publish continues. */
  get endMs(): number {
    return this.muxer.endMs;
  }

  /** The publisher sent media faster than real time within the last window. */
  get fasterThanRealTime(): boolean {
    return this.fastAt !== null;
  }

  push(event: MediaEvent): void {
    if (this.refused) return;
    let outputs;
    try {
      outputs = this.muxer.push(event);
    } catch (err) {
      if (!(err instanceof CodecConfigError)) throw err;
      this.refused = true;
      this.options.sink.refused(err);
      return;
    }
    for (const o of outputs) {
      if (o.kind === "init") this.options.sink.init(o);
      else if (o.kind === "part") {
        this.options.sink.part(o);
        this.measurePace();
      } else {
        this.anchor = null;
        this.options.sink.discontinuity(o.jumpMs);
      }
    }
  }

  /** End of the publish: the frames still held go out. */
  flush(): void {
    if (this.refused) return;
    for (const o of this.muxer.flush()) {
      if (o.kind === "init") this.options.sink.init(o);
      else if (o.kind === "part") this.options.sink.part(o);
    }
  }

  /**
   * Compares media time with wall time over windows of `windowMs`: media more than `aheadLimitMs` ahead
   * within one window is a publisher faster than real time. The flag clears after a whole window at pace.
   */
  private measurePace(): void {
    const wallMs = this.now();
    const mediaMs = this.muxer.endMs;
    if (!this.anchor) {
      this.anchor = { wallMs, mediaMs };
      return;
    }
    const elapsed = wallMs - this.anchor.wallMs;
    const ahead = mediaMs - this.anchor.mediaMs - elapsed;
    if (ahead > this.aheadLimitMs) {
      if (this.fastAt === null)
        this.options.logger.warn({ aheadMs: Math.round(ahead), overMs: Math.round(elapsed) }, "publisher sends faster than real time");
      this.fastAt = wallMs;
      this.anchor = { wallMs, mediaMs };
    } else if (elapsed >= PACE_WINDOW_MS) {
      this.anchor = { wallMs, mediaMs };
      if (this.fastAt !== null && wallMs - this.fastAt >= PACE_WINDOW_MS) this.fastAt = null;
    }
  }
}

const PACE_WINDOW_MS = 10_000;
