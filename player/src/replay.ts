// A recording played as an ordinary video: seek bar, current time / duration, pause, volume, fullscreen.
// None of the live player's machinery (status polling, live edge, heartbeat): a VOD playlist needs none.
import videojsImport from "video.js";
import "./vhs.js";
import { hasMse } from "./engine.js";
import { ensureStyles } from "./style-injection.js";
import type { PlayerHandle, ReplayOptions } from "./types.js";

const videojs = videojsImport as unknown as typeof videojsImport.default;

function validate(element: unknown, options: unknown): asserts options is ReplayOptions {
  if (!element || (element as Node).nodeType !== 1) throw new TypeError("LiveShowsPlayer.mountReplay: element must be an HTMLElement");
  const { playlistUrl } = (options ?? {}) as Partial<ReplayOptions>;
  if (typeof playlistUrl !== "string" || playlistUrl.trim() === "")
    throw new TypeError("LiveShowsPlayer.mountReplay: playlistUrl is required");
}

export function mountReplay(element: HTMLElement, options: ReplayOptions): PlayerHandle {
  validate(element, options);
  const doc = element.ownerDocument;
  ensureStyles(doc);
  const root = doc.createElement("div");
  root.className = "live-show-player live-show-player--replay";
  const video = doc.createElement("video");
  video.className = "video-js";
  root.append(video);
  element.append(root);
  const usesMse = hasMse();
  const language = (doc.documentElement.lang || "en").toLowerCase();
  const player = videojs(video, {
    controls: true,
    autoplay: options.autoplay === true,
    preload: "auto",
    fill: true,
    playsinline: true,
    textTrackSettings: false,
    noUITitleAttributes: true,
    language,
    languages: { [language]: options.controlTexts ?? {} },
    controlBar: {
      children: [
        "playToggle",
        "volumePanel",
        "currentTimeDisplay",
        "timeDivider",
        "durationDisplay",
        "progressControl",
        "pictureInPictureToggle",
        "fullscreenToggle",
      ],
    },
    html5: {
      vhs: { overrideNative: usesMse },
      nativeAudioTracks: !usesMse,
      nativeVideoTracks: !usesMse,
    },
  });
  player.src({
    src: new URL(options.playlistUrl, doc.baseURI).href,
    type: "application/x-mpegURL",
    withCredentials: options.withCredentials === true,
  });
  let destroyed = false;
  return {
    destroy() {
      if (destroyed) return;
      destroyed = true;
      player.dispose();
      root.remove();
    },
  };
}
