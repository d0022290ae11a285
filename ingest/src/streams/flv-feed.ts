// Turns a publish's FLV tags into the bytes one ffmpeg process reads, and decides what to drop.
//
// Why drop instead of buffer: when ffmpeg falls behind (or is being restarted) the only bounded
// answer is to skip media. A decoder can only resume at a keyframe, so once anything was dropped,
// everything up to the next video keyframe goes too (audio included: the resumed stream starts
// with video and audio together). Sequence headers and metadata are never dropped: they are
// remembered and written just before the resuming keyframe, so a fresh ffmpeg can probe the stream.
import type { Amf0Object } from "../rtmp/amf0.js";
import { encodeFlvHeader, encodeFlvTag, isKeyframe, isSequenceHeader, type FlvTag } from "../rtmp/flv.js";

export type FeedStep =
  /** Write these bytes to ffmpeg. */
  | { kind: "write"; bytes: Buffer }
  /** A media tag skipped (count it). */
  | { kind: "drop" }
  /** Metadata or a sequence header kept for later: nothing to write now. */
  | { kind: "hold" };

/** FLV header flags from onMetaData: ffmpeg stops probing once every flagged stream has shown up. */
export function flvStreams(metadata: Amf0Object | null): { audio: boolean; video: boolean } {
  const video = metadata !== null && metadata.videocodecid !== undefined && metadata.videocodecid !== false;
  const audio = metadata !== null && metadata.audiocodecid !== undefined && metadata.audiocodecid !== false;
  // Without codec ids we cannot tell: announce both (ffmpeg then probes up to its analyze duration).
  return video || audio ? { audio, video } : { audio: true, video: true };
}

export class FlvFeed {
  private metadataTag: FlvTag | null = null;
  private videoHeader: FlvTag | null = null;
  private audioHeader: FlvTag | null = null;
  /** Headers that arrived (or must be repeated) while skipping; written before the resuming keyframe. */
  private pending = new Set<"metadata" | "video" | "audio">();
  private needFileHeader = true;
  private skipping = false;

  /** @param metadata the publish's latest onMetaData (for the FLV header flags). */
  constructor(private readonly metadata: () => Amf0Object | null) {}

  /** True while media is skipped until the next keyframe. */
  get awaitingKeyframe(): boolean {
    return this.skipping;
  }

  /**
   * Output goes to a new ffmpeg: FLV header, metadata and the latest sequence headers again, then
   * media from the next keyframe.
   */
  restart(): void {
    this.needFileHeader = true;
    this.skipping = true;
    this.pending = new Set(["metadata", "video", "audio"]);
  }

  /**
   * What to do with `tag`. `blocked`: nothing may be written now (ffmpeg not running or over its
   * buffer budget); media is then dropped and skipping starts.
   */
  push(tag: FlvTag, blocked = false): FeedStep {
    const header = this.remember(tag);
    if (blocked) this.skipping = true;
    if (header) {
      if (!this.skipping) return { kind: "write", bytes: this.withFileHeader([tag]) };
      this.pending.add(header);
      return { kind: "hold" };
    }
    if (!this.skipping) return { kind: "write", bytes: this.withFileHeader([tag]) };
    if (blocked || !this.resumesAt(tag)) return { kind: "drop" };
    this.skipping = false;
    // Stamped with the keyframe's time: a fresh ffmpeg then starts its timeline at the keyframe.
    const replay = (stored: FlvTag | null, which: "metadata" | "video" | "audio"): FlvTag[] =>
      stored && this.pending.has(which) ? [{ ...stored, timestamp: tag.timestamp }] : [];
    const tags = [
      ...replay(this.metadataTag, "metadata"),
      ...replay(this.videoHeader, "video"),
      ...replay(this.audioHeader, "audio"),
      tag,
    ];
    this.pending.clear();
    return { kind: "write", bytes: this.withFileHeader(tags) };
  }

  /** Stores metadata and sequence headers; returns which one `tag` is, or null for media. */
  private remember(tag: FlvTag): "metadata" | "video" | "audio" | null {
    if (tag.type === "script") {
      this.metadataTag = tag;
      return "metadata";
    }
    if (!isSequenceHeader(tag)) return null;
    if (tag.type === "video") this.videoHeader = tag;
    else this.audioHeader = tag;
    return tag.type;
  }

  /** A video keyframe; in a stream without video (no AVC header seen), any audio frame. */
  private resumesAt(tag: FlvTag): boolean {
    return isKeyframe(tag) || (tag.type === "audio" && this.videoHeader === null);
  }

  private withFileHeader(tags: FlvTag[]): Buffer {
    const parts = tags.map(encodeFlvTag);
    if (this.needFileHeader) {
      this.needFileHeader = false;
      parts.unshift(encodeFlvHeader(flvStreams(this.metadata())));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
