// What the HTTP server reads from the stream registry. The registry (streams/) implements these
// interfaces; http/ never writes to it and never sees RTMP, ffmpeg or the packager directly.
import type { MultivariantEntry } from "../hls/multivariant-writer.js";

/**
 * offline: nothing published (unknown stream, or a publisher whose media has not arrived yet);
 * live: a publisher is attached and parts are flowing; reconnecting: the publisher left (or came
 * back without media yet) within the grace period, the playlist continues; ended: EXT-X-ENDLIST.
 */
export type StreamState = "offline" | "live" | "reconnecting" | "ended";

/** The status JSON of one stream (DESIGN.md), as served by /live/status.json and /live/<stream>/status.json. */
export interface StreamStatus {
  name: string;
  state: StreamState;
  /** state === "live". */
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
  /** Who may watch (filled in by the HTTP server): media of "members" and "groups" streams need a forum sign-in. */
  access: "public" | "members" | "groups";
  /** The source first, then each transcoded rendition (`playlist` filled in by the HTTP server). */
  renditions: RenditionStatus[];
}

/**
 * One rendition of a stream. state: "source" (the publisher's media as sent), or a transcoder's: "waiting"
 * (for a slot under --max-transcodes), "starting"
 * (ffmpeg launched, no part yet), "running", "restarting" (crashed or fell behind; restarted after a backoff),
 * "dropped" (given up: see `reason`).
 */
export interface RenditionStatus {
  name: string;
  state: "source" | "waiting" | "starting" | "running" | "restarting" | "dropped";
  width: number | null;
  height: number | null;
  /** Measured (audio + video) over the last segments, else the target. */
  bitrateKbps: number | null;
  /** The transcoder keeps up with real time (null: the source, or not running). */
  realTime: boolean | null;
  reason?: string;
  /** Its media playlist, relative like StreamStatus.playlist ("<stream>/<name>/index.m3u8"). */
  playlist: string;
}

/** Rendition names, also URL folders (`/live/<stream>/<name>/index.m3u8`): "source" or a height like "480p". */
export const RENDITION_NAME_PATTERN = /^(source|[1-9][0-9]{2,3}p)$/;

/** What one EXT-X-STREAM-INF of the multivariant playlist says; `name`: the rendition, also its URL folder (`<name>/index.m3u8`). */
export type Variant = Omit<MultivariantEntry, "uri"> & { name: string };

interface VideoStatus {
  codec: string; // RFC 6381, e.g. "avc1.64001f"
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  keyframeIntervalS: number | null;
  /** Frames missing from the last 10 s of video (gaps in the timestamps: OBS skipped or dropped them). */
  droppedFrames: number | null;
}

interface AudioStatus {
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
export type StreamStatusCore = Omit<StreamStatus, "viewers" | "playlist" | "access" | "renditions"> & {
  renditions: Omit<RenditionStatus, "playlist">[];
};

/** Where the next part of a stream will go: the part EXT-X-PRELOAD-HINT announces. */
export interface PartPosition {
  msn: number;
  part: number;
}

/**
 * A blocking playlist request for msn/part (part undefined: `_HLS_msn` alone, the whole segment):
 * "ready" = the playlist already satisfies it; "pending" = worth waiting for; "too-far" = beyond what
 * RFC 8216bis lets a client ask (400); "gone" = older than anything retained (answer at once).
 */
export type BlockingClass = "ready" | "pending" | "too-far" | "gone";
export type WaitOutcome = "ready" | "timeout" | "ended";

/** One media playlist and its resources: exactly public methods of hls/ LlHlsPackager. */
export interface MediaPlaylistView {
  /** The playlist carries EXT-X-ENDLIST: blocking directives are then ignored. */
  readonly ended: boolean;
  /** The media playlist, or null before the first part. */
  playlist(options: { skip?: boolean }): string | null;
  /** The same as UTF-8 bytes (what HTTP sends). */
  playlistBytes(options: { skip?: boolean }): Uint8Array | null;
  position(): PartPosition;
  classify(msn: number, part?: number): BlockingClass;
  /**
   * Resolves "ready" once classify(msn, part) is "ready" or "gone", "ended" when the stream ends first,
   * "timeout" after timeoutMs or when `signal` aborts.
   */
  waitFor(msn: number, part: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome>;
  /** How long to hold a blocking request before 503: three target durations (RFC 8216bis 6.2.5.2). */
  blockingTimeoutMs(): number;
  getInit(id: number): Uint8Array | undefined;
  getSegment(msn: number): Uint8Array | undefined;
  getPart(msn: number, part: number): Uint8Array | undefined;
}

/** One stream as HTTP sees it: its source rendition's media playlist, its status and its renditions. */
export interface LiveStreamView extends MediaPlaylistView {
  readonly name: string;
  status(): StreamStatusCore;
  /** Null: index.m3u8 is the source's media playlist; else index.m3u8 is a multivariant playlist of these. */
  variants(): Variant[] | null;
  /** A rendition's media playlist by name (the source included), while the stream has it. */
  rendition(name: string): MediaPlaylistView | undefined;
}

export interface StreamDirectory {
  /** The stream with this public name, if the registry knows it (live, starting, or recently ended). */
  get(name: string): LiveStreamView | undefined;
  list(): LiveStreamView[];
}
