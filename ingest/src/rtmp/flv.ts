// FLV tags: what an RTMP publish carries (RTMP audio/video message payloads are FLV tag bodies).

type FlvTagType = "audio" | "video" | "script";

export interface FlvTag {
  type: FlvTagType;
  /** Decode timestamp in ms. */
  timestamp: number;
  /** The tag body: the RTMP message payload (for script tags, AMF0 values). */
  data: Buffer;
}

export const FlvVideoCodec = { avc: 7 } as const;
export const FlvAudioFormat = { aac: 10 } as const;

/** Enhanced RTMP marks a video tag with the top bit and carries a FourCC instead of a codec id. */
const isExHeader = (tag: FlvTag): boolean => tag.type === "video" && tag.data.length > 0 && (tag.data[0]! & 0x80) !== 0;

export function isKeyframe(tag: FlvTag): boolean {
  return tag.type === "video" && tag.data.length > 0 && ((tag.data[0]! >> 4) & 0x07) === 1;
}

/** AVC decoder configuration or AAC AudioSpecificConfig (what a decoder needs before the first frame). */
export function isSequenceHeader(tag: FlvTag): boolean {
  const d = tag.data;
  if (d.length === 0) return false;
  if (tag.type === "video") {
    // Enhanced RTMP: packet type 0 is SequenceStart.
    if (isExHeader(tag)) return (d[0]! & 0x0f) === 0;
    return (d[0]! & 0x0f) === FlvVideoCodec.avc && d[1] === 0;
  }
  if (tag.type === "audio") return d[0]! >> 4 === FlvAudioFormat.aac && d[1] === 0;
  return false;
}

/** Null when the tag's codec is one we pass on (H.264, AAC); otherwise a short description for the log. */
export function unsupportedCodec(tag: FlvTag): string | null {
  const d = tag.data;
  if (d.length === 0 || tag.type === "script") return null;
  if (tag.type === "video") {
    if (isExHeader(tag)) {
      const fourcc = d.length >= 5 ? d.toString("latin1", 1, 5).replace(/[^\x20-\x7e]/g, "?") : "?";
      return `Enhanced RTMP video (FourCC ${fourcc})`;
    }
    const codec = d[0]! & 0x0f;
    return codec === FlvVideoCodec.avc ? null : `FLV video codec id ${codec}`;
  }
  const format = d[0]! >> 4;
  return format === FlvAudioFormat.aac ? null : `FLV audio format ${format}`;
}
