// The RTMP adapter's translation into the hub's codec-level media: FLV tag bodies (AVC and AAC
// packets) to media events, onMetaData to the tracks a publisher announced.
import type { MediaEvent } from "../streams/media.js";
import type { AnnouncedTracks } from "../streams/publish-source.js";
import type { Amf0Object } from "./amf0.js";
import { FlvAudioFormat, FlvVideoCodec, isKeyframe, isSequenceHeader, type FlvTag } from "./flv.js";

const AvcPacket = { nalu: 1 } as const;
const AacPacket = { raw: 1 } as const;
const VIDEO_INFO_FRAME = 5;

/**
 * The media event an audio or video tag carries, or null for what carries no media (script tags, AVC
 * end of sequence, video info frames, other codecs, truncated bodies). Video: frame type and codec id,
 * AVC packet type, signed 24-bit composition offset (pts - dts, ms), then AVCC NAL units or the
 * AVCDecoderConfigurationRecord. Audio: format byte, AAC packet type, then a raw frame or the AudioSpecificConfig.
 */
export function mediaEventOf(tag: FlvTag): MediaEvent | null {
  const d = tag.data;
  if (tag.type === "video") {
    if (d.length < 5 || (d[0]! & 0x0f) !== FlvVideoCodec.avc) return null;
    if (d[0]! >> 4 === VIDEO_INFO_FRAME) return null;
    if (isSequenceHeader(tag)) return { kind: "video-config", config: { codec: "h264", avcC: d.subarray(5) } };
    if (d[1] !== AvcPacket.nalu) return null;
    const pts = tag.timestamp + d.readIntBE(2, 3);
    return { kind: "video", dts: tag.timestamp, pts, keyframe: isKeyframe(tag), data: d.subarray(5) };
  }
  if (tag.type === "audio") {
    if (d.length < 2 || d[0]! >> 4 !== FlvAudioFormat.aac) return null;
    if (isSequenceHeader(tag)) return { kind: "audio-config", config: { codec: "aac", asc: d.subarray(2) } };
    if (d[1] !== AacPacket.raw) return null;
    return { kind: "audio", dts: tag.timestamp, data: d.subarray(2) };
  }
  return null;
}

/** The tracks onMetaData announces by codec id; null when it names none. */
export function announcedTracks(metadata: Amf0Object | null): AnnouncedTracks | null {
  const video = metadata !== null && metadata.videocodecid !== undefined && metadata.videocodecid !== false;
  const audio = metadata !== null && metadata.audiocodecid !== undefined && metadata.audiocodecid !== false;
  return video || audio ? { audio, video } : null;
}
