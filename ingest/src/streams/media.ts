// Codec-level media: what an ingest adapter (rtmp/, later srt/) hands to the stream hub. No protocol or
// container type appears here, so a second protocol feeds the same hub, muxer and packager.

/** H.264 decoder configuration: the AVCDecoderConfigurationRecord, as it goes into `avcC`. */
export interface VideoConfig {
  codec: "h264";
  avcC: Buffer;
}

/** AAC decoder configuration: the AudioSpecificConfig, as it goes into `esds`. */
export interface AudioConfig {
  codec: "aac";
  asc: Buffer;
}

/** One video access unit. Times in milliseconds on the publisher's clock (fractions allowed). */
export interface VideoFrame {
  kind: "video";
  dts: number;
  /** Presentation time; pts - dts is the composition offset (B-frames). */
  pts: number;
  keyframe: boolean;
  /** NAL units, each with a 4-byte big-endian length prefix (AVCC). */
  data: Buffer;
}

/** One raw AAC frame (1024 samples). Time in milliseconds on the publisher's clock. */
export interface AudioFrame {
  kind: "audio";
  dts: number;
  data: Buffer;
}

export type MediaFrame = VideoFrame | AudioFrame;

/** What a source emits, in arrival order: a config precedes the frames it describes, and may change mid-stream. */
export type MediaEvent = { kind: "video-config"; config: VideoConfig } | { kind: "audio-config"; config: AudioConfig } | MediaFrame;
