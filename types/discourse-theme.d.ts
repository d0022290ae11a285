// Hand-written because @discourse/types (tsconfig.theme.json) lacks them: the globals Discourse's theme
// compiler injects into every module under javascripts/ (declared, never imported), typed after this
// theme's settings.yml and about.json assets, and the player bundle's window global.

// The player's API (window.LiveShowsPlayer, assets/live-player.js) is declared once, in player/src/types.ts.
import type { LiveShowsPlayerApi } from "../player/src/types";

export interface ShowStreamRow {
  /** tag names (objects setting, property type "tags") */
  tags: string[];
  stream: string;
}

export interface LiveShowsSettings {
  ingest_base_url: string;
  show_streams: ShowStreamRow[];
  autoplay_muted: boolean;
  low_latency: boolean;
  show_viewer_count: boolean;
  live_badge_in_topic_lists: boolean;
  docked_mini_player: boolean;
  live_now_notice: boolean;
  show_replays: boolean;
  offline_text: string;
  ended_text: string;
  /** about.json assets by name; URL possibly on the CDN */
  theme_uploads: { live_player?: string };
  /** same-origin /theme-javascripts/<digest>.js URL, for .js assets only */
  theme_uploads_local: { live_player?: string };
}

declare global {
  const settings: LiveShowsSettings;
  function themePrefix(key: string): string;
  interface Window {
    LiveShowsPlayer?: LiveShowsPlayerApi;
  }
}
