/** Keeps playback near the live edge: speed up a little when behind, jump when far behind. */

export interface CatchUpPolicy {
  /** Seconds of media buffered ahead of the playhead we aim for. */
  targetS: number;
  /** Start speeding up once this much more than the target is buffered. */
  toleranceS: number;
  /** Seek instead of speeding up once this much more than the target is buffered. */
  seekAboveS: number;
  maxRate: number;
}

export interface CatchUpInput {
  currentTime: number;
  /** End of the buffered range that holds the playhead, or null when the playhead is in no range. */
  bufferedEnd: number | null;
  /** The rate set by the previous decision (1 when not catching up). */
  currentRate: number;
}

export interface CatchUpDecision {
  rate: number;
  seekTo: number | null;
}

/** Rate grows with the excess: +10 % per second behind, at least 5 %, at most `maxRate`. */
export function decideCatchUp(policy: CatchUpPolicy, input: CatchUpInput): CatchUpDecision {
  if (input.bufferedEnd === null) return { rate: 1, seekTo: null };
  const excess = input.bufferedEnd - input.currentTime - policy.targetS;
  if (excess > policy.seekAboveS) return { rate: 1, seekTo: input.bufferedEnd - policy.targetS };
  // hysteresis: once speeding up, keep going until nearly at the target so the rate does not flap
  const threshold = input.currentRate > 1 ? policy.toleranceS / 4 : policy.toleranceS;
  if (excess <= threshold) return { rate: 1, seekTo: null };
  const rate = Math.min(policy.maxRate, Math.max(1.05, 1 + excess * 0.1));
  return { rate: Math.round(rate * 100) / 100, seekTo: null };
}

/** The policy for a playlist: tight around PART-HOLD-BACK for LL-HLS, a segment of slack for plain HLS. */
export function catchUpPolicy(options: { lowLatency: boolean; edgeDelayS: number; targetDurationS: number }): CatchUpPolicy {
  const { lowLatency, edgeDelayS, targetDurationS } = options;
  if (lowLatency) {
    return { targetS: edgeDelayS, toleranceS: 0.3, seekAboveS: Math.max(4, 2 * targetDurationS), maxRate: 1.2 };
  }
  return {
    targetS: edgeDelayS,
    toleranceS: targetDurationS + 1,
    seekAboveS: Math.max(10, 3 * targetDurationS),
    maxRate: 1.1,
  };
}

/** End of the range containing `time` (a tenth of a second of slack at range edges), else null. */
export function bufferedEndAt(ranges: { length: number; start(i: number): number; end(i: number): number }, time: number): number | null {
  for (let i = 0; i < ranges.length; i++) {
    if (ranges.start(i) - 0.1 <= time && time <= ranges.end(i) + 0.1) return ranges.end(i);
  }
  return null;
}
