// Maps a publisher's timestamps (ms) onto one track's output timeline (ticks of its timescale).
// Output decode times only move forward: small jitter is absorbed, a short forward gap (dropped
// frames) stays a gap, and a jump beyond `jumpMs` either way (encoder restart, clock step, a
// publisher's bug) re-bases the track so its output continues where it was: the caller marks a
// discontinuity and no sample ever spans the jump.

export type Placement =
  /** `ticks`: where the sample goes. `gap`: ticks of silence/freeze before it (0 when continuous). */
  | { kind: "continuous" | "gap"; ticks: number; gap: number }
  /** A jump: the track was re-based, the sample follows the previous one after a nominal duration. */
  | { kind: "jump"; ticks: number; gap: 0; jumpMs: number }
  /** Audio slightly behind what was already placed: dropped to keep the track in sync. */
  | { kind: "overlap" };

export interface TrackTimelineOptions {
  timescale: number;
  /** A timestamp this far (ms) from where the track is expected is a jump. */
  jumpMs: number;
  /**
   * "video": samples land on their own timestamps (durations follow the frame times).
   * "audio": every frame lasts `frameTicks`; timestamps within one frame of the expected time snap to it.
   */
  mode: "video" | "audio";
  frameTicks?: number;
}

export class TrackTimeline {
  /** Output ms = input ms + offset. */
  private offsetMs = 0;
  private started = false;
  private lastTicks = 0;
  private timescale: number;

  constructor(private readonly opts: TrackTimelineOptions) {
    this.timescale = opts.timescale;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Decode time of the last placed sample. */
  get last(): number {
    return this.lastTicks;
  }

  private toTicks(ms: number): number {
    return Math.round(((ms + this.offsetMs) * this.timescale) / 1000);
  }

  /** The first sample at `dtsMs` goes to output time `atMs` (ms); later ones follow it. */
  start(dtsMs: number, atMs: number): number {
    this.offsetMs = Math.max(0, atMs) - dtsMs;
    this.started = true;
    this.lastTicks = this.toTicks(dtsMs);
    return this.lastTicks;
  }

  /** Output ms of an input timestamp under the current offset (for cross-track decisions). */
  outputMs(dtsMs: number): number {
    return dtsMs + this.offsetMs;
  }

  /**
   * Places a sample. `nominalTicks`: the track's usual sample duration (video: recent frame spacing,
   * audio: one frame), used after a jump and as the tolerance.
   */
  place(dtsMs: number, nominalTicks: number): Placement {
    if (!this.started) throw new Error("timeline not started");
    const t = this.toTicks(dtsMs);
    const jumpTicks = (this.opts.jumpMs * this.timescale) / 1000;
    if (this.opts.mode === "audio") {
      const expected = this.lastTicks + Math.round(this.opts.frameTicks ?? nominalTicks);
      const diff = t - expected;
      if (Math.abs(diff) <= nominalTicks / 2) return this.accept("continuous", expected, 0);
      if (diff > 0 && diff <= jumpTicks) return this.accept("gap", t, diff);
      if (diff < 0 && -diff <= jumpTicks) return { kind: "overlap" };
      return this.rebase(dtsMs, expected);
    }
    const delta = t - this.lastTicks;
    if (delta > 0 && delta <= jumpTicks) return this.accept("continuous", t, 0);
    return this.rebase(dtsMs, this.lastTicks + Math.max(1, Math.round(nominalTicks)));
  }

  /** Converts the timeline to a new timescale (an audio config with another sampling rate). */
  setTimescale(timescale: number): void {
    this.lastTicks = Math.round((this.lastTicks * timescale) / this.timescale);
    this.timescale = timescale;
  }

  private accept(kind: "continuous" | "gap", ticks: number, gap: number): Placement {
    this.lastTicks = ticks;
    return { kind, ticks, gap };
  }

  private rebase(dtsMs: number, ticks: number): Placement {
    const jumpMs = dtsMs + this.offsetMs - (this.lastTicks * 1000) / this.timescale;
    this.offsetMs = (ticks * 1000) / this.timescale - dtsMs;
    this.lastTicks = ticks;
    return { kind: "jump", ticks, gap: 0, jumpMs };
  }
}
