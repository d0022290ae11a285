// What the HTTP server reads from the stream registry. The registry (streams/) implements these
// interfaces; http/ never writes to it and never sees RTMP, ffmpeg or the packager directly.

/** The status JSON of one stream (DESIGN.md), as served by /live/status.json and /live/<stream>/status.json. */
export interface StreamStatus {
  name: string;
  live: boolean;
  /** ISO 8601 time the current (or last) publish started; null if never published since the ingest started. */
  startedAt: string | null;
  /** Distinct players that sent a heartbeat in the last 30 s (filled in by the HTTP server). */
  viewers: number;
  video: VideoStatus | null;
  audio: AudioStatus | null;
  warnings: StreamWarning[];
  /** Playlist URL relative to the status document's own URL ("<stream>/index.m3u8" or "index.m3u8"). */
  playlist: string;
}

export interface VideoStatus {
  codec: string; // RFC 6381, e.g. "avc1.64001f"
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  keyframeIntervalS: number | null;
}

export interface AudioStatus {
  codec: string; // e.g. "mp4a.40.2"
  sampleRate: number | null;
  channels: number | null;
  bitrateKbps: number | null;
}

/** `code` is stable (the theme localizes it), `message` is English for logs and the preview page. */
export interface StreamWarning {
  code: string;
  message: string;
}

/** The part of the status the registry knows; `viewers` and `playlist` are added by the HTTP server. */
export type StreamStatusCore = Omit<StreamStatus, "viewers" | "playlist">;

/** Where the LL-HLS media of a stream stands right now. */
export interface MediaState {
  /** Media sequence number of the newest segment that has at least one part (the segment being cut). */
  lastMsn: number;
  /** Index of the newest part of that segment. */
  lastPart: number;
  /** The playlist carries EXT-X-ENDLIST: blocking directives are ignored. */
  ended: boolean;
  /** EXT-X-TARGETDURATION, seconds. */
  targetDurationS: number;
  /** EXT-X-PART-INF PART-TARGET, seconds. */
  partTargetS: number;
}

export type SkipDirective = "YES" | "v2";

export interface LiveStreamView {
  readonly name: string;
  status(): StreamStatusCore;
  /** undefined until the first part of the stream exists. */
  mediaState(): MediaState | undefined;
  /** The media playlist as it is now (only called when mediaState() is defined). */
  playlist(options: { skip?: SkipDirective }): string;
  getInit(id: number): Uint8Array | undefined;
  getSegment(msn: number): Uint8Array | undefined;
  getPart(msn: number, part: number): Uint8Array | undefined;
  /**
   * Calls `listener` (synchronously, no arguments) after every change of the media: a new init,
   * part or segment, or the end of the playlist. Returns the unsubscribe function. Held requests
   * re-check their condition on each call, so spurious calls are harmless.
   */
  onChange(listener: () => void): () => void;
}

export interface StreamDirectory {
  /** The stream with this public name, if the registry knows it (live, starting, or recently ended). */
  get(name: string): LiveStreamView | undefined;
  list(): LiveStreamView[];
}

export const emptyDirectory: StreamDirectory = {
  get: () => undefined,
  list: () => [],
};
