// One public stream: a single LL-HLS packager for its whole life, fed by one publish at a time.
// Reconnects (within the grace period) and ffmpeg restarts continue the same playlist after an
// EXT-X-DISCONTINUITY; msn keeps counting, so a player never waits for a number that restarts.
import type { Logger } from "pino";
import { LlHlsPackager, type LlHlsPackagerOptions } from "../hls/packager.js";
import type { BlockingClass, LiveStreamView, PartPosition, StreamState, StreamStatusCore, WaitOutcome } from "./stream-view.js";
import type { PublishSource } from "./publish-source.js";
import { RemuxSupervisor, type DropReason, type RemuxSupervisorOptions, type RestartReason } from "./remux-supervisor.js";

/** The rendition every stream has: the publisher's media as sent. Later renditions (e.g. for phones) sit beside it. */
export const SOURCE_RENDITION = "source";

interface LiveStreamEvents {
  /** A publish was attached; `reconnect`: the stream had media before. */
  publish(stream: LiveStream, reconnect: boolean): void;
  restart(stream: LiveStream, reason: RestartReason): void;
  dropped(stream: LiveStream, reason: DropReason, frames: number): void;
  /** The stream reached ENDLIST (or left without ever producing media). */
  ended(stream: LiveStream): void;
}

interface LiveStreamOptions {
  name: string;
  packager: LlHlsPackagerOptions;
  /** Seconds without a publisher before the playlist ends. */
  graceS: number;
  logger: Logger;
  /** Everything a RemuxSupervisor needs except the publish, the sink and the logger. */
  remux: Omit<RemuxSupervisorOptions, "publish" | "sink" | "logger">;
  events: LiveStreamEvents;
  clock?: () => number;
}

export class LiveStream implements LiveStreamView {
  readonly name: string;
  /**
   * Rendition name -> its packager (playlist, parts, segments; subscribe to its `part`/`segment` events).
   * One today: SOURCE_RENDITION, which HTTP serves.
   */
  readonly renditions: ReadonlyMap<string, LlHlsPackager>;
  private readonly packager: LlHlsPackager;
  private readonly log: Logger;
  private publish: PublishSource | null = null;
  private supervisor: RemuxSupervisor | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  /** Parts from the current publish (0: attached but nothing yet). */
  private partsThisPublish = 0;
  private everHadMedia = false;
  private publishStartedAt: number | null = null;
  private isEnded = false;
  private readonly clock: () => number;

  constructor(private readonly options: LiveStreamOptions) {
    this.name = options.name;
    this.log = options.logger.child({ stream: options.name });
    this.clock = options.clock ?? Date.now;
    this.packager = new LlHlsPackager({ ...options.packager, logger: this.log });
    this.renditions = new Map([[SOURCE_RENDITION, this.packager]]);
  }

  /**
   * offline: a publisher is attached but no media came yet (first publish); live: media flowing;
   * reconnecting: the publisher left (or reconnected and has no media yet) within the grace period;
   * ended: ENDLIST.
   */
  get state(): StreamState {
    if (this.isEnded) return "ended";
    if (this.publish && this.partsThisPublish > 0) return "live";
    return this.everHadMedia ? "reconnecting" : "offline";
  }

  /** The PID of the current ffmpeg (tests kill it to simulate a crash). */
  get remuxerPid(): number | undefined {
    return this.supervisor?.pid;
  }

  get hasPublisher(): boolean {
    return this.publish !== null;
  }

  /** Some publish produced at least one part. */
  get hadMedia(): boolean {
    return this.everHadMedia;
  }

  /** Takes over media from `publish`; any previous publish of this stream is let go first. */
  attach(publish: PublishSource): void {
    if (this.isEnded) throw new Error(`stream ${this.name} has ended`);
    // Normally the registry's claim closes the old publish first; if its close is still pending, let it go
    // here (its ffmpeg is stopped, its late output ignored) without ending the stream.
    if (this.publish) void this.release(this.publish, "replaced by a new publish");
    this.clearGrace();
    const reconnect = this.everHadMedia;
    // The next part opens a new segment after EXT-X-DISCONTINUITY (no-op before any media).
    this.packager.markDiscontinuity();
    this.publish = publish;
    this.partsThisPublish = 0;
    this.publishStartedAt = this.clock();
    const supervisor = new RemuxSupervisor({
      ...this.options.remux,
      publish,
      logger: this.log,
      sink: {
        // Output of a superseded ffmpeg (still flushing after a reconnect) or after ENDLIST is dropped.
        init: (bytes) => {
          if (this.supervisor === supervisor && !this.isEnded) this.packager.pushInit(bytes);
        },
        fragment: (bytes) => {
          if (this.supervisor !== supervisor || this.isEnded) return;
          this.packager.pushFragment(bytes);
          this.everHadMedia = true;
          if (this.partsThisPublish++ === 0) this.log.info({ publish: publish.id, position: this.packager.position() }, "stream live");
        },
        restarting: (reason) => {
          if (this.supervisor !== supervisor) return;
          this.packager.markDiscontinuity();
          this.options.events.restart(this, reason);
        },
        dropped: (reason, frames) => this.options.events.dropped(this, reason, frames),
      },
    });
    this.supervisor = supervisor;
    publish.once("close", (reason) => this.detach(publish, reason));
    supervisor.start();
    this.log.info({ publish: publish.id, reconnect, remuxerPid: supervisor.pid }, "publish attached");
    this.options.events.publish(this, reconnect);
    if (publish.closed) this.detach(publish, "closed while attaching");
  }

  /** Ends everything at once (shutdown): stops ffmpeg (flushing its last part), then ENDLIST. */
  async shutdown(): Promise<void> {
    this.clearGrace();
    const supervisor = this.supervisor;
    this.publish = null;
    if (supervisor) await supervisor.stop();
    this.end("shutdown");
  }

  /** EXT-X-ENDLIST; releases every held request. */
  end(reason: string): void {
    if (this.isEnded) return;
    this.clearGrace();
    this.isEnded = true;
    this.packager.end();
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
    return {
      name: this.name,
      state,
      live: state === "live",
      startedAt: this.publishStartedAt === null ? null : new Date(this.publishStartedAt).toISOString(),
      video: stats.video,
      audio: stats.audio,
      warnings: stats.warnings,
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

  /** The publish left: flush its ffmpeg, close the open segment, then wait out the grace period. */
  private detach(publish: PublishSource, reason: string): void {
    if (this.publish !== publish) return;
    const supervisor = this.supervisor!;
    const stopped = this.release(publish, reason);
    if (!this.everHadMedia) {
      // Nothing was ever served: no playlist to continue, nothing for a player to wait for.
      this.end("publisher left before any media");
      return;
    }
    void stopped.then(() => {
      // A new publish took over meanwhile: it marked the discontinuity and owns the stream now.
      if (this.supervisor !== supervisor || this.isEnded) return;
      // ffmpeg's last part is in: close the open segment so it is complete and fetchable.
      this.packager.markDiscontinuity();
      this.graceTimer = setTimeout(() => this.end("grace period over"), this.options.graceS * 1000);
      this.graceTimer.unref();
    });
  }

  /** Forgets `publish` and ends its ffmpeg (stdin EOF: it flushes its last part). */
  private release(publish: PublishSource, reason: string): Promise<void> {
    this.publish = null;
    this.log.info({ publish: publish.id, reason }, "publisher left");
    return this.supervisor!.stop();
  }

  private clearGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}
