// Renditions for every stream that wants them (--renditions, or per stream with `keys renditions`): one
// StreamTranscoding per LiveStream, the --max-transcodes cap shared by all, per-stream settings re-read
// every second (a running ingest applies `keys renditions` without a restart), ffmpeg found once.
//
// Whether index.m3u8 is a multivariant playlist is decided when a stream (a show) is created: a stream
// created with renditions wanted keeps it for its life, whatever the setting later says (players that
// loaded index.m3u8 as one kind of playlist must not get the other kind on a reload). A setting that adds
// renditions to a running show without them applies at its next show.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { LiveStream } from "../streams/live-stream.js";
import type { StreamRegistry } from "../streams/registry.js";
import type { RenditionName } from "./rendition-ladder.js";
import { StreamTranscoding } from "./stream-transcoding.js";
import { TranscodeMetrics } from "./transcode-metrics.js";
import { TranscodeSlots } from "./transcode-slots.js";

export interface TranscodingOptions {
  registry: StreamRegistry;
  /** --renditions: for streams without their own setting. */
  defaults: readonly RenditionName[];
  /** --max-transcodes. */
  maxTranscodes: number;
  partMs: number;
  /** Per-stream settings (the keys file); throws while it is unusable (the last good table stays). */
  loadSettings: () => Promise<ReadonlyMap<string, readonly RenditionName[]>>;
  /** Resolves the ffmpeg binary (media/ffmpeg-path.ts); asked once, when the first rendition is wanted. */
  findFfmpeg: () => Promise<{ path: string }>;
  logger: Logger;
  metricsRegistry: Registry;
  refreshMs?: number;
}

export class Transcoding {
  private readonly slots: TranscodeSlots;
  private readonly streams = new Map<LiveStream, StreamTranscoding>();
  private settings: ReadonlyMap<string, readonly RenditionName[]> = new Map();
  private ffmpeg: Promise<{ path: string } | { error: string }> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly metrics: TranscodeMetrics;

  constructor(private readonly options: TranscodingOptions) {
    this.slots = new TranscodeSlots(options.maxTranscodes);
    this.metrics = new TranscodeMetrics(options.metricsRegistry, () => [...this.streams.values()].flatMap((t) => t.states()));
    this.log = options.logger.child({ component: "transcoding" });
  }

  async start(): Promise<void> {
    await this.refresh();
    this.options.registry.on("stream", (stream) => this.onStream(stream));
    this.options.registry.on("ended", (stream) => {
      this.streams.get(stream)?.close();
      this.streams.delete(stream);
    });
    this.timer = setInterval(() => {
      for (const t of this.streams.values()) t.check();
      void this.refresh();
    }, this.options.refreshMs ?? 1000);
    this.timer.unref();
    // With --renditions, ffmpeg is looked up at start-up: a missing one is said (once) before the first show.
    if (this.options.defaults.length > 0) await this.findFfmpeg();
  }

  close(): void {
    clearInterval(this.timer);
    for (const t of this.streams.values()) t.close();
    this.streams.clear();
  }

  /** The transcoding of a stream (tests, bench). */
  of(stream: LiveStream): StreamTranscoding | undefined {
    return this.streams.get(stream);
  }

  private wantedFor(stream: string): readonly RenditionName[] {
    return this.settings.get(stream) ?? this.options.defaults;
  }

  private onStream(stream: LiveStream): void {
    const wanted = this.wantedFor(stream.name);
    if (wanted.length === 0) return;
    stream.serveMultivariant();
    this.streams.set(
      stream,
      new StreamTranscoding({
        stream,
        wanted,
        ffmpeg: this.findFfmpeg(),
        slots: this.slots,
        onFailure: (reason) => this.metrics.failures.inc({ reason }),
        partMs: this.options.partMs,
        logger: this.options.logger,
      }),
    );
  }

  private findFfmpeg(): Promise<{ path: string } | { error: string }> {
    this.ffmpeg ??= this.options.findFfmpeg().then(
      (found) => ({ path: found.path }),
      (error: unknown) => {
        // A warning, not a start-up error: the source needs no ffmpeg, viewers can still watch.
        this.log.warn({ reason: (error as Error).message }, "renditions wanted but no ffmpeg was found: streams play their source only");
        return { error: `no ffmpeg: ${(error as Error).message}` };
      },
    );
    return this.ffmpeg;
  }

  private async refresh(): Promise<void> {
    try {
      this.settings = await this.options.loadSettings();
    } catch {
      return; // the keys file's own watchers log why; the last good settings stay
    }
    for (const [stream, t] of this.streams) t.setWanted(this.wantedFor(stream.name));
  }
}
