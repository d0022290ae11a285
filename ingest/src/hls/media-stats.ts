// Stream health measured from the media itself (not from what the encoder claims): frame rate from
// sample durations, bitrate over a sliding window of media time, keyframe interval from sync samples,
// dropped frames from gaps in the timestamps (frame-pacing.ts).
import type { FragmentInfo, InitInfo, TrackInfo } from "../mp4/fmp4-reader.js";
import { FramePacingMeter, pacingWarnings, type PacingWarning } from "./frame-pacing.js";

interface VideoStats {
  codec: string;
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  keyframeIntervalS: number | null;
  /** Frames missing from the last stats window (gaps in the timestamps); null until measurable. */
  droppedFrames: number | null;
}

interface AudioStats {
  codec: string;
  sampleRate: number | null;
  channels: number | null;
  bitrateKbps: number | null;
}

/** `code` is stable (a UI can translate it); `message` is English, for logs and the preview page. */
export interface MediaWarning {
  code:
    | "keyframe-interval-long"
    | "segments-cut-without-keyframe"
    | "no-video"
    | "no-audio"
    /** The stream's publish was refused: a codec configuration that does not parse or that browsers cannot play. */
    | "codec-refused"
    /** The publisher sends media faster than real time. */
    | "faster-than-real-time"
    /** A transcoded rendition (transcode/) was dropped, or waits for a slot under --max-transcodes. */
    | "rendition-dropped"
    | "rendition-waiting"
    | PacingWarning["code"];
  message: string;
}

export interface MediaStats {
  video: VideoStats | null;
  audio: AudioStats | null;
  warnings: MediaWarning[];
}

/** Longest keyframe interval we do not warn about (OBS "Keyframe Interval" 1–2 s). */
const KEYFRAME_INTERVAL_LIMIT_S = 2;
// Timestamps in ms (FLV) make a 2 s GOP measure 2.0 ± a frame.
const KEYFRAME_TOLERANCE_S = 0.1;

interface WindowEntry {
  seconds: number;
  bytes: number;
  samples: number;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

class TrackMeter {
  private entries: WindowEntry[] = [];
  private seconds = 0;

  constructor(private readonly windowS: number) {}

  add(entry: WindowEntry): void {
    this.entries.push(entry);
    this.seconds += entry.seconds;
    while (this.entries.length > 1 && this.seconds - this.entries[0]!.seconds >= this.windowS) {
      this.seconds -= this.entries.shift()!.seconds;
    }
  }

  bitrateKbps(): number | null {
    if (this.seconds <= 0) return null;
    const bytes = this.entries.reduce((sum, e) => sum + e.bytes, 0);
    return Math.round((bytes * 8) / this.seconds / 1000);
  }

  fps(): number | null {
    if (this.seconds <= 0) return null;
    return round(this.entries.reduce((sum, e) => sum + e.samples, 0) / this.seconds, 2);
  }
}

export class MediaStatsMeter {
  private video: TrackInfo | undefined;
  private audio: TrackInfo | undefined;
  private videoMeter: TrackMeter;
  private audioMeter: TrackMeter;
  private pacing: FramePacingMeter;
  /** Media times (s) of the latest keyframes of the current timeline, oldest first. */
  private keyframes: number[] = [];
  private videoEnd = 0;

  constructor(private readonly windowS = 10) {
    this.videoMeter = new TrackMeter(windowS);
    this.audioMeter = new TrackMeter(windowS);
    this.pacing = new FramePacingMeter(windowS);
  }

  setInit(init: InitInfo): void {
    this.video = init.tracks.find((t) => t.kind === "video");
    this.audio = init.tracks.find((t) => t.kind === "audio");
  }

  /** Timestamps restart (reconnect, timestamp jump): keyframe intervals do not span the break. */
  discontinuity(): void {
    this.keyframes = [];
    this.pacing.reset();
  }

  addFragment(fragment: FragmentInfo): void {
    for (const tf of fragment.tracks) {
      const track = tf.id === this.video?.id ? this.video : tf.id === this.audio?.id ? this.audio : undefined;
      if (!track || tf.samples.length === 0) continue;
      const bytes = tf.samples.reduce((sum, s) => sum + s.size, 0);
      const entry = { seconds: tf.duration / track.timescale, bytes, samples: tf.samples.length };
      if (track === this.audio) {
        this.audioMeter.add(entry);
        continue;
      }
      this.videoMeter.add(entry);
      let t = tf.baseMediaDecodeTime;
      for (const s of tf.samples) {
        if (s.isSync) this.keyframes.push(t / track.timescale);
        this.pacing.add(s.duration / track.timescale);
        t += s.duration;
      }
      if (this.keyframes.length > 4) this.keyframes.splice(0, this.keyframes.length - 4);
      this.videoEnd = t / track.timescale;
    }
  }

  /** The latest keyframe interval, or the time since the last keyframe once that is longer. */
  keyframeIntervalS(): number | null {
    const k = this.keyframes;
    const last = k.at(-1);
    if (last === undefined) return null;
    const sinceLast = this.videoEnd - last;
    const interval = k.length >= 2 ? last - k[k.length - 2]! : null;
    if (interval === null) return sinceLast > KEYFRAME_INTERVAL_LIMIT_S + KEYFRAME_TOLERANCE_S ? round(sinceLast, 2) : null;
    return round(Math.max(interval, sinceLast), 2);
  }

  /** `forcedCuts`: recent segments that had to be cut without a keyframe. */
  stats(forcedCuts = 0): MediaStats {
    const warnings: MediaWarning[] = [];
    let video: VideoStats | null = null;
    if (this.video) {
      const keyframeIntervalS = this.keyframeIntervalS();
      video = {
        codec: this.video.codec,
        width: this.video.width ?? null,
        height: this.video.height ?? null,
        fps: this.videoMeter.fps(),
        bitrateKbps: this.videoMeter.bitrateKbps(),
        keyframeIntervalS,
        droppedFrames: this.pacing.droppedFrames(),
      };
      if (keyframeIntervalS !== null && keyframeIntervalS > KEYFRAME_INTERVAL_LIMIT_S + KEYFRAME_TOLERANCE_S) {
        warnings.push({
          code: "keyframe-interval-long",
          message:
            `Keyframe interval is ${keyframeIntervalS} s: in OBS set Settings → Output → Keyframe Interval to 1 or 2 s ` +
            "(not 0/auto) so viewers can start quickly and latency stays low.",
        });
      }
    } else {
      warnings.push({ code: "no-video", message: "The stream has no video track." });
    }
    if (forcedCuts > 0) {
      warnings.push({
        code: "segments-cut-without-keyframe",
        message: `${forcedCuts} recent segment(s) had to be cut between keyframes because keyframes were too far apart.`,
      });
    }
    const audio: AudioStats | null = this.audio
      ? {
          codec: this.audio.codec,
          sampleRate: this.audio.sampleRate ?? null,
          channels: this.audio.channels ?? null,
          bitrateKbps: this.audioMeter.bitrateKbps(),
        }
      : null;
    if (!this.audio) {
      warnings.push({
        code: "no-audio",
        message:
          "The stream has no audio track: in OBS pick a device in Settings → Audio (Mic/Auxiliary Audio or Desktop Audio) " +
          "and keep Audio Track 1 ticked in Settings → Output.",
      });
    }
    if (video) {
      warnings.push(
        ...pacingWarnings({
          fps: video.fps,
          droppedFrames: video.droppedFrames,
          expectedFrames: this.pacing.expectedFrames(),
          windowS: this.windowS,
          videoKbps: video.bitrateKbps,
          audioKbps: audio?.bitrateKbps ?? null,
        }),
      );
    }
    return { video, audio, warnings };
  }
}
