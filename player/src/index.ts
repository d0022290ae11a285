import { mount } from "./controller.js";
import { mountReplay } from "./replay.js";
import type { LiveShowsPlayerApi } from "./types.js";

declare global {
  interface Window {
    LiveShowsPlayer?: LiveShowsPlayerApi;
  }
}

const api: LiveShowsPlayerApi = Object.freeze({ version: __LIVE_SHOWS_PLAYER_VERSION__, mount, mountReplay });

// loaded twice (two theme versions during a deploy): the first copy stays, its players keep working
if (!window.LiveShowsPlayer) window.LiveShowsPlayer = api;
