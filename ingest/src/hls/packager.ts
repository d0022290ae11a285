// LL-HLS packager: turns the muxer's fMP4 fragments (one fragment = one part) into parts, segments and
// playlists held in memory, with blocking-reload waiters for the HTTP layer.
//
// Policy (why):
// - Every fragment is one part. A part whose first video sample is a keyframe is INDEPENDENT and
//   starts a new segment once the open segment is at least `minSegmentMs` long, so segments follow
//   the performer's GOP (2 s GOP -> 2 s segments; 0.5 s GOP -> 1 s segments). A segment that did not
//   start with a keyframe (after a timestamp jump, or a forced cut) ends at the next one.
// - A segment that would grow past `maxSegmentMs` is cut before the next part even without a
//   keyframe (that segment is then not independent): bounds TARGETDURATION and memory when OBS is
//   left on an automatic keyframe interval. Stats warn about it.
// - PART-TARGET is what the muxer produces: it cuts parts on frame boundaries and declares the bound
//   every part keeps (audio at part edges included), given with each fragment and fixed at the first.
//   Without a declaration (fMP4 from elsewhere) it is partTargetMs + one video frame + one audio frame.
//   A part longer than PART-TARGET raises it (logged); it never decreases.
// - Part and segment durations come from the video track's sample durations (audio only streams:
//   the audio track), so the parts of a segment add up to exactly its EXTINF.
// - TARGETDURATION = the longest segment so far (the open one included) rounded to the nearest
//   integer, at least 1; it never decreases. CAN-SKIP-UNTIL = 6 x TARGETDURATION.
// - PROGRAM-DATE-TIME: wall clock at the first fragment after a start or discontinuity minus that
//   fragment's duration (the fragment is complete only when its last frame has arrived), then
//   advanced by segment durations.
// - Aligned (a rendition transcoded from the source): segments are cut only where the caller says a source
//   segment starts, and take that segment's msn, PROGRAM-DATE-TIME and discontinuity numbering, so the same
//   msn is the same time span in every rendition. A start that skips numbers (the transcoder restarted)
//   begins a new listed window there: earlier segments stay fetchable but leave the playlist.
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { type FragmentInfo, type InitInfo, parseFragment, parseInit } from "../mp4/fmp4-reader.js";
import { BlockingWaiters, type WaitResult } from "./blocking-waiters.js";
import { type MediaStats, MediaStatsMeter } from "./media-stats.js";
import type { PackagerEvents } from "./packager-events.js";
import {
  type AlignedStart,
  type Bandwidth,
  type LlHlsPackagerOptions,
  type ResolvedPackagerOptions,
  resolvePackagerOptions,
} from "./packager-options.js";
import { Mp4FormatError } from "../mp4/mp4-box-splitter.js";
import { type Part, type Segment, renderListedSegments } from "./listed-segments.js";
import type { ResourceName } from "./resource-names.js";

interface Position {
  msn: number;
  part: number;
}

/**
 * For a blocking playlist request: "ready" = the playlist already holds this part/segment or a later
 * one; "pending" = may wait (`waitFor`); "too-far" = beyond what the spec lets a client ask (400);
 * "gone" = older than anything retained (playlist: answer at once; part/segment: 404).
 */
type Classification = "ready" | "pending" | "too-far" | "gone";

// Guards memory when fragments are tiny (e.g. a broken encoder sending 0-duration samples).
const MAX_PARTS_PER_SEGMENT = 256;

const ceilMs = (seconds: number) => Math.ceil(seconds * 1000 - 1e-6) / 1000;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Emits `part` (PartClosed) and `segment` (SegmentClosed) as media becomes final; see packager-events.ts. */
export class LlHlsPackager extends EventEmitter<PackagerEvents> {
  private readonly opts: ResolvedPackagerOptions;
  /** Aligned: segments below this msn are not listed (numbering skipped there). */
  private listFromMsn = 0;
  private readonly reserveMsn: ((msn: number) => void) | undefined;
  private readonly log: Logger | undefined;
  private readonly inits = new Map<number, { bytes: Buffer; info: InitInfo }>();
  private currentInit: { id: number; bytes: Buffer; info: InitInfo } | null = null;
  private nextInitId = 0;
  private segments: Segment[] = [];
  private nextMsn = 0;
  private discSeq = 0;
  private pendingDiscontinuity = false;
  private isEnded = false;
  private partTargetS: number | null = null;
  private targetDurationS = 1;
  private readonly waiters: BlockingWaiters;
  private readonly meter: MediaStatsMeter;
  /**
   * Rendered playlists (full, delta) until the next change, as text and as the bytes HTTP sends:
   * every viewer asks about once per part.
   */
  private readonly rendered = new Map<boolean, { text: string; bytes: Buffer }>();

  constructor(options: LlHlsPackagerOptions) {
    super();
    this.opts = resolvePackagerOptions(options);
    const o = this.opts;
    this.nextMsn = o.initialMsn;
    // Init ids share the stream's number space (and its reservations): a later packager of the name, which
    // starts above every number reserved, never names another init `init-<id>.mp4` again.
    this.nextInitId = o.initialMsn;
    this.reserveMsn = options.reserveMsn;
    this.log = options.logger?.child({ module: "packager" });
    this.meter = new MediaStatsMeter(o.statsWindowS);
    this.waiters = new BlockingWaiters({ maxWaiters: o.maxWaiters, maxWaitMs: o.maxWaitMs });
  }

  get ended(): boolean {
    return this.isEnded;
  }

  get waiterCount(): number {
    return this.waiters.size;
  }

  /** Tracks of the current init segment (codecs, resolution), empty before the first. */
  get tracks(): InitInfo["tracks"] {
    return this.currentInit?.info.tracks ?? [];
  }

  /** Id of the current init segment (`init-<id>.mp4`), or null before the first. */
  get currentInitId(): number | null {
    return this.currentInit?.id ?? null;
  }

  /** Stores an init segment (ftyp+moov); a new id only when the bytes differ from the current one. */
  pushInit(bytes: Buffer): number {
    if (this.isEnded) throw new Error("packager has ended");
    if (this.currentInit?.bytes.equals(bytes)) return this.currentInit.id;
    const info = parseInit(bytes);
    if (info.tracks.length === 0) throw new Mp4FormatError("malformed", "init segment has no audio or video track");
    const id = this.nextInitId++;
    this.reserveMsn?.(id);
    const stored = { bytes: Buffer.from(bytes), info };
    this.inits.set(id, stored);
    // New codec setup mid-stream means a new timeline, whether or not the caller said so.
    if (this.currentInit) this.pendingDiscontinuity = true;
    this.currentInit = { id, ...stored };
    this.meter.setInit(info);
    this.dropUnusedInits();
    this.log?.info({ initId: id, tracks: info.tracks.map((t) => `${t.kind}:${t.codec}`) }, "init segment");
    return id;
  }

  /**
   * Adds one fragment (moof+mdat) as the next part. `partTargetS`: the bound its muxer keeps for every part
   * (PART-TARGET), taken from the first fragment. Aligned packagers: `start` when the fragment begins a source
   * segment; a fragment with no open segment to join is dropped (false).
   */
  pushFragment(bytes: Buffer, partTargetS?: number, start?: AlignedStart): boolean {
    if (this.isEnded) throw new Error("packager has ended");
    const init = this.currentInit;
    if (!init) throw new Error("fragment before init segment");
    const fragment = parseFragment(bytes, init.info);
    const m = this.measure(fragment, init.info);

    let open = this.openSegment();
    if (this.opts.aligned) {
      if (start && start.msn >= this.nextMsn) {
        this.closeOpen();
        open = this.openAlignedSegment(start, !m.independent);
      } else if (!open) return false;
    } else if (open && !this.pendingDiscontinuity) {
      const openMs = open.duration * 1000;
      // A segment that did not start at a keyframe (after a timestamp jump or a forced cut) ends at the next one,
      // however short: waiting for minSegmentMs would stretch it past the keyframe interval.
      if (m.independent && (openMs + 1 >= this.opts.minSegmentMs || !open.parts[0]!.independent)) {
        this.closeOpen();
      } else if ((open.duration + m.duration) * 1000 > this.opts.maxSegmentMs + 1 || open.parts.length >= MAX_PARTS_PER_SEGMENT) {
        this.closeOpen();
        if (!m.independent) this.log?.warn({ msn: open.msn, durationS: open.duration }, "segment cut without a keyframe");
      }
      open = this.openSegment();
    } else if (open) {
      this.closeOpen();
      open = null;
    }
    if (!open) open = this.openNewSegment(m.duration, !m.independent);
    this.updatePartTarget(m, partTargetS);

    const part: Part = { duration: m.duration, independent: m.independent, bytes: Buffer.from(bytes) };
    const partStart = open.programDateTime + open.duration * 1000;
    open.parts.push(part);
    open.duration += m.duration;
    this.targetDurationS = Math.max(this.targetDurationS, Math.round(open.duration));
    this.meter.addFragment(fragment);
    this.rendered.clear();
    this.notifyWaiters();
    if (this.listenerCount("part") > 0) {
      this.announce("part", {
        msn: open.msn,
        part: open.parts.length - 1,
        duration: part.duration,
        independent: part.independent,
        bytes: part.bytes,
        initId: open.initId,
        init: init.bytes,
        discontinuity: open.discontinuity,
        programDateTime: partStart,
        discontinuitySequence: open.discSeq,
      });
    }
    return true;
  }

  /** The next fragment starts a new segment after EXT-X-DISCONTINUITY (reconnect, timestamp jump). */
  markDiscontinuity(): void {
    if (this.isEnded) return;
    if (this.hasSegments) this.pendingDiscontinuity = true;
    this.closeOpen();
    this.rendered.clear();
    this.notifyWaiters();
  }

  /** Closes the open segment, adds EXT-X-ENDLIST and releases every waiter. */
  end(): void {
    if (this.isEnded) return;
    this.closeOpen();
    this.isEnded = true;
    this.rendered.clear();
    this.waiters.release((w) => (this.isSatisfied(w.msn, w.part) ? "ready" : "ended"));
  }

  /** The media playlist, or null before the first part. `skip`: delta update (EXT-X-SKIP) if possible. */
  playlist(options: { skip?: boolean } = {}): string | null {
    return this.renderedPlaylist(options.skip ?? false)?.text ?? null;
  }

  /** The same playlist as UTF-8 bytes, encoded once per update however many viewers receive it. */
  playlistBytes(options: { skip?: boolean } = {}): Buffer | null {
    return this.renderedPlaylist(options.skip ?? false)?.bytes ?? null;
  }

  private renderedPlaylist(skip: boolean): { text: string; bytes: Buffer } | null {
    const cached = this.rendered.get(skip);
    if (cached !== undefined) return cached;
    const text = this.renderPlaylist(skip);
    if (text === null) return null;
    const rendered = { text, bytes: Buffer.from(text, "utf8") };
    this.rendered.set(skip, rendered);
    return rendered;
  }

  /** Position of the next part (the preload hint). */
  position(): Position {
    const open = this.openSegment();
    return open ? { msn: open.msn, part: open.parts.length } : { msn: this.nextMsn, part: 0 };
  }

  /** Parts a client may ask ahead of the last one (RFC 8216bis 6.2.5.2 Advance Part Limit). */
  advancePartLimit(): number {
    const target = this.partTargetS ?? this.opts.partTargetMs / 1000;
    return target < 1 ? Math.floor(3 / target) : 3;
  }

  /** How long a blocking request should be held before answering 503 (3 x target duration). */
  blockingTimeoutMs(): number {
    return 3 * this.targetDurationS * 1000;
  }

  /** See Classification. `part` undefined means "segment `msn` complete" (_HLS_msn alone). */
  classify(msn: number, part?: number): Classification {
    if (!Number.isSafeInteger(msn) || msn < 0 || (part !== undefined && (!Number.isSafeInteger(part) || part < 0))) {
      return "too-far";
    }
    const next = this.position();
    if (msn < (this.segments[0]?.msn ?? next.msn)) return "gone";
    if (this.isSatisfied(msn, part)) return "ready";
    if (msn > next.msn + 1) return "too-far";
    if (part !== undefined) {
      const ahead = msn === next.msn ? part - next.part + 1 : part + 1;
      if (ahead > this.advancePartLimit()) return "too-far";
    }
    return "pending";
  }

  /**
   * Resolves "ready" once `classify(msn, part)` is "ready" (or "gone"), "ended" when the stream ends
   * first, "timeout" after `timeoutMs` (capped by maxWaitMs), on `signal` abort, or at once when
   * maxWaiters requests are already waiting.
   */
  waitFor(msn: number, part: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    const c = this.classify(msn, part);
    if (c === "ready" || c === "gone") return Promise.resolve("ready");
    if (this.isEnded) return Promise.resolve("ended");
    return this.waiters.wait({ msn, part }, timeoutMs, signal);
  }

  getInit(id: number): Buffer | undefined {
    return this.inits.get(id)?.bytes;
  }

  getPart(msn: number, part: number): Buffer | undefined {
    return this.findSegment(msn)?.parts[part]?.bytes;
  }

  /** A complete segment (the concatenation of its parts); undefined while it is still open. */
  getSegment(msn: number): Buffer | undefined {
    return this.findSegment(msn)?.bytes ?? undefined;
  }

  getResource(name: ResourceName): Buffer | undefined {
    if (name.kind === "init") return this.getInit(name.id);
    if (name.kind === "segment") return this.getSegment(name.msn);
    return this.getPart(name.msn, name.part);
  }

  /** Null before the first complete segment listed. */
  bandwidth(): Bandwidth | null {
    const complete = this.listedComplete();
    if (complete.length === 0) return null;
    let bits = 0;
    let seconds = 0;
    let peakBps = 0;
    for (const seg of complete) {
      const segBits = seg.bytes!.length * 8;
      bits += segBits;
      seconds += seg.duration;
      if (seg.duration > 0) peakBps = Math.max(peakBps, segBits / seg.duration);
    }
    return { peakBps: Math.round(peakBps), averageBps: seconds > 0 ? Math.round(bits / seconds) : 0 };
  }

  stats(): MediaStats {
    return this.meter.stats(this.segments.filter((s) => s.forcedCut).length);
  }

  private renderPlaylist(skipOld: boolean): string | null {
    const open = this.openSegment();
    return renderListedSegments([...this.listedComplete(), ...(open ? [open] : [])], {
      targetDurationS: this.targetDurationS,
      partTargetS: this.partTargetS,
      partSegments: this.opts.partSegments,
      skipOld,
      ended: this.isEnded,
      next: this.position(),
    });
  }

  private listedComplete(): Segment[] {
    return this.segments.filter((s) => s.bytes !== null && s.msn >= this.listFromMsn).slice(-this.opts.windowSegments);
  }

  private measure(fragment: FragmentInfo, init: InitInfo): { duration: number; maxTrackS: number; independent: boolean; frameS: number } {
    const video = init.tracks.find((t) => t.kind === "video");
    const ref = video ?? init.tracks[0]!;
    let maxTrackS = 0;
    let duration = 0;
    let independent = !video;
    let frameS = 0;
    let refSeen = false;
    for (const tf of fragment.tracks) {
      const track = init.tracks.find((t) => t.id === tf.id);
      if (!track) continue;
      const seconds = tf.duration / track.timescale;
      maxTrackS = Math.max(maxTrackS, seconds);
      // Median, not max: the first video sample also covers the AAC priming offset (~21 ms).
      frameS += median(tf.samples.map((s) => s.duration)) / track.timescale;
      if (track === ref && tf.samples.length > 0) {
        refSeen = true;
        duration = seconds;
        if (video) independent = tf.samples[0]!.isSync;
      }
    }
    // A fragment without reference samples (audio before the first video frame) still takes time.
    if (!refSeen) duration = maxTrackS;
    return { duration, maxTrackS, independent, frameS };
  }

  private updatePartTarget(m: { maxTrackS: number; frameS: number }, declaredS: number | undefined): void {
    const configured = this.opts.partTargetMs / 1000;
    if (this.partTargetS === null) {
      this.partTargetS = ceilMs(Math.max(m.maxTrackS, declaredS ?? configured + Math.min(m.frameS, configured)));
      this.log?.info({ partTargetS: this.partTargetS }, "PART-TARGET fixed");
    } else if (m.maxTrackS > this.partTargetS) {
      this.log?.warn({ partTargetS: this.partTargetS, partS: m.maxTrackS }, "part longer than PART-TARGET; raising it");
      this.partTargetS = ceilMs(m.maxTrackS);
    }
  }

  /** A segment was ever opened (they may since have left the window). */
  private get hasSegments(): boolean {
    return this.nextMsn > this.opts.initialMsn;
  }

  private openSegment(): Segment | null {
    const last = this.segments.at(-1);
    return last && last.bytes === null ? last : null;
  }

  private openNewSegment(firstPartS: number, forcedCut: boolean): Segment {
    const prev = this.segments.at(-1);
    const discontinuity = this.pendingDiscontinuity && this.hasSegments;
    if (discontinuity) {
      this.discSeq++;
      this.meter.discontinuity();
    }
    const programDateTime =
      prev && !this.pendingDiscontinuity ? prev.programDateTime + prev.duration * 1000 : this.opts.clock() - firstPartS * 1000;
    this.pendingDiscontinuity = false;
    this.reserveMsn?.(this.nextMsn);
    const segment: Segment = {
      msn: this.nextMsn++,
      initId: this.currentInit!.id,
      discontinuity,
      discSeq: this.discSeq,
      programDateTime,
      parts: [],
      duration: 0,
      bytes: null,
      forcedCut: forcedCut && !discontinuity && prev !== undefined,
    };
    this.segments.push(segment);
    return segment;
  }

  private openAlignedSegment(start: AlignedStart, forcedCut: boolean): Segment {
    // Numbers skipped (the transcoder restarted, or joined late): the listed window starts afresh here.
    if (start.msn !== this.nextMsn || this.segments.length === 0) this.listFromMsn = start.msn;
    this.pendingDiscontinuity = false;
    this.nextMsn = start.msn + 1;
    const segment: Segment = {
      msn: start.msn,
      initId: this.currentInit!.id,
      discontinuity: start.discontinuity,
      discSeq: start.discontinuitySequence,
      programDateTime: start.programDateTime,
      parts: [],
      duration: 0,
      bytes: null,
      forcedCut,
    };
    this.segments.push(segment);
    return segment;
  }

  private closeOpen(): void {
    const open = this.openSegment();
    if (!open) return;
    const bytes = Buffer.concat(open.parts.map((p) => p.bytes));
    let offset = 0;
    for (const p of open.parts) {
      p.bytes = bytes.subarray(offset, offset + p.bytes.length);
      offset += p.bytes.length;
    }
    open.bytes = bytes;
    this.targetDurationS = Math.max(this.targetDurationS, Math.round(open.duration));
    if (this.listenerCount("segment") > 0) {
      this.announce("segment", {
        msn: open.msn,
        duration: open.duration,
        independent: open.parts[0]?.independent ?? false,
        bytes,
        parts: open.parts.length,
        initId: open.initId,
        init: this.inits.get(open.initId)!.bytes,
        discontinuity: open.discontinuity,
        programDateTime: open.programDateTime,
      });
    }
    const keep = this.opts.windowSegments + this.opts.retainSegments;
    if (this.segments.length > keep) {
      this.segments.splice(0, this.segments.length - keep);
      this.dropUnusedInits();
    }
  }

  /** A subscriber's bug must not break packaging (or the muxer feeding it): logged, then ignored. */
  private announce<K extends keyof PackagerEvents>(event: K, ...args: PackagerEvents[K]): void {
    for (const listener of this.listeners(event)) {
      try {
        (listener as (...a: PackagerEvents[K]) => void)(...args);
      } catch (err) {
        this.log?.error({ err, event }, "a packager listener threw");
      }
    }
  }

  private dropUnusedInits(): void {
    const used = new Set(this.segments.map((s) => s.initId));
    for (const id of this.inits.keys()) {
      if (id !== this.currentInit?.id && !used.has(id)) this.inits.delete(id);
    }
  }

  private findSegment(msn: number): Segment | undefined {
    const first = this.segments[0];
    if (!first) return undefined;
    const guess = this.segments[msn - first.msn];
    // Aligned packagers may skip numbers; then search.
    return guess?.msn === msn ? guess : this.segments.find((s) => s.msn === msn);
  }

  private isSatisfied(msn: number, part: number | undefined): boolean {
    const next = this.position();
    if (part === undefined) return msn < next.msn;
    return msn < next.msn || (msn === next.msn && part < next.part);
  }

  private notifyWaiters(): void {
    this.waiters.release((w) => {
      const c = this.classify(w.msn, w.part);
      return c === "ready" || c === "gone" ? "ready" : null;
    });
  }
}
