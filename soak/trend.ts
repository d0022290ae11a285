// Robust trend estimates for soak samples: a leak is a sustained slope, not the difference of two noisy points.

export interface Point {
  /** Seconds since the start. */
  t: number;
  v: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Theil–Sen line: the median of all pairwise slopes (ignores up to ~29 % outliers, e.g. GC spikes). */
export function theilSen(points: readonly Point[]): { slope: number; intercept: number } {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.t - points[i]!.t;
      if (dt > 0) slopes.push((points[j]!.v - points[i]!.v) / dt);
    }
  }
  const slope = slopes.length > 0 ? median(slopes) : 0;
  const intercept = median(points.map((p) => p.v - slope * p.t));
  return { slope, intercept };
}

/**
 * The lower envelope: the minimum of each run of `size` consecutive samples. Memory that is garbage but not
 * yet collected lifts single samples; what survives every collection lifts the minima.
 */
export function windowMinima(points: readonly Point[], size: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i + size <= points.length; i += size) {
    const window = points.slice(i, i + size);
    out.push(window.reduce((min, p) => (p.v < min.v ? p : min)));
  }
  return out;
}

export interface Growth {
  /** Fitted value at the first and last sample time. */
  start: number;
  end: number;
  /** (end - start) / start, in percent. */
  percent: number;
  /** Units per hour. */
  perHour: number;
}

/** Growth of the trend line over the samples' time span (on the lower envelope when `envelope` > 1). */
export function growth(points: readonly Point[], envelope = 1): Growth {
  const fitted = envelope > 1 && points.length >= envelope * 3 ? windowMinima(points, envelope) : points;
  const { slope, intercept } = theilSen(fitted);
  const t0 = points[0]?.t ?? 0;
  const t1 = points.at(-1)?.t ?? 0;
  const start = intercept + slope * t0;
  const end = intercept + slope * t1;
  return { start, end, percent: start > 0 ? ((end - start) / start) * 100 : 0, perHour: slope * 3600 };
}

/** Whether a count (open files, handles, children) rose: median of the last third above the first third's by more than `tolerance`. */
export function countRose(values: readonly number[], tolerance: number): { first: number; last: number; rose: boolean } {
  const third = Math.max(1, Math.floor(values.length / 3));
  const first = median(values.slice(0, third));
  const last = median(values.slice(-third));
  return { first, last, rose: last - first > tolerance };
}

/** "90s", "5m", "1h", "1h30m" -> seconds. */
export function parseDuration(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || text.trim() === "") throw new Error(`expected a duration like 90s, 5m, 1h or 1h30m, got "${text}"`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}
