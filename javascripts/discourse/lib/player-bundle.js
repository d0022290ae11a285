import loadScript from "discourse/lib/load-script";

let pending = null;

/**
 * Loads assets/live-player.js (a classic script defining window.LiveShowsPlayer) at most once per
 * page; later calls reuse the global. A failed load is not cached, so the next show topic retries.
 *
 * @param {string | undefined} url settings.theme_uploads_local.live_player
 * @returns {Promise<NonNullable<Window["LiveShowsPlayer"]>>}
 */
export function loadPlayerBundle(url) {
  if (window.LiveShowsPlayer) {
    return Promise.resolve(window.LiveShowsPlayer);
  }
  if (!url) {
    return Promise.reject(
      new Error("Live Shows: the live_player asset is missing from the theme")
    );
  }
  pending ??= loadScript(url)
    .then(() => {
      const player = window.LiveShowsPlayer;
      if (typeof player?.mount !== "function") {
        throw new Error(
          "Live Shows: the player bundle did not define window.LiveShowsPlayer"
        );
      }
      return player;
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}
