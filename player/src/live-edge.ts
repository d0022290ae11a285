/** Keeps playback near the live edge: speed up a little when behind, jump when far behind. */

export interface CatchUpPolicy {
  /** Seconds of media buffered ahead of the playhead we aim for. */
  targetS: number;
  /** Start speeding up once this much more than the target is buffered. */
  startAboveS: number;
  /** Once speeding up, go back to normal speed at this much more than the target. */
  settleS: number;
  /** Seek instead of speeding up once this much more than the target is buffered. */
  seekAboveS: number;
  /** Leave a new playback alone this long (a join lands on a keyframe, and then it must not stutter). */
  startGraceS: number;
}

/**
 * Chromium drops the odd frame whenever playbackRate is not 1 (measured on 30 fps video: 9 of 188
 * at 1.05, about 1 in 190 at 1.1 and 1.2): hence 1.1 rather than a gentle 1.05, and a grace period
 * after a join before any speed-up.
 */
const CATCH_UP_RATE = 1.1;
const FAST_CATCH_UP_RATE = 1.2;
const FAST_ABOVE_S = 1;

export interface CatchUpInput {
  currentTime: number;
  /** End of the buffered range that holds the playhead, or null when the playhead is in no range. */
  bufferedEnd: number | null;
  /** The rate set by the previous decision (1 when not catching up). */
  currentRate: number;
  /** Seconds since this playback started. */
  playingForS: number;
}

export interface CatchUpDecision {
  rate: number;
  seekTo: number | null;
}

export function decideCatchUp(policy: CatchUpPolicy, input: CatchUpInput): CatchUpDecision {
  if (input.bufferedEnd === null || input.playingForS < policy.startGraceS) return { rate: 1, seekTo: null };
  const excess = input.bufferedEnd - input.currentTime - policy.targetS;
  if (excess > policy.seekAboveS) return { rate: 1, seekTo: input.bufferedEnd - policy.targetS };
  // hysteresis: once speeding up, keep going until close to the target so the rate does not flap
  const threshold = input.currentRate > 1 ? policy.settleS : policy.startAboveS;
  if (excess <= threshold) return { rate: 1, seekTo: null };
  return { rate: excess > FAST_ABOVE_S ? FAST_CATCH_UP_RATE : CATCH_UP_RATE, seekTo: null };
}

/**
 * The policy for a playlist. LL-HLS: PART-HOLD-BACK buffered ahead (the newest part arrives about
 * half a part after the playlist lists it, so playback stays a little more than PART-HOLD-BACK behind
 * the playlist's end); a join starts on the newest keyframe at least that far back, so up to a GOP
 * further: speed up beyond 0.3 s more, once the 3 s after a join (whose frames must all show) are
 * over, and settle 0.05 s from the target. Plain HLS: a segment or more of slack everywhere.
 */
export function catchUpPolicy(options: { lowLatency: boolean; edgeDelayS: number; targetDurationS: number }): CatchUpPolicy {
  const { lowLatency, edgeDelayS, targetDurationS } = options;
  if (lowLatency) {
    return {
      targetS: edgeDelayS,
      startAboveS: 0.3,
      settleS: 0.05,
      seekAboveS: Math.max(6, 3 * targetDurationS),
      startGraceS: 3,
    };
  }
  return {
    targetS: edgeDelayS,
    startAboveS: 2 * targetDurationS,
    settleS: targetDurationS,
    seekAboveS: Math.max(12, 4 * targetDurationS),
    startGraceS: 5,
  };
}

/** End of the range containing `time` (a tenth of a second of slack at range edges), else null. */
export function bufferedEndAt(ranges: { length: number; start(i: number): number; end(i: number): number }, time: number): number | null {
  for (let i = 0; i < ranges.length; i++) {
    if (ranges.start(i) - 0.1 <= time && time <= ranges.end(i) + 0.1) return ranges.end(i);
  }
  return null;
}
