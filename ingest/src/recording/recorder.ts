// Records every show: one recording per LiveStream lifetime (reconnects within the grace period included),
// written as its segments close. The live show never waits for the disk and never fails because of it:
// below the free-space floor, or when a write fails, the recording pauses (a warning in the stream's
// status, a log line, a metric) and resumes after a discontinuity once writing works again.
import { mkdir, statfs } from "node:fs/promises";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { StreamWarning } from "../streams/stream-view.js";
import type { ClosedSegment } from "./closed-segment.js";
import { errorReason, RecordingMetrics, type RecordingErrorReason } from "./metrics.js";
import type { RecordingStore } from "./recording-store.js";
import type { RecordingSwitches } from "./recording-switches.js";
import type { RecordingWriter } from "./recording-writer.js";
import { selectForDeletion, type RetentionPolicy } from "./retention.js";

export interface RecorderOptions {
  store: RecordingStore;
  switches: RecordingSwitches;
  retention: RetentionPolicy;
  /** Recording pauses while the file system has less than this free. */
  minFreeBytes: number;
  logger: Logger;
  metricsRegistry: Registry;
  /** Free bytes for unprivileged users on the file system holding `dir`. Default: statfs. */
  freeSpace?: (dir: string) => Promise<number>;
  /** Retention also runs this often (besides at start, after every show and when the size limit is passed). Default 1 h. */
  sweepEveryMs?: number;
  clock?: () => number;
}

const MB = 1024 * 1024;
/** Segments waiting for the disk; beyond this they are skipped (a disk this slow would hold the show's media in memory). */
const MAX_PENDING_SEGMENTS = 30;

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

export class Recorder {
  private readonly log: Logger;
  private readonly metrics: RecordingMetrics;
  private readonly freeSpace: (dir: string) => Promise<number>;
  private readonly clock: () => number;
  private readonly shows = new Set<ShowRecorder>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private sweepAgain = false;
  private totalBytes = 0;
  private totalCount = 0;

  constructor(readonly options: RecorderOptions) {
    this.log = options.logger.child({ component: "recorder" });
    this.metrics = new RecordingMetrics(options.metricsRegistry);
    this.freeSpace = options.freeSpace ?? statfsFree;
    this.clock = options.clock ?? Date.now;
  }

  /** Ends what a crash left in progress, applies retention, and re-applies it periodically. */
  async start(): Promise<void> {
    await mkdir(this.options.store.root, { recursive: true });
    for (const r of await this.options.store.recover()) {
      this.log.warn(
        { stream: r.stream, recording: r.id, outcome: r.outcome },
        r.outcome === "ended" ? "recording ended after a crash" : "empty recording removed after a crash",
      );
    }
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepEveryMs ?? 3_600_000);
    this.sweepTimer.unref();
  }

  /** A new show of `stream` (a new LiveStream): its segments go to one recording, created at the first one. */
  show(stream: string): ShowRecorder {
    const show = new ShowRecorder(stream, this, this.log.child({ stream }));
    this.shows.add(show);
    return show;
  }

  /** Warnings for the stream's status JSON while its recording is paused. */
  warnings(stream: string): StreamWarning[] {
    for (const show of this.shows) if (show.stream === stream && show.warning) return [show.warning];
    return [];
  }

  /** Ends every recording in progress (shutdown). */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await Promise.all([...this.shows].map((s) => s.end("shutdown")));
    await this.sweeping;
  }

  /** Retention: deletes by age, then oldest first until the total fits. Runs one at a time. */
  sweep(): Promise<void> {
    if (this.sweeping) {
      this.sweepAgain = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      do {
        this.sweepAgain = false;
        await this.sweepOnce().catch((error: unknown) => this.log.error({ err: error }, "retention failed"));
      } while (this.sweepAgain);
    })().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const { store, retention } = this.options;
    const all = await store.list();
    const candidates = all.map((r) => ({
      ...r,
      startedAt: Date.parse(r.startedAt),
      endedAt: r.endedAt === null ? null : Date.parse(r.endedAt),
    }));
    const now = this.clock();
    let bytes = all.reduce((sum, r) => sum + r.bytes, 0);
    let count = all.length;
    for (const r of selectForDeletion(candidates, retention, now)) {
      const reason = retention.maxAgeMs > 0 && r.endedAt !== null && now - r.endedAt > retention.maxAgeMs ? "age" : "size";
      if (!(await store.delete(r.stream, r.id))) continue;
      bytes -= r.bytes;
      count--;
      this.metrics.deleted.inc({ reason });
      this.log.info({ stream: r.stream, recording: r.id, reason, bytes: r.bytes }, "recording deleted by retention");
    }
    this.totalBytes = bytes;
    this.totalCount = count;
    this.metrics.bytes.set(bytes);
    this.metrics.count.set(count);
  }

  // Called by ShowRecorder.
  freeBytes(): Promise<number> {
    return this.freeSpace(this.options.store.root).then((free) => {
      this.metrics.freeBytes.set(free);
      return free;
    });
  }
  created(): void {
    this.metrics.count.set(++this.totalCount);
  }
  wrote(bytes: number): void {
    this.totalBytes += bytes;
    this.metrics.bytes.set(this.totalBytes);
    if (this.options.retention.maxBytes > 0 && this.totalBytes > this.options.retention.maxBytes) void this.sweep();
  }
  pausedChanged(delta: number): void {
    this.metrics.paused.inc(delta);
  }
  failed(reason: RecordingErrorReason): void {
    this.metrics.errors.inc({ reason });
  }
  ended(show: ShowRecorder, recorded: boolean): void {
    this.shows.delete(show);
    if (recorded) void this.sweep();
  }
  isOn(stream: string): Promise<boolean> {
    return this.options.switches.isOn(stream);
  }
  now(): number {
    return this.clock();
  }
}

/** One show's recording. Segments are handled one at a time, in order, off the live path. */
export class ShowRecorder {
  warning: StreamWarning | null = null;
  private writer: RecordingWriter | null = null;
  /** The show's init ids -> the recording's init numbers. */
  private readonly inits = new Map<number, number>();
  /** Something was skipped (pause, switch): the next recorded segment starts a new timeline. */
  private gap = false;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private isEnded = false;
  private recordedAny = false;

  constructor(
    readonly stream: string,
    private readonly recorder: Recorder,
    private readonly log: Logger,
  ) {}

  /** The recording in progress (its id), if any. */
  get recordingId(): string | null {
    return this.writer?.meta.id ?? null;
  }

  /** Queues a closed segment; never throws, never blocks the caller. */
  segment(segment: ClosedSegment): void {
    if (this.isEnded) return;
    if (this.pending >= MAX_PENDING_SEGMENTS) {
      this.recorder.failed("backlog");
      this.gap = true;
      this.setWarning({
        code: "recording-failed",
        message: "Recording paused: the disk is too slow to keep up. The live show is not affected.",
      });
      return;
    }
    this.pending++;
    this.queue = this.queue.then(() => this.record(segment)).finally(() => this.pending--);
  }

  /** The show ended: the recording (if any) gets its end time after the queued segments are written. */
  end(reason = "show ended"): Promise<void> {
    if (!this.isEnded) {
      this.isEnded = true;
      this.queue = this.queue.then(async () => {
        await this.finish(reason);
        this.setWarning(null);
        this.recorder.ended(this, this.recordedAny);
      });
    }
    return this.queue;
  }

  /** Resolves once everything queued so far is on disk (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async record(segment: ClosedSegment): Promise<void> {
    try {
      if (!(await this.recorder.isOn(this.stream))) {
        if (this.writer) {
          this.log.info({ recording: this.writer.meta.id }, "recording turned off for this stream");
          await this.finish("recording turned off");
        }
        this.setWarning(null);
        this.gap = true;
        return;
      }
      const { minFreeBytes } = this.recorder.options;
      const free = await this.recorder.freeBytes();
      if (free - segment.bytes.length < minFreeBytes) {
        this.recorder.failed("low-space");
        this.gap = true;
        this.setWarning({
          code: "recording-paused",
          message: `Recording paused: ${Math.floor(free / MB)} MB free where recordings are kept, below the ${Math.round(minFreeBytes / MB)} MB floor. The live show is not affected.`,
        });
        return;
      }
      if (!this.writer) {
        this.writer = await this.recorder.options.store.create(this.stream, segment.programDateTime);
        this.inits.clear();
        this.gap = false;
        this.recorder.created();
        this.log.info({ recording: this.writer.meta.id, dir: this.writer.dir }, "recording started");
      }
      let init = this.inits.get(segment.initId);
      if (init === undefined) {
        init = this.inits.size;
        await this.writer.writeInit(init, segment.initBytes);
        this.inits.set(segment.initId, init);
        this.recorder.wrote(segment.initBytes.length);
      }
      await this.writer.writeSegment(
        { init, dur: segment.durationS, pdt: segment.programDateTime, disc: segment.discontinuity || this.gap },
        segment.bytes,
      );
      this.gap = false;
      this.recordedAny = true;
      this.recorder.wrote(segment.bytes.length);
      this.setWarning(null);
    } catch (error) {
      const reason = errorReason(error);
      this.recorder.failed(reason);
      this.gap = true;
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      this.setWarning({
        code: "recording-failed",
        message: `Recording paused: cannot write the recording (${code}). The live show is not affected.`,
      });
      if (reason === "other") this.log.error({ err: error, msn: segment.msn }, "recording a segment failed");
    }
  }

  private async finish(reason: string): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    this.writer = null;
    try {
      if (writer.segmentCount === 0) {
        await writer.close();
        await this.recorder.options.store.delete(this.stream, writer.meta.id);
        this.log.info({ recording: writer.meta.id }, "empty recording removed");
        return;
      }
      await writer.end(writer.mediaEnd ?? this.recorder.now(), reason);
      this.log.info(
        { recording: writer.meta.id, reason, segments: writer.segmentCount, durationS: Math.round(writer.duration), bytes: writer.bytes },
        "recording ended",
      );
    } catch (error) {
      // recording.json keeps endedAt null: the next start's recovery ends it from its index.
      this.log.error({ err: error, recording: writer.meta.id }, "could not mark the recording ended");
    }
  }

  private setWarning(warning: StreamWarning | null): void {
    const was = this.warning;
    this.warning = warning;
    // One log line per change of state, not per segment (the free-space figure in the message moves).
    if (was?.code === warning?.code) return;
    if (warning && !was) this.recorder.pausedChanged(1);
    if (!warning && was) this.recorder.pausedChanged(-1);
    if (warning) this.log.warn({ code: warning.code }, warning.message);
    else this.log.info("recording resumed");
  }
}
