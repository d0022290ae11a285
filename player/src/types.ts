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
  /** The button offering a recording once the show has ended. */
  watchReplay: string;
  /** Members-only stream, viewer not signed in. */
  membersOnly: string;
  logIn: string;
  /** Signed in but not in the stream's groups; %{group} is replaced by the group names. */
  groupOnly: string;
  seeGroup: string;
  /** The quality menu's button (its accessible name). */
  quality: string;
  /** Quality chosen by measured bandwidth. */
  qualityAuto: string;
  /** The performer's own stream, the top rendition. */
  qualitySource: string;
}

/** A recording the theme chose as a replay of this show (from recordings.json, newest first). */
export interface ReplayChoice {
  id: string;
  startedAt: string;
  durationS: number;
  /** Its VOD playlist, relative to recordings.json (as the ingest lists it). */
  playlist: string;
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
  /**
   * Replays: once the show has ended (or before the next one), the player reads the stream's
   * recordings.json and offers what this returns ("Watch the replay"), playing it in place; it goes
   * back to live by itself when the performer returns. Absent: no replays are offered.
   */
  selectReplays?: (recordings: unknown) => ReplayChoice[] | Promise<ReplayChoice[]>;
  /** The text under "Watch the replay", e.g. "3 Dec 2026, 20:00 · 1:02:05". */
  formatReplay?: (replay: ReplayChoice) => string;
  /** video.js control texts of the replay (Play, Pause, Fullscreen...) in the reader's language. */
  replayControlTexts?: Record<string, string>;
}

/** A recording, played as an ordinary video (seek bar, time, duration). */
export interface ReplayOptions {
  /** The recording's VOD playlist, absolute or relative to the page. */
  playlistUrl: string;
  /** Start playing at once (after the viewer chose the replay); default false. */
  autoplay?: boolean;
  /** video.js control texts in the reader's language, e.g. { Play, Pause, Mute, Unmute, Fullscreen, "Non-Fullscreen" }. */
  controlTexts?: Record<string, string>;
  /**
   * A members-only stream's recording (its status.json says `"access"` other than "public"): every request
   * carries the viewer's session cookie. Needs the ingest's --allow-origin to be the forum's origin.
   */
  withCredentials?: boolean;
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
  | { ok: true; state: StreamState; viewers: number | null; /** Absent: public. */ access?: "public" | "members" | "groups" }
  | { ok: false; reason: string };
