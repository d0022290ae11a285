// FLV, the container the ffmpeg remuxer reads on stdin: media events written back as FLV tags
// (H.264 as AVC packets, AAC as AAC packets), the way an RTMP publisher would have sent them.
import type { AnnouncedTracks } from "../streams/publish-source.js";
import type { MediaEvent } from "../streams/media.js";

export interface FlvTag {
  type: "audio" | "video" | "script";
  /** Decode timestamp in ms (written modulo 2^32). */
  timestamp: number;
  /** The tag body. */
  data: Buffer;
}

const TAG_TYPE_ID: Record<FlvTag["type"], number> = { audio: 8, video: 9, script: 18 };
const AVC = 7;
/** AAC, 44.1 kHz, 16-bit, stereo: what every AAC tag header says (decoders read the AudioSpecificConfig). */
const AAC_TAG_HEADER = 0xaf;

/** The 9-byte FLV header followed by PreviousTagSize0 (4 zero bytes): what precedes the first tag. */
export function encodeFlvHeader(streams: { audio: boolean; video: boolean }): Buffer {
  const b = Buffer.alloc(13);
  b.write("FLV", 0, "ascii");
  b[3] = 1;
  b[4] = (streams.audio ? 0x04 : 0) | (streams.video ? 0x01 : 0);
  b.writeUInt32BE(9, 5);
  return b;
}

/** One tag: 11-byte tag header, body, then its PreviousTagSize. */
export function encodeFlvTag(tag: FlvTag): Buffer {
  const size = tag.data.length;
  if (size > 0xffffff) throw new RangeError(`FLV tag body of ${size} bytes exceeds 16 MiB`);
  const ts = tag.timestamp >>> 0;
  const b = Buffer.alloc(11 + size + 4);
  b[0] = TAG_TYPE_ID[tag.type];
  b.writeUIntBE(size, 1, 3);
  b.writeUIntBE(ts & 0xffffff, 4, 3);
  b[7] = ts >>> 24;
  tag.data.copy(b, 11);
  b.writeUInt32BE(11 + size, 11 + size);
  return b;
}

/** FLV header flags: ffmpeg stops probing once every flagged stream has shown up; unknown -> both. */
export function flvStreams(tracks: AnnouncedTracks | null): { audio: boolean; video: boolean } {
  return tracks && (tracks.audio || tracks.video) ? tracks : { audio: true, video: true };
}

/** The FLV tag of a media event; configurations carry no time of their own and get `timestamp`. */
export function flvTagOf(event: MediaEvent, timestamp: number): FlvTag {
  switch (event.kind) {
    case "video-config":
      return { type: "video", timestamp, data: Buffer.concat([Buffer.from([0x10 | AVC, 0, 0, 0, 0]), event.config.avcC]) };
    case "audio-config":
      return { type: "audio", timestamp, data: Buffer.concat([Buffer.from([AAC_TAG_HEADER, 0]), event.config.asc]) };
    case "video": {
      const head = Buffer.from([(event.keyframe ? 0x10 : 0x20) | AVC, 1, 0, 0, 0]);
      head.writeIntBE(Math.round(event.pts - event.dts), 2, 3);
      return { type: "video", timestamp: event.dts, data: Buffer.concat([head, event.data]) };
    }
    case "audio":
      return { type: "audio", timestamp: event.dts, data: Buffer.concat([Buffer.from([AAC_TAG_HEADER, 1]), event.data]) };
  }
}
