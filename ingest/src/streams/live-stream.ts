// One public stream: a single LL-HLS packager for its whole life, fed by one publish at a time, muxed
// in-process (streams/publish-muxer.ts). Reconnects (within the grace period) and timestamp jumps continue
// the same playlist after an EXT-X-DISCONTINUITY; msn keeps counting, so a player never waits for a number
// that restarts, and decode times continue where the previous publish left off.
import type { Logger } from "pino";
import type { MediaWarning } from "../hls/media-stats.js";
import type { LlHlsPackagerOptions } from "../hls/packager-options.js";
import { LlHlsPackager } from "../hls/packager.js";
import type { CodecConfigError } from "../mp4/codec-config-error.js";
import type { MediaEvent } from "./media.js";
import type { PublishSource } from "./publish-source.js";
import { PublishMuxer } from "./publish-muxer.js";
import type {
  BlockingClass,
  LiveStreamView,
  MediaPlaylistView,
  PartPosition,
  RenditionStatus,
  StreamState,
  StreamStatusCore,
  Variant,
  WaitOutcome,
} from "./stream-view.js";

/** The rendition every stream has: the publisher's media as sent. Later renditions (e.g. for phones) sit beside it. */
export const SOURCE_RENDITION = "source";

/** A rendition beside the source (made by transcode/): what the status says about it. */
export interface RenditionDescription {
  status(): Omit<RenditionStatus, "playlist">;
  /** Its target bitrate (bit/s), announced until segments are measured. */
  nominalBps: number;
}

interface AddedRendition extends RenditionDescription {
  packager: LlHlsPackager;
}

interface LiveStreamEvents {
  /** A publish was attached; `reconnect`: the stream had media before. */
  publish(stream: LiveStream, reconnect: boolean): void;
  /** The publisher's timestamps jumped (a discontinuity in the playlist). */
  discontinuity(stream: LiveStream): void;
  /** A publish was refused for its codec configuration. */
  refused(stream: LiveStream, error: CodecConfigError): void;
  /** The stream reached ENDLIST (or left without ever producing media). */
  ended(stream: LiveStream): void;
}

interface LiveStreamOptions {
  name: string;
  packager: LlHlsPackagerOptions;
  /** Part duration aimed at, ms (the muxer cuts parts on frame boundaries near it). */
  partMs: number;
  /** Seconds without a publisher before the playlist ends. */
  graceS: number;
  logger: Logger;
  events: LiveStreamEvents;
  clock?: () => number;
}

export class LiveStream implements LiveStreamView {
  readonly name: string;
  private readonly packager: LlHlsPackager;
  private readonly added = new Map<string, AddedRendition>();
  /**
   * Every rendition packager this stream made, listed or not: one removed and added again continues in its
   * packager, so its init ids (immutable names) are never handed out twice.
   */
  private readonly renditionPackagers = new Map<string, LlHlsPackager>();
  /** index.m3u8 is a multivariant playlist (decided when the stream is created, kept for its life). */
  private multivariant = false;
  private readonly log: Logger;
  private publish: PublishSource | null = null;
  private muxer: PublishMuxer | null = null;
  private onMedia: ((event: MediaEvent) => void) | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  /** Parts from the current publish (0: attached but nothing yet). */
  private partsThisPublish = 0;
  private everHadMedia = false;
  private publishStartedAt: number | null = null;
  private isEnded = false;
  /** Output decode time (ms) reached so far: the next publish continues from there. */
  private timelineMs = 0;
  /** Why the latest publish was refused, shown in the status until a publish produces media. */
  private refusal: MediaWarning | null = null;
  private readonly clock: () => number;

  constructor(private readonly options: LiveStreamOptions) {
    this.name = options.name;
    this.log = options.logger.child({ stream: options.name });
    this.clock = options.clock ?? Date.now;
    this.packager = new LlHlsPackager({ ...options.packager, logger: this.log });
  }

  /**
   * Rendition name -> its packager (playlist, parts, segments; subscribe to its `part`/`segment` events):
   * SOURCE_RENDITION, which is what index.m3u8 serves without renditions, then the transcoded ones.
   */
  get renditions(): ReadonlyMap<string, LlHlsPackager> {
    return new Map([[SOURCE_RENDITION, this.packager], ...[...this.added].map(([name, r]) => [name, r.packager] as const)]);
  }

  /**
   * index.m3u8 becomes a multivariant playlist for the stream's whole life (players that loaded it as a media
   * playlist would break if it changed kind mid-show). Called by transcode/ when the stream is created.
   */
  serveMultivariant(): void {
    this.multivariant = true;
  }

  /**
   * Lists a rendition beside the source; returns its packager, aligned with the source's segments (see
   * hls/packager.ts): fed parts whose first frame starts a source segment, it takes that segment's msn.
   */
  addRendition(name: string, description: RenditionDescription): LlHlsPackager {
    if (name === SOURCE_RENDITION || this.added.has(name)) throw new Error(`rendition ${name} exists`);
    let packager = this.renditionPackagers.get(name);
    if (!packager) {
      // Init ids start above every number the stream used so far (reserved like msns): never an earlier name.
      packager = new LlHlsPackager({
        ...this.options.packager,
        initialMsn: this.nextMsn(),
        aligned: true,
        logger: this.log.child({ rendition: name }),
      });
      this.renditionPackagers.set(name, packager);
    }
    this.added.set(name, { ...description, packager });
    return packager;
  }

  removeRendition(name: string): void {
    this.added.delete(name);
  }

  variants(): Variant[] | null {
    if (!this.multivariant) return null;
    const stats = this.packager.stats();
    const sourceKbps = (stats.video?.bitrateKbps ?? 0) + (stats.audio?.bitrateKbps ?? 0);
    const list = [variantOf(SOURCE_RENDITION, this.packager, sourceKbps * 1000, stats.video?.fps ?? null)];
    for (const [name, r] of this.added) {
      const state = r.status().state;
      if (state === "dropped" || r.packager.currentInitId === null) continue;
      // Renditions keep the source's frames: its rate stands in until their own is measured.
      list.push(variantOf(name, r.packager, r.nominalBps, r.packager.stats().video?.fps ?? stats.video?.fps ?? null));
    }
    return list.sort((a, b) => b.bandwidth - a.bandwidth);
  }

  rendition(name: string): MediaPlaylistView | undefined {
    return name === SOURCE_RENDITION ? this.packager : this.added.get(name)?.packager;
  }

  /**
   * offline: a publisher is attached but no media came yet (first publish), or the only publish was
   * refused; live: media flowing; reconnecting: the publisher left (or reconnected and has no media yet)
   * within the grace period; ended: ENDLIST.
   */
  get state(): StreamState {
    if (this.isEnded) return this.everHadMedia ? "ended" : "offline";
    if (this.publish && this.partsThisPublish > 0) return "live";
    return this.everHadMedia ? "reconnecting" : "offline";
  }

  get hasPublisher(): boolean {
    return this.publish !== null;
  }

  /** Some publish produced at least one part. */
  get hadMedia(): boolean {
    return this.everHadMedia;
  }

  /** The latest publish was refused (its codec configuration): the status keeps saying why. */
  get refused(): boolean {
    return this.refusal !== null;
  }

  /** Takes over media from `publish`; any previous publish of this stream is let go first. */
  attach(publish: PublishSource): void {
    if (this.isEnded) throw new Error(`stream ${this.name} has ended`);
    // Normally the registry's claim closes the old publish first; if its close is still pending, let it go here.
    if (this.publish) this.release(this.publish, "replaced by a new publish");
    this.clearGrace();
    const reconnect = this.everHadMedia;
    // The next part opens a new segment after EXT-X-DISCONTINUITY (no-op before any media).
    this.packager.markDiscontinuity();
    this.publish = publish;
    this.partsThisPublish = 0;
    this.publishStartedAt = this.clock();
    const muxer: PublishMuxer = new PublishMuxer({
      partMs: this.options.partMs,
      startMs: this.timelineMs,
      logger: this.log,
      sink: {
        init: (init) => {
          if (this.muxer !== muxer || this.isEnded) return;
          const id = this.packager.pushInit(init.bytes);
          this.log.info(
            {
              publish: publish.id,
              initId: id,
              video: init.video && `${init.video.codec} ${init.video.width}x${init.video.height}`,
              audio: init.audio && `${init.audio.codec} ${init.audio.sampleRate} Hz ${init.audio.channels} ch`,
            },
            "codec setup",
          );
        },
        part: (part) => {
          if (this.muxer !== muxer || this.isEnded) return;
          this.packager.pushFragment(part.bytes, part.partTargetS);
          this.everHadMedia = true;
          this.refusal = null;
          if (this.partsThisPublish++ === 0) this.log.info({ publish: publish.id, position: this.packager.position() }, "stream live");
        },
        discontinuity: (jumpMs) => {
          if (this.muxer !== muxer || this.isEnded) return;
          this.log.info({ publish: publish.id, jumpMs: Math.round(jumpMs) }, "publisher timestamps jumped; discontinuity");
          this.packager.markDiscontinuity();
          this.options.events.discontinuity(this);
        },
        refused: (error) => {
          this.refusal = { code: "codec-refused", message: `The stream was refused: ${error.message}.` };
          this.log.warn({ publish: publish.id, problem: error.problem, reason: error.message }, "publish refused: codec configuration");
          this.options.events.refused(this, error);
          publish.close(`codec refused: ${error.message}`);
        },
      },
    });
    this.muxer = muxer;
    this.onMedia = (event) => {
      try {
        muxer.push(event);
      } catch (err) {
        // A bug must cost this publish (OBS reconnects), never the connection's event loop or other streams.
        this.log.error({ err, publish: publish.id }, "muxing failed; closing the publish");
        publish.close("internal error while muxing");
      }
    };
    publish.on("media", this.onMedia);
    publish.once("close", (reason) => this.detach(publish, reason));
    this.log.info({ publish: publish.id, reconnect }, "publish attached");
    this.options.events.publish(this, reconnect);
    if (publish.closed) this.detach(publish, "closed while attaching");
  }

  /** Ends everything at once (shutdown): the current publish's held frames go out, then ENDLIST. */
  shutdown(): void {
    this.clearGrace();
    if (this.publish) this.release(this.publish, "shutdown");
    this.end("shutdown");
  }

  /** EXT-X-ENDLIST; releases every held request. */
  end(reason: string): void {
    if (this.isEnded) return;
    this.clearGrace();
    this.isEnded = true;
    this.packager.end();
    for (const packager of this.renditionPackagers.values()) packager.end();
    this.log.info({ reason, position: this.packager.position() }, "stream ended");
    this.options.events.ended(this);
  }

  /** The next msn this stream would use: a later stream of the same name starts at or above it. */
  nextMsn(): number {
    return this.packager.position().msn + (this.packager.position().part > 0 ? 1 : 0);
  }

  status(): StreamStatusCore {
    const stats = this.packager.stats();
    const state = this.state;
    const warnings = [...stats.warnings];
    if (this.refusal) warnings.unshift(this.refusal);
    const renditions = [...this.added.values()].map((r) => r.status());
    for (const r of renditions) {
      if (r.state === "dropped" || r.state === "waiting")
        warnings.push({
          code: `rendition-${r.state}`,
          message: `Rendition ${r.name} ${r.state}: ${r.reason ?? "unknown reason"}. The source plays on.`,
        });
    }
    if (this.muxer?.fasterThanRealTime && this.publish) {
      warnings.push({
        code: "faster-than-real-time",
        message:
          "The encoder sends media faster than real time (a file replayed without -re, or a burst after a stall): viewers skip ahead.",
      });
    }
    return {
      name: this.name,
      state,
      live: state === "live",
      startedAt: this.publishStartedAt === null ? null : new Date(this.publishStartedAt).toISOString(),
      video: this.refusal && !this.everHadMedia ? null : stats.video,
      audio: this.refusal && !this.everHadMedia ? null : stats.audio,
      warnings: this.refusal && !this.everHadMedia ? [this.refusal] : warnings,
      renditions: [
        {
          name: SOURCE_RENDITION,
          state: "source",
          width: stats.video?.width ?? null,
          height: stats.video?.height ?? null,
          bitrateKbps: stats.video || stats.audio ? (stats.video?.bitrateKbps ?? 0) + (stats.audio?.bitrateKbps ?? 0) : null,
          realTime: null,
        },
        ...renditions,
      ],
    };
  }

  // LiveStreamView: the source rendition's media API as is.
  get ended(): boolean {
    return this.packager.ended;
  }
  playlist(options: { skip?: boolean }): string | null {
    return this.packager.playlist(options);
  }
  playlistBytes(options: { skip?: boolean }): Uint8Array | null {
    return this.packager.playlistBytes(options);
  }
  position(): PartPosition {
    return this.packager.position();
  }
  classify(msn: number, part?: number): BlockingClass {
    return this.packager.classify(msn, part);
  }
  waitFor(msn: number, part: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    return this.packager.waitFor(msn, part, timeoutMs, signal);
  }
  blockingTimeoutMs(): number {
    return this.packager.blockingTimeoutMs();
  }
  getInit(id: number): Uint8Array | undefined {
    return this.packager.getInit(id);
  }
  getSegment(msn: number): Uint8Array | undefined {
    return this.packager.getSegment(msn);
  }
  getPart(msn: number, part: number): Uint8Array | undefined {
    return this.packager.getPart(msn, part);
  }

  /** The publish left: its last frames go out, the open segment closes, then the grace period runs. */
  private detach(publish: PublishSource, reason: string): void {
    if (this.publish !== publish) return;
    this.release(publish, reason);
    if (!this.everHadMedia) {
      // Nothing was ever served: no playlist to continue, nothing for a player to wait for.
      this.end(this.refusal ? "publish refused" : "publisher left before any media");
      return;
    }
    // Close the open segment so it is complete and fetchable.
    this.packager.markDiscontinuity();
    this.graceTimer = setTimeout(() => this.end("grace period over"), this.options.graceS * 1000);
    this.graceTimer.unref();
  }

  /** Forgets `publish`, muxing out what its muxer still holds. */
  private release(publish: PublishSource, reason: string): void {
    this.publish = null;
    if (this.onMedia) publish.off("media", this.onMedia);
    this.onMedia = null;
    const muxer = this.muxer;
    if (muxer) {
      if (!this.isEnded) muxer.flush();
      this.timelineMs = Math.max(this.timelineMs, muxer.endMs);
    }
    this.muxer = null;
    this.log.info({ publish: publish.id, reason }, "publisher left");
  }

  private clearGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}

/** One EXT-X-STREAM-INF: codecs and resolution from the current init, bandwidth measured (else `fallbackBps`). */
function variantOf(name: string, packager: LlHlsPackager, fallbackBps: number, frameRate: number | null): Variant {
  const video = packager.tracks.find((t) => t.kind === "video");
  const measured = packager.bandwidth();
  return {
    name,
    bandwidth: Math.max(1, measured?.peakBps ?? Math.round(fallbackBps)),
    averageBandwidth: Math.max(1, measured?.averageBps ?? Math.round(fallbackBps)),
    width: video?.width ?? null,
    height: video?.height ?? null,
    codecs: packager.tracks.map((t) => t.codec).join(","),
    frameRate,
  };
}
