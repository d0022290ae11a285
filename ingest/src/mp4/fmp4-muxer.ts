// Muxes codec-level media (MediaEvents) into fragmented MP4: an init segment per codec setup, then
// parts (moof + mdat) cut on frame boundaries. Pure and synchronous: push(event) returns what it
// completed, so the hub, tests and fuzzing drive it the same way.
//
// Rules (why):
// - A part holds whole video frames and the audio frames whose middle falls inside them. It closes
//   before a keyframe (so a segment can start there) or once it is within half a frame of `partMs`
//   (nearest frame boundary). PART-TARGET is fixed at the first part from what the stream can
//   produce: n frames (video) and the audio frames those can hold; no later part exceeds it (a gap
//   from dropped frames is left as a gap instead of stretching the last frame).
// - A part waits for the audio that belongs to it (interleaving lag), at most until the next part's
//   video is complete.
// - The output timeline only moves forward (see media-timeline.ts): a timestamp jump on the video
//   track (or on audio in an audio-only stream) is re-based away, and a discontinuity goes before the
//   next part that starts with a keyframe (so every segment still starts with one and decodes alone).
// - A new codec configuration applies at the next video keyframe (audio-only: at once): the open
//   part closes, a new init segment follows (the packager starts a discontinuity with it).
// - The stream starts at the first video keyframe when a video configuration is known; audio
//   before it is dropped. Audio alone for `audioOnlyAfterMs` without any video configuration starts
//   an audio-only stream.
import { type AacConfig, parseAacConfig } from "./aac-config.js";
import { type AvcConfig, parseAvcConfig } from "./avc-config.js";
import { type FragmentSample, writeFragment } from "./fragment-writer.js";
import { AUDIO_TRACK_ID, VIDEO_TIMESCALE, VIDEO_TRACK_ID, writeInitSegment } from "./init-segment-writer.js";
import { TrackTimeline } from "./media-timeline.js";
import type { AudioFrame, MediaEvent, VideoFrame } from "../streams/media.js";

export interface Fmp4MuxerOptions {
  /** Part duration aimed at, ms. */
  partMs: number;
  /** A timestamp further than this from where its track is expected is a jump (ms). Default 500. */
  jumpMs?: number;
  /** Output decode time of the first sample, ms (continues a timeline across publishes). Default 0. */
  startMs?: number;
  /** Audio alone this long (ms) without a video configuration starts an audio-only stream. Default 1000. */
  audioOnlyAfterMs?: number;
  /** Frames held while waiting (start, config change, interleaving); older ones are dropped. Default 1000. */
  maxHeldFrames?: number;
}

export interface MuxedInit {
  kind: "init";
  bytes: Buffer;
  video: AvcConfig | null;
  audio: AacConfig | null;
}

export interface MuxedPart {
  kind: "part";
  bytes: Buffer;
  /** Duration of the reference track (video; audio-only: audio), seconds. */
  durationS: number;
  /** The longest track in the part, seconds (audio may run past the video edge). */
  maxTrackS: number;
  /** Starts with a video keyframe (audio-only: always). */
  independent: boolean;
  /** The bound every part of this muxer keeps (PART-TARGET), seconds. */
  partTargetS: number;
}

export interface MuxedDiscontinuity {
  kind: "discontinuity";
  reason: "timestamp-jump";
  /** Size of the jump on the publisher's clock, ms (negative: backward). */
  jumpMs: number;
}

export type MuxerOutput = MuxedInit | MuxedPart | MuxedDiscontinuity;

interface PlacedVideo {
  ticks: number;
  cto: number;
  sync: boolean;
  data: Buffer;
}

interface PlacedAudio {
  ticks: number;
  data: Buffer;
  /** A gap precedes this frame: it may not share a trun with the frame before. */
  gapBefore: boolean;
}

interface ClosedVideoPart {
  frames: PlacedVideo[];
  end: number;
}

const ms = (ticks: number, timescale: number) => (ticks * 1000) / timescale;

export class Fmp4Muxer {
  private readonly partMs: number;
  private readonly jumpMs: number;
  private readonly startMs: number;
  private readonly audioOnlyAfterMs: number;
  private readonly maxHeld: number;

  /** Configurations in the current init segment (null before it). */
  private video: AvcConfig | null = null;
  private audio: AacConfig | null = null;
  private initWritten = false;
  /** Received but not yet in an init segment. */
  private nextVideo: AvcConfig | null = null;
  private nextAudio: AacConfig | null = null;
  /** Audio under a configuration that is not in the init yet (raw, until it can be placed). */
  private heldAudio: AudioFrame[] = [];

  private readonly vt: TrackTimeline;
  private at: TrackTimeline | null = null;
  /** Audio before this (publisher ms) is dropped: it precedes the video the stream starts with. */
  private audioFromDts = Number.NEGATIVE_INFINITY;
  /** Where an audio-only timeline (re)starts, output ms. */
  private audioResumeMs: number;
  private openVideo: PlacedVideo[] = [];
  private closedVideo: ClosedVideoPart[] = [];
  private audioQueue: PlacedAudio[] = [];
  private recentDeltas: number[] = [];
  private sequence = 1;
  private partTarget: { s: number; frames: number; videoTicks: number; audioFrames: number } | null = null;
  private outputs: MuxerOutput[] = [];
  /** A timestamp jump (ms) whose discontinuity goes before the next part that starts with a keyframe. */
  private pendingJumpMs: number | null = null;

  constructor(options: Fmp4MuxerOptions) {
    this.partMs = options.partMs;
    this.jumpMs = options.jumpMs ?? 500;
    this.startMs = options.startMs ?? 0;
    this.audioOnlyAfterMs = options.audioOnlyAfterMs ?? 1000;
    this.maxHeld = options.maxHeldFrames ?? 1000;
    this.audioResumeMs = this.startMs;
    if (!(this.partMs >= 20 && this.partMs <= 10_000)) throw new RangeError(`partMs must be 20..10000, got ${this.partMs}`);
    this.vt = new TrackTimeline({ timescale: VIDEO_TIMESCALE, jumpMs: this.jumpMs, mode: "video" });
  }

  /** PART-TARGET in seconds once the first part is out, else null. */
  get partTargetS(): number | null {
    return this.partTarget?.s ?? null;
  }

  /** Output decode time (ms) the video (else audio) track has reached: where a next timeline continues. */
  get endMs(): number {
    if (this.vt.isStarted) return ms(this.vt.last, VIDEO_TIMESCALE) + ms(this.nominalVideo(), VIDEO_TIMESCALE);
    if (this.at?.isStarted && this.audio) return ms(this.at.last + 1024, this.audio.sampleRate);
    return this.startMs;
  }

  /** Takes one event; returns the init segments, parts and discontinuities it completed, in order. Throws CodecConfigError. */
  push(event: MediaEvent): MuxerOutput[] {
    switch (event.kind) {
      case "video-config":
        this.onVideoConfig(parseAvcConfig(event.config.avcC));
        break;
      case "audio-config":
        this.onAudioConfig(parseAacConfig(event.config.asc));
        break;
      case "video":
        this.onVideo(event);
        break;
      case "audio":
        this.onAudio(event);
        break;
    }
    return this.take();
  }

  /** End of input: everything held goes out (the last frame lasts a nominal frame). */
  flush(): MuxerOutput[] {
    if (this.openVideo.length > 0) this.closeVideoPart(this.openVideo.at(-1)!.ticks + Math.round(this.nominalVideo()));
    this.emitClosed(true);
    // Audio past the last video frame goes out in audio-only parts.
    this.emitAudioParts(true);
    return this.take();
  }

  private take(): MuxerOutput[] {
    const out = this.outputs;
    this.outputs = [];
    return out;
  }

  private onVideoConfig(config: AvcConfig): void {
    if ((this.nextVideo ?? this.video)?.avcC.equals(config.avcC)) return;
    this.nextVideo = config;
  }

  private onAudioConfig(config: AacConfig): void {
    if ((this.nextAudio ?? this.audio)?.asc.equals(config.asc)) return;
    this.nextAudio = config;
    // Audio-only: nothing to wait for.
    if (this.initWritten && !this.video && !this.nextVideo) this.applyAudioOnlyConfig();
  }

  private onVideo(frame: VideoFrame): void {
    if (!this.initWritten) {
      if (!this.nextVideo || !frame.keyframe) return;
      this.writeInit();
      this.vt.start(frame.dts, this.startMs);
      if (this.audio) this.startAudioAt(frame.dts);
      this.openVideo.push(this.placedVideo(frame, this.vt.last));
      return;
    }
    const configChange = (this.nextVideo !== null || (this.nextAudio !== null && this.video !== null)) && frame.keyframe;
    if (!this.video) {
      // Audio-only so far: video joins at its first keyframe with a new init segment.
      if (!this.nextVideo || !frame.keyframe) return;
      this.emitAudioParts(true);
      this.writeInit();
      this.vt.start(frame.dts, this.at!.outputMs(frame.dts));
      this.openVideo.push(this.placedVideo(frame, this.vt.last));
      return;
    }
    if (this.nextVideo && !frame.keyframe) return; // frames of the new setup before its keyframe cannot decode
    const placement = this.vt.place(frame.dts, this.nominalVideo());
    if (placement.kind === "overlap") return;
    const t = placement.ticks;
    const prev = this.openVideo.at(-1);
    if (prev && placement.kind === "continuous") this.noteDelta(t - prev.ticks);
    if (prev) {
      const start = this.openVideo[0]!.ticks;
      const cut =
        frame.keyframe ||
        t - start >= ((this.partTarget?.frames ?? this.framesPerPart(this.nominalVideo())) - 0.5) * this.nominalVideo() ||
        (this.partTarget !== null && t - start > this.partTarget.videoTicks);
      if (cut) this.closeVideoPart(t);
    }
    if (placement.kind === "jump") this.pendingJumpMs = placement.jumpMs;
    if (configChange) {
      this.emitClosed(true);
      const audioChanged = this.nextAudio !== null;
      if (audioChanged) this.audioQueue = [];
      this.writeInit();
      if (audioChanged) this.startAudioAt(frame.dts);
    }
    this.openVideo.push(this.placedVideo(frame, t));
    this.emitClosed(false);
  }

  private onAudio(frame: AudioFrame): void {
    if (!this.initWritten || this.nextAudio !== null || !this.audio) {
      if (!this.nextAudio && !this.audio) return;
      this.hold(frame);
      if (!this.initWritten && !this.nextVideo) {
        const first = this.heldAudio[0]!;
        if (frame.dts - first.dts >= this.audioOnlyAfterMs) {
          this.writeInit();
          this.at = this.audioTimeline();
          this.placeHeldAudio();
          this.emitAudioParts(false);
        }
      }
      return;
    }
    this.placeAudio(frame);
    if (this.video) this.emitClosed(false);
    else this.emitAudioParts(false);
  }

  private hold(frame: AudioFrame): void {
    this.heldAudio.push(frame);
    if (this.heldAudio.length > this.maxHeld) this.heldAudio.shift();
  }

  private audioTimeline(): TrackTimeline {
    return new TrackTimeline({ timescale: this.audio!.sampleRate, jumpMs: this.jumpMs, mode: "audio", frameTicks: 1024 });
  }

  /** (Re)starts the audio timeline aligned with video from the keyframe at `keyDts`; held audio from there on goes in. */
  private startAudioAt(keyDts: number): void {
    this.at = this.audioTimeline();
    this.audioFromDts = keyDts;
    this.placeHeldAudio();
  }

  private placeHeldAudio(): void {
    const held = this.heldAudio;
    this.heldAudio = [];
    for (const f of held) this.placeAudio(f);
  }

  private placeAudio(frame: AudioFrame): void {
    const at = this.at!;
    if (!at.isStarted) {
      // The first frame anchors the track: next to video on the video's clock, or where audio left off.
      if (this.video && frame.dts < this.audioFromDts) return;
      at.start(frame.dts, this.video ? this.vt.outputMs(frame.dts) : this.audioResumeMs);
      this.audioQueue.push({ ticks: at.last, data: frame.data, gapBefore: true });
      return;
    }
    const placement = at.place(frame.dts, 1024);
    if (placement.kind === "overlap") return;
    if (placement.kind === "jump" && !this.video) {
      this.emitAudioParts(true);
      this.pendingJumpMs = placement.jumpMs;
    }
    this.audioQueue.push({ ticks: placement.ticks, data: frame.data, gapBefore: placement.kind !== "continuous" });
    if (this.audioQueue.length > this.maxHeld) this.audioQueue.shift();
  }

  private applyAudioOnlyConfig(): void {
    this.emitAudioParts(true);
    this.audioResumeMs = this.endMs;
    this.audioQueue = [];
    this.writeInit();
    this.at = this.audioTimeline();
  }

  private writeInit(): void {
    // A new setup may have another frame rate or sampling rate: the next part fixes PART-TARGET anew.
    if (this.initWritten) this.partTarget = null;
    if (this.nextVideo) this.video = this.nextVideo;
    if (this.nextAudio) this.audio = this.nextAudio;
    this.nextVideo = null;
    this.nextAudio = null;
    this.initWritten = true;
    this.outputs.push({
      kind: "init",
      bytes: writeInitSegment({ ...(this.video ? { video: this.video } : {}), ...(this.audio ? { audio: this.audio } : {}) }),
      video: this.video,
      audio: this.audio,
    });
  }

  private placedVideo(frame: VideoFrame, ticks: number): PlacedVideo {
    return { ticks, cto: Math.round(((frame.pts - frame.dts) * VIDEO_TIMESCALE) / 1000), sync: frame.keyframe, data: frame.data };
  }

  private noteDelta(delta: number): void {
    this.recentDeltas.push(delta);
    if (this.recentDeltas.length > 15) this.recentDeltas.shift();
  }

  /** The usual frame spacing (mean of recent ones: whole-ms timestamps alternate 33/34 ms); 30 fps until known. */
  private nominalVideo(): number {
    if (this.recentDeltas.length === 0) return VIDEO_TIMESCALE / 30;
    return this.recentDeltas.reduce((a, b) => a + b, 0) / this.recentDeltas.length;
  }

  /**
   * Whole frames of `frameTicks` nearest `partMs` (at least one; within 5 % of a tie it rounds down: 250 ms at 30 fps is 7).
   * Fixed with PART-TARGET, and cut half a frame before n frames: whole-ms timestamp jitter (33/34 ms) and
   * the drifting estimate of the frame rate must not add an n+1th frame.
   */
  private framesPerPart(frameTicks: number): number {
    return Math.max(1, Math.ceil((this.partMs * VIDEO_TIMESCALE) / 1000 / frameTicks - 0.55));
  }

  /** `openSpanTicks`: from the first to the last frame of the part being closed (it must fit). */
  private fixPartTarget(openSpanTicks = 0): void {
    if (this.partTarget) return;
    const audioS = this.audio ? 1024 / this.audio.sampleRate : 0;
    if (this.video) {
      const f = this.nominalVideo();
      const n = this.framesPerPart(f);
      // Slack of 2 ms: timestamps are whole ms at both ends, and f is an estimate.
      const videoTicks = Math.max(Math.round(n * f), openSpanTicks + 1) + (2 * VIDEO_TIMESCALE) / 1000;
      const videoS = videoTicks / VIDEO_TIMESCALE;
      const audioFrames = audioS > 0 ? Math.ceil(videoS / audioS) : 0;
      this.partTarget = { s: ceilMs(Math.max(videoS, audioFrames * audioS)), frames: n, videoTicks, audioFrames };
    } else {
      const frames = Math.max(1, Math.round(this.partMs / 1000 / audioS));
      this.partTarget = { s: ceilMs(frames * audioS), frames: 0, videoTicks: 0, audioFrames: frames };
    }
  }

  /** Closes the open video part where the next frame starts (`next`), or earlier at PART-TARGET: a gap stays a gap. */
  private closeVideoPart(next: number): void {
    const start = this.openVideo[0]!.ticks;
    this.fixPartTarget(this.openVideo.at(-1)!.ticks - start);
    const end = Math.min(next, start + this.partTarget!.videoTicks);
    this.closedVideo.push({ frames: this.openVideo, end });
    this.openVideo = [];
  }

  /** Emits closed video parts whose audio is in (or all of them when `force`). */
  private emitClosed(force: boolean): void {
    while (this.closedVideo.length > 0) {
      const part = this.closedVideo[0]!;
      const waitForAudio = this.audio !== null && !force && this.closedVideo.length === 1 && !this.audioPast(part.end);
      if (waitForAudio) return;
      this.closedVideo.shift();
      const samples: FragmentSample[] = part.frames.map((f, i) => ({
        duration: (part.frames[i + 1]?.ticks ?? part.end) - f.ticks,
        data: f.data,
        sync: f.sync,
        compositionOffset: f.cto,
      }));
      const audio = this.takeAudio(part.end / VIDEO_TIMESCALE);
      const videoS = (part.end - part.frames[0]!.ticks) / VIDEO_TIMESCALE;
      this.emitPart(
        [{ id: VIDEO_TRACK_ID, baseMediaDecodeTime: part.frames[0]!.ticks, samples }, ...(audio ? [audio.track] : [])],
        videoS,
        Math.max(videoS, audio?.seconds ?? 0),
        part.frames[0]!.sync,
      );
    }
  }

  /** The latest placed audio frame's middle lies past `endTicks` (video time). */
  private audioPast(endTicks: number): boolean {
    const last = this.audioQueue.at(-1);
    if (!last || !this.audio) return false;
    return (last.ticks + 512) / this.audio.sampleRate > endTicks / VIDEO_TIMESCALE;
  }

  /** Queued audio frames whose middle is before `endS`, contiguous, at most the part's share. */
  private takeAudio(
    endS: number,
  ): { track: { id: number; baseMediaDecodeTime: number; samples: FragmentSample[] }; seconds: number } | null {
    if (!this.audio) return null;
    const rate = this.audio.sampleRate;
    const limit = this.partTarget?.audioFrames ?? Number.POSITIVE_INFINITY;
    let count = 0;
    while (count < this.audioQueue.length && count < limit) {
      const f = this.audioQueue[count]!;
      if ((f.ticks + 512) / rate > endS || (count > 0 && f.gapBefore)) break;
      count++;
    }
    if (count === 0) return null;
    const frames = this.audioQueue.splice(0, count);
    return { track: this.audioTrack(frames), seconds: (frames.length * 1024) / rate };
  }

  private audioTrack(frames: PlacedAudio[]) {
    return {
      id: AUDIO_TRACK_ID,
      baseMediaDecodeTime: frames[0]!.ticks,
      samples: frames.map((f) => ({ duration: 1024, data: f.data, sync: true, compositionOffset: 0 })),
    };
  }

  /** Audio-only parts: `audioFrames` contiguous frames each (all that is left when `force`). */
  private emitAudioParts(force: boolean): void {
    if (!this.audio || this.audioQueue.length === 0) return;
    this.fixPartTarget();
    const n = this.partTarget!.audioFrames;
    for (;;) {
      let count = 0;
      while (count < this.audioQueue.length && count < n && !(count > 0 && this.audioQueue[count]!.gapBefore)) count++;
      const complete = count === n || (count > 0 && count < this.audioQueue.length);
      if (count === 0 || (!complete && !force)) return;
      const frames = this.audioQueue.splice(0, count);
      const seconds = (count * 1024) / this.audio.sampleRate;
      this.emitPart([this.audioTrack(frames)], seconds, seconds, !this.video);
    }
  }

  private emitPart(tracks: Parameters<typeof writeFragment>[1], durationS: number, maxTrackS: number, independent: boolean): void {
    if (this.pendingJumpMs !== null && independent) {
      this.outputs.push({ kind: "discontinuity", reason: "timestamp-jump", jumpMs: this.pendingJumpMs });
      this.pendingJumpMs = null;
    }
    this.outputs.push({
      kind: "part",
      bytes: writeFragment(this.sequence++, tracks),
      durationS,
      maxTrackS,
      independent,
      partTargetS: this.partTarget!.s,
    });
  }
}

const ceilMs = (seconds: number) => Math.ceil(seconds * 1000 - 1e-6) / 1000;
