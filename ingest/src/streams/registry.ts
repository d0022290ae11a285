// The registry of streams (the hub): per public name one LiveStream. Decides on publishes from any
// ingest adapter (one publisher per stream, stale takeover), connects them to their stream, and
// answers HTTP's questions about them (StreamDirectory).
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { LlHlsPackagerOptions } from "../hls/packager-options.js";
import { LiveStream } from "./live-stream.js";
import { StreamMetrics } from "./metrics.js";
import type { MsnReservations } from "./msn-reservations.js";
import { initialMsn } from "./msn-seed.js";
import type { ClaimResult, PublishSource } from "./publish-source.js";
import { PublisherSlots } from "./publisher-slots.js";
import type { StreamDirectory } from "./stream-view.js";

export interface StreamRegistryOptions {
  /** LL-HLS part duration aimed at, ms (the muxer cuts parts on frame boundaries near it). */
  partMs: number;
  /** Complete segments listed in each playlist. */
  windowSegments: number;
  /** Seconds without a publisher before a playlist ends (EXT-X-ENDLIST). */
  graceS: number;
  /** A publisher silent this long (ms) is replaced by a new publish of its stream. */
  takeoverMs: number;
  /** How long an ended stream stays visible (status "ended", its playlist) unless a new publish comes. Default ENDED_RETAIN_S. */
  endedRetainS?: number;
  logger: Logger;
  metricsRegistry: Registry;
  /** Extra packager options (tests); the registry sets partTargetMs, windowSegments, initialMsn, logger. */
  packager?: Omit<LlHlsPackagerOptions, "partTargetMs" | "windowSegments" | "initialMsn" | "reserveMsn" | "logger">;
  /** Epoch ms; seeds msn (see msn-seed.ts) and startedAt. Default Date.now. */
  clock?: () => number;
  /** Numbering persisted in the data folder (msn-reservations.ts); without it, only the clock and this process's memory. */
  msnReservations?: MsnReservations;
}

/**
 * Not a flag: long enough for every player and the theme's status polling (seconds apart) to see "ended",
 * short enough that a finished show does not linger in /live/status.json. Tests shorten it (endedRetainS).
 */
const ENDED_RETAIN_S = 600;

interface StreamRegistryEvents {
  /** A stream was created (first publish of a name, or a new show after an ended one): subscribe to its renditions here. */
  stream: [stream: LiveStream];
  /** A stream reached ENDLIST (its show is over; a later publish of the name is a new stream). */
  ended: [stream: LiveStream];
}

export class StreamRegistry extends EventEmitter<StreamRegistryEvents> implements StreamDirectory {
  private readonly streams = new Map<string, LiveStream>();
  /** Per name, the msn a later packager must start at or above (kept after a stream is forgotten). */
  private readonly msnFloor = new Map<string, number>();
  private readonly forgetTimers = new Map<LiveStream, NodeJS.Timeout>();
  private readonly log: Logger;
  private readonly metrics: StreamMetrics;
  private readonly slots: PublisherSlots;
  private readonly clock: () => number;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: StreamRegistryOptions) {
    super();
    this.log = options.logger.child({ component: "streams" });
    this.clock = options.clock ?? Date.now;
    this.slots = new PublisherSlots(options.takeoverMs, this.log);
    this.metrics = new StreamMetrics(options.metricsRegistry, () => [...this.streams.values()].map((s) => s.state));
  }

  get(name: string): LiveStream | undefined {
    return this.streams.get(name);
  }

  list(): LiveStream[] {
    return [...this.streams.values()];
  }

  /**
   * An adapter's authenticated publish (RtmpServer's onPublish): one publisher per stream (see
   * PublisherSlots), then it is attached to its stream, created if needed. `wanted()`: the publisher is
   * still connected after a wait.
   */
  claim(source: PublishSource, wanted: () => boolean = () => !source.closed): Promise<ClaimResult> {
    return this.slots.claim(source, wanted, (s) => this.attach(s));
  }

  /** The accepted publisher of a stream, while it is open. */
  publisherOf(name: string): PublishSource | undefined {
    return this.slots.publisherOf(name);
  }

  private attach(publish: PublishSource): "accepted" | "busy" {
    if (this.closing) return "busy";
    let stream = this.streams.get(publish.stream);
    if (!stream || stream.ended) {
      if (stream) this.forget(stream);
      stream = this.create(publish.stream);
    }
    stream.attach(publish);
    return "accepted";
  }

  /**
   * Shutdown: refuses new publishes, lets go of every publisher (the frames its muxer still holds go out as
   * a last part), then ends every playlist so held requests are answered with EXT-X-ENDLIST.
   */
  close(): Promise<void> {
    if (!this.closing) {
      for (const stream of this.list()) if (!stream.ended) stream.shutdown();
      for (const t of this.forgetTimers.values()) clearTimeout(t);
      this.forgetTimers.clear();
      this.closing = Promise.resolve();
    }
    return this.closing;
  }

  private create(name: string): LiveStream {
    const reservations = this.options.msnReservations;
    const first = initialMsn(this.clock(), Math.max(this.msnFloor.get(name) ?? 0, reservations?.floor(name) ?? 0));
    const stream: LiveStream = new LiveStream({
      name,
      logger: this.options.logger,
      graceS: this.options.graceS,
      clock: this.clock,
      packager: {
        ...this.options.packager,
        partTargetMs: this.options.partMs,
        windowSegments: this.options.windowSegments,
        initialMsn: first,
        clock: this.clock,
        ...(reservations ? { reserveMsn: (msn: number) => reservations.reserve(name, msn) } : {}),
      },
      partMs: this.options.partMs,
      events: {
        publish: (_s, reconnect) => this.metrics.publishes.inc({ kind: reconnect ? "reconnect" : "new" }),
        discontinuity: () => this.metrics.timestampJumps.inc(),
        refused: (_s, error) => this.metrics.refused.inc({ problem: error.problem }),
        ended: (s) => this.onEnded(s),
      },
    });
    this.streams.set(name, stream);
    this.log.info({ stream: name, initialMsn: first }, "stream created");
    this.emit("stream", stream);
    return stream;
  }

  private onEnded(stream: LiveStream): void {
    this.msnFloor.set(stream.name, stream.nextMsn());
    this.emit("ended", stream);
    if (this.closing) return;
    // A stream that never had media is simply gone (offline), unless it was refused: its status says why for a
    // while (until a new publish). An ended show stays visible a while.
    if (!stream.hadMedia && !stream.refused) return this.forget(stream);
    const timer = setTimeout(() => this.forget(stream), (this.options.endedRetainS ?? ENDED_RETAIN_S) * 1000);
    timer.unref();
    this.forgetTimers.set(stream, timer);
  }

  private forget(stream: LiveStream): void {
    const timer = this.forgetTimers.get(stream);
    if (timer) clearTimeout(timer);
    this.forgetTimers.delete(stream);
    if (this.streams.get(stream.name) === stream) this.streams.delete(stream.name);
  }
}
