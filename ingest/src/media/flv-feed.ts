// Turns a publish's media events into the FLV bytes one ffmpeg process reads, and decides what to drop.
//
// Why drop instead of buffer: when ffmpeg falls behind (or is being restarted) the only bounded
// answer is to skip media. A decoder can only resume at a keyframe, so once anything was dropped,
// everything up to the next video keyframe goes too (audio included: the resumed stream starts
// with video and audio together). Codec configurations are never dropped: they are remembered and
// written just before the resuming keyframe, so a fresh ffmpeg can probe the stream.
import type { AudioConfig, MediaEvent, VideoConfig } from "../streams/media.js";
import type { AnnouncedTracks } from "../streams/publish-source.js";
import { encodeFlvHeader, encodeFlvTag, flvStreams, flvTagOf } from "./flv-writer.js";

export type FeedStep =
  /** Write these bytes to ffmpeg. */
  | { kind: "write"; bytes: Buffer }
  /** A frame skipped (count it). */
  | { kind: "drop" }
  /** A configuration kept for later: nothing to write now. */
  | { kind: "hold" };

type ConfigEvent = { kind: "video-config"; config: VideoConfig } | { kind: "audio-config"; config: AudioConfig };

export class FlvFeed {
  private videoConfig: ConfigEvent | null = null;
  private audioConfig: ConfigEvent | null = null;
  /** Configurations that arrived (or must be repeated) while skipping; written before the resuming keyframe. */
  private pending = new Set<"video" | "audio">();
  private needFileHeader = true;
  private skipping = false;
  /** Decode time of the latest frame: a configuration is stamped with it. */
  private lastDts = 0;

  /** @param tracks what the publisher announced (for the FLV header flags), read at the first write. */
  constructor(private readonly tracks: () => AnnouncedTracks | null) {}

  /** True while media is skipped until the next keyframe. */
  get awaitingKeyframe(): boolean {
    return this.skipping;
  }

  /** Output goes to a new ffmpeg: FLV header and the latest configurations again, then media from the next keyframe. */
  restart(): void {
    this.needFileHeader = true;
    this.skipping = true;
    this.pending = new Set(["video", "audio"]);
  }

  /**
   * What to do with `event`. `blocked`: nothing may be written now (ffmpeg not running or over its
   * buffer budget); media is then dropped and skipping starts.
   */
  push(event: MediaEvent, blocked = false): FeedStep {
    if (blocked) this.skipping = true;
    if (event.kind === "video-config" || event.kind === "audio-config") {
      const which = event.kind === "video-config" ? "video" : "audio";
      if (which === "video") this.videoConfig = event;
      else this.audioConfig = event;
      if (!this.skipping) return { kind: "write", bytes: this.withFileHeader([flvTagOf(event, this.lastDts)]) };
      this.pending.add(which);
      return { kind: "hold" };
    }
    this.lastDts = event.dts;
    if (!this.skipping) return { kind: "write", bytes: this.withFileHeader([flvTagOf(event, event.dts)]) };
    if (blocked || !this.resumesAt(event)) return { kind: "drop" };
    this.skipping = false;
    // Stamped with the keyframe's time: a fresh ffmpeg then starts its timeline at the keyframe.
    const replay = (stored: ConfigEvent | null, which: "video" | "audio") =>
      stored && this.pending.has(which) ? [flvTagOf(stored, event.dts)] : [];
    const tags = [...replay(this.videoConfig, "video"), ...replay(this.audioConfig, "audio"), flvTagOf(event, event.dts)];
    this.pending.clear();
    return { kind: "write", bytes: this.withFileHeader(tags) };
  }

  /** A video keyframe; in a stream without video (no AVC configuration seen), any audio frame. */
  private resumesAt(event: MediaEvent): boolean {
    return (event.kind === "video" && event.keyframe) || (event.kind === "audio" && this.videoConfig === null);
  }

  private withFileHeader(tags: ReturnType<typeof flvTagOf>[]): Buffer {
    const parts = tags.map(encodeFlvTag);
    if (this.needFileHeader) {
      this.needFileHeader = false;
      parts.unshift(encodeFlvHeader(flvStreams(this.tracks())));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
