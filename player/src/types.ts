/** What the viewer sees; the theme receives it through `onStateChange`. */
export type PlayerState = "loading" | "offline" | "live" | "reconnecting" | "ended" | "error";

/** Every visible string of the player. */
export interface Labels {
  loading: string;
  offline: string;
  live: string;
  reconnecting: string;
  ended: string;
  error: string;
  unmute: string;
  goLive: string;
  play: string;
}

export interface MountOptions {
  /** Public base of the ingest's /live, e.g. "https://forum.example/live" (trailing slash optional). */
  baseUrl: string;
  /** Public stream name (never the performer's key). */
  stream: string;
  /** Muted autoplay; default true. */
  autoplay?: boolean;
  /** LL-HLS (parts, blocking reload) near the live edge; false: plain HLS further back. Default true. */
  lowLatency?: boolean;
  /** Show the viewer count next to the LIVE mark; default true. */
  showViewers?: boolean;
  labels?: Partial<Labels>;
  formatViewers?: (count: number) => string;
  onStateChange?: (state: PlayerState) => void;
}

/** A recording, played as an ordinary video (seek bar, time, duration). */
export interface ReplayOptions {
  /** The recording's VOD playlist, absolute or relative to the page. */
  playlistUrl: string;
  /** Start playing at once (after the viewer chose the replay); default false. */
  autoplay?: boolean;
  /** video.js control texts in the reader's language, e.g. { Play, Pause, Mute, Unmute, Fullscreen, "Non-Fullscreen" }. */
  controlTexts?: Record<string, string>;
}

export interface PlayerHandle {
  destroy(): void;
}

export interface LiveShowsPlayerApi {
  version: string;
  mount(element: HTMLElement, options: MountOptions): PlayerHandle;
  mountReplay(element: HTMLElement, options: ReplayOptions): PlayerHandle;
}

/** The stream states the ingest reports in status.json. */
export type StreamState = "offline" | "live" | "reconnecting" | "ended";

/** One answer of status.json, reduced to what the player uses. */
export type StatusResult =
  | { ok: true; state: StreamState; viewers: number | null }
  | { ok: false; reason: string };
