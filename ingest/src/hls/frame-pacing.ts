// Frame pacing measured from the video's decode timestamps, and the warnings a performer can act on
// for frame rate and bitrate. OBS stamps frames on its fixed output clock, so a frame it skipped
// (rendering or encoding lag) or dropped (network) leaves a gap of whole frame durations.

/** Below this the picture looks jerky (OBS's default is 30; 24 and 25 are fine). */
export const LOW_FPS = 24;
/** Dropped frames above this share of the window's frames are visible as stutter. */
export const DROPPED_FRAMES_SHARE = 0.01;
/**
 * Video + audio above this is more than many viewers' links carry smoothly (phones, busy Wi-Fi);
 * it is also what the big platforms cap ingest at. Without renditions every viewer gets this one.
 */
export const VIEWER_LINK_KBPS = 6000;

// A sample this many nominal durations long (or more) hides dropped frames; 1.5 keeps clear of the
// 33/34 ms alternation of a 30 fps stream stamped in whole milliseconds.
const GAP_FACTOR = 1.5;
// A median over fewer frames is not a frame duration yet.
const MIN_SAMPLES = 10;

export interface PacingWarning {
  code: "frame-rate-low" | "frames-dropped" | "bitrate-high";
  message: string;
}

/** Counts frames missing from the last `windowS` seconds of video. */
export class FramePacingMeter {
  private durations: number[] = [];
  private totalS = 0;
  private dropped: number | null = null;
  private started = false;

  constructor(private readonly windowS = 10) {}

  /** One video sample's duration (s), in decode order. */
  add(durationS: number): void {
    // A timeline's first sample is stretched by the encoder's start-up delay (864 vs 533 ticks from
    // ffmpeg's x264 at 30 fps), not by a dropped frame.
    if (!this.started) {
      this.started = true;
      return;
    }
    if (!(durationS > 0)) return;
    this.durations.push(durationS);
    this.totalS += durationS;
    while (this.durations.length > 1 && this.totalS - this.durations[0]! >= this.windowS) {
      this.totalS -= this.durations.shift()!;
    }
    this.dropped = null;
  }

  /** Timestamps restart (reconnect, timestamp jump): a jump there is not a dropped frame. */
  reset(): void {
    this.started = false;
    this.durations = [];
    this.totalS = 0;
    this.dropped = null;
  }

  /** Frames missing in the window; null until there are enough frames to know their duration. */
  droppedFrames(): number | null {
    if (this.durations.length < MIN_SAMPLES) return null;
    // Computed once per change: status requests may come far more often than fragments.
    if (this.dropped === null) {
      const sorted = [...this.durations].sort((a, b) => a - b);
      const nominal = sorted[Math.floor(sorted.length / 2)]!;
      let dropped = 0;
      for (const d of this.durations) {
        if (d >= nominal * GAP_FACTOR) dropped += Math.round(d / nominal) - 1;
      }
      this.dropped = dropped;
    }
    return this.dropped;
  }

  /** Frames the window would hold had none been dropped. */
  expectedFrames(): number {
    return this.durations.length + (this.droppedFrames() ?? 0);
  }
}

export interface PacingInput {
  fps: number | null;
  droppedFrames: number | null;
  expectedFrames: number;
  windowS: number;
  videoKbps: number | null;
  audioKbps: number | null;
}

/** The frame-rate and bitrate warnings, each with the OBS setting that fixes it. */
export function pacingWarnings({ fps, droppedFrames, expectedFrames, windowS, videoKbps, audioKbps }: PacingInput): PacingWarning[] {
  const warnings: PacingWarning[] = [];
  if (fps !== null && fps < LOW_FPS) {
    warnings.push({
      code: "frame-rate-low",
      message: `Frame rate is ${Math.round(fps * 10) / 10} fps, so motion looks jerky: in OBS set Settings → Video → Common FPS Values to 30.`,
    });
  }
  if (droppedFrames !== null && droppedFrames >= 2 && droppedFrames > expectedFrames * DROPPED_FRAMES_SHARE) {
    warnings.push({
      code: "frames-dropped",
      message:
        `${droppedFrames} frames missing in the last ${windowS} s (OBS skipped or dropped them). In OBS open View → Stats: ` +
        "if frames are missed due to rendering or encoding lag, lower Settings → Video → Output (Scaled) Resolution or use a " +
        "faster encoder preset; if frames are dropped by the network, lower Settings → Output → Bitrate.",
    });
  }
  const totalKbps = (videoKbps ?? 0) + (audioKbps ?? 0);
  if (videoKbps !== null && totalKbps > VIEWER_LINK_KBPS) {
    warnings.push({
      code: "bitrate-high",
      message:
        `Bitrate is ${totalKbps} kbps, more than many viewers' connections carry smoothly (phones, busy Wi-Fi): ` +
        "in OBS set Settings → Output → Bitrate to 2500–4500 Kbps.",
    });
  }
  return warnings;
}
