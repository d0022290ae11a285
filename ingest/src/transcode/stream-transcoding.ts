// The transcoded renditions of one stream: planned from the source's first keyframe (its size and bitrate),
// fed the source's parts, added to the LiveStream beside the source; changed live when the per-stream
// setting changes; stopped when the stream ends.
import type { Logger } from "pino";
import type { PartClosed } from "../hls/packager-events.js";
import { SOURCE_RENDITION, type LiveStream } from "../streams/live-stream.js";
import { planRenditions, type RenditionName } from "./rendition-ladder.js";
import { RenditionTranscode } from "./rendition-transcode.js";
import { SourceSegmentStarts } from "./source-segment-starts.js";
import type { TranscoderFailure } from "./transcode-metrics.js";
import type { TranscodeSlots } from "./transcode-slots.js";

export interface StreamTranscodingOptions {
  stream: LiveStream;
  wanted: readonly RenditionName[];
  /** The ffmpeg to run, or why there is none. */
  ffmpeg: Promise<{ path: string } | { error: string }>;
  slots: TranscodeSlots;
  onFailure?: (reason: TranscoderFailure) => void;
  partMs: number;
  logger: Logger;
}

export class StreamTranscoding {
  private readonly starts = new SourceSegmentStarts();
  private readonly renditions = new Map<RenditionName, RenditionTranscode>();
  private wanted: readonly RenditionName[];
  private ffmpeg: { path: string } | { error: string } | null = null;
  private planned = false;
  /** Source picture size the renditions were planned for ("WxH"; "" without video). */
  private plannedFor: string | null = null;
  private closed = false;
  private readonly onPart = (part: PartClosed) => this.part(part);

  constructor(private readonly options: StreamTranscodingOptions) {
    this.wanted = options.wanted;
    void options.ffmpeg.then((found) => {
      this.ffmpeg = found;
    });
    this.source.on("part", this.onPart);
  }

  private get source() {
    return this.options.stream.renditions.get(SOURCE_RENDITION)!;
  }

  /** For tests and the bench: the transcoder process of a rendition while one runs. */
  pidOf(name: RenditionName): number | undefined {
    return this.renditions.get(name)?.pid;
  }

  /** The per-stream setting changed: renditions no longer wanted stop, new ones start. */
  setWanted(wanted: readonly RenditionName[]): void {
    if (this.closed || wanted.join() === this.wanted.join()) return;
    this.wanted = wanted;
    if (!this.planned) return;
    for (const [name, r] of this.renditions) {
      if (wanted.includes(name)) continue;
      r.stop();
      this.renditions.delete(name);
      this.options.stream.removeRendition(name);
      this.options.logger.info({ stream: this.options.stream.name, rendition: name }, "rendition removed");
    }
    this.plan();
  }

  check(): void {
    for (const r of this.renditions.values()) r.check();
  }

  /** Each rendition's state (metrics). */
  states(): string[] {
    return [...this.renditions.values()].map((r) => r.status().state);
  }

  close(): void {
    this.closed = true;
    this.source.off("part", this.onPart);
    for (const r of this.renditions.values()) r.stop();
  }

  private part(part: PartClosed): void {
    if (this.closed) return;
    const ptsMs = this.starts.onPart(part);
    // Planned at the first keyframe once ffmpeg's lookup is done: the source's size is known then.
    if (!this.planned && part.independent && this.ffmpeg !== null) {
      this.planned = true;
      this.plan();
    } else if (this.planned && part.independent && this.sourceSize() !== this.plannedFor) {
      // The publisher changed its picture size (a new OBS canvas after a reconnect): planned again, from this keyframe.
      this.options.logger.info(
        { stream: this.options.stream.name, from: this.plannedFor, to: this.sourceSize() },
        "source size changed; renditions planned again",
      );
      for (const [name, r] of this.renditions) {
        r.stop();
        this.options.stream.removeRendition(name);
      }
      this.renditions.clear();
      this.plan();
    }
    for (const r of this.renditions.values()) r.feed(part, ptsMs);
  }

  private sourceSize(): string {
    const video = this.starts.sourceInit?.tracks.find((t) => t.kind === "video");
    return video ? `${video.width}x${video.height}` : "";
  }

  /** Adds a RenditionTranscode for every wanted rendition that has none. */
  private plan(): void {
    this.plannedFor = this.sourceSize();
    const video = this.starts.sourceInit?.tracks.find((t) => t.kind === "video");
    const stats = this.source.stats();
    const source =
      video?.width && video.height ? { width: video.width, height: video.height, videoKbps: stats.video?.bitrateKbps ?? null } : null;
    const { planned, skipped } = source ? planRenditions(this.wanted, source) : { planned: [], skipped: [] };
    const ffmpeg = this.ffmpeg!;
    for (const name of this.wanted) {
      if (this.renditions.has(name)) continue;
      const plan = planned.find((p) => p.name === name) ?? null;
      const dropReason = !source
        ? "the source has no video"
        : "error" in ffmpeg
          ? ffmpeg.error
          : skipped.find((s) => s.name === name)?.reason;
      const packager = this.options.stream.addRendition(name, {
        status: () => this.renditions.get(name)!.status(),
        nominalBps: (plan?.videoKbps ?? 0) * 1000,
      });
      const rendition = new RenditionTranscode({
        stream: this.options.stream.name,
        name,
        plan,
        ...(dropReason !== undefined ? { dropReason } : {}),
        packager,
        starts: this.starts,
        ffmpegPath: "path" in ffmpeg ? ffmpeg.path : null,
        partMs: this.options.partMs,
        slots: this.options.slots,
        ...(this.options.onFailure ? { onFailure: this.options.onFailure } : {}),
        logger: this.options.logger,
      });
      this.renditions.set(name, rendition);
    }
  }
}
