// The packager's options, written once: what callers pass, the defaults, and the checks (RangeError
// naming the option and value).
import type { Logger } from "pino";

export interface LlHlsPackagerOptions {
  /** Part duration target in ms (the registry's partMs; each part may declare its own PART-TARGET). */
  partTargetMs: number;
  /** Complete segments listed in the playlist (config --window-segments). */
  windowSegments: number;
  /** Complete segments kept fetchable after leaving the playlist (RFC 8216bis 6.2.2). Default windowSegments. */
  retainSegments?: number;
  /** Segments whose parts are listed, the open one included. Default 3. */
  partSegments?: number;
  /** A keyframe starts a new segment only after this much media. Default 1000. */
  minSegmentMs?: number;
  /** Segments are cut before exceeding this, keyframe or not. Default 4000. */
  maxSegmentMs?: number;
  /**
   * Concurrent `waitFor` calls; more resolve "timeout" at once. Default 10000: above the audience of a
   * big show served directly (each viewer holds one blocking reload at a time), far below what memory allows.
   */
  maxWaiters?: number;
  /** Upper bound for any `waitFor` timeout. Default 30000. */
  maxWaitMs?: number;
  /** Sliding window (s of media) for bitrate and fps. Default 10. */
  statsWindowS?: number;
  /** Wall clock in epoch ms, for PROGRAM-DATE-TIME. Default Date.now. */
  clock?: () => number;
  /**
   * Media sequence number of the first segment. Default 0. Parts and segments are served immutable,
   * so whoever creates a packager for a name that served media before (an earlier packager, an
   * earlier process) passes a number above anything that name used.
   */
  initialMsn?: number;
  /**
   * Called, synchronously, before segment `msn` gets its first part (before any of its names is listed
   * or served): where numbering is persisted across restarts, it is reserved here (streams/msn-reservations.ts).
   */
  reserveMsn?: (msn: number) => void;
  /** Segments start only where `pushFragment` is given an `AlignedStart` (see the policy above). Default false. */
  aligned?: boolean;
  logger?: Logger;
}

/** Where a source segment starts, for an aligned packager's fragment that starts at the same media time. */
export interface AlignedStart {
  msn: number;
  programDateTime: number;
  discontinuity: boolean;
  discontinuitySequence: number;
}

/** Bits per second over the complete segments listed: the highest segment's and the average. */
export interface Bandwidth {
  peakBps: number;
  averageBps: number;
}

export type ResolvedPackagerOptions = Required<Omit<LlHlsPackagerOptions, "logger" | "reserveMsn">>;

export function resolvePackagerOptions(options: LlHlsPackagerOptions): ResolvedPackagerOptions {
  const o: ResolvedPackagerOptions = {
    partTargetMs: options.partTargetMs,
    windowSegments: options.windowSegments,
    retainSegments: options.retainSegments ?? options.windowSegments,
    partSegments: options.partSegments ?? 3,
    minSegmentMs: options.minSegmentMs ?? 1000,
    maxSegmentMs: options.maxSegmentMs ?? 4000,
    maxWaiters: options.maxWaiters ?? 10_000,
    maxWaitMs: options.maxWaitMs ?? 30_000,
    statsWindowS: options.statsWindowS ?? 10,
    clock: options.clock ?? Date.now,
    initialMsn: options.initialMsn ?? 0,
    aligned: options.aligned ?? false,
  };
  if (!(o.partTargetMs >= 50 && o.partTargetMs <= 5000)) throw new RangeError(`partTargetMs must be 50..5000, got ${o.partTargetMs}`);
  if (!(o.windowSegments >= 3) || !(o.retainSegments >= 0) || !(o.partSegments >= 1))
    throw new RangeError(
      `windowSegments must be ≥ 3, retainSegments ≥ 0, partSegments ≥ 1; got ${o.windowSegments}, ${o.retainSegments}, ${o.partSegments}`,
    );
  if (!(o.maxSegmentMs >= o.minSegmentMs + o.partTargetMs))
    throw new RangeError(
      `maxSegmentMs must be ≥ minSegmentMs + partTargetMs, got ${o.maxSegmentMs} < ${o.minSegmentMs} + ${o.partTargetMs}`,
    );
  // 15 digits: what resource names and _HLS_msn accept (always a safe integer).
  if (!Number.isSafeInteger(o.initialMsn) || o.initialMsn < 0 || o.initialMsn >= 1e15)
    throw new RangeError(`initialMsn must be an integer 0..1e15-1, got ${o.initialMsn}`);
  return o;
}
