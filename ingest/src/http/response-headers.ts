import type { OutgoingHttpHeaders } from "node:http";

export const contentTypes = {
  playlist: "application/vnd.apple.mpegurl",
  // video/mp4 for init, parts and segments alike: MSE players ignore the type, Safari's native player
  // and every CDN know video/mp4, while video/iso.segment is rarer in proxy and compression configs.
  media: "video/mp4",
  json: "application/json; charset=utf-8",
  html: "text/html; charset=utf-8",
  javascript: "text/javascript; charset=utf-8",
  text: "text/plain; charset=utf-8",
} as const;

/**
 * Cache-Control per kind of response, for the CDN or proxy cache in front of /live.
 * - A playlist without delivery directives changes with every part; max-age=1 is the shortest
 *   non-zero lifetime, so a cache collapses joins to one origin request per second while a player
 *   starts at most a second behind and catches up with its first blocking reload.
 * - A blocking or delta reload URL names the msn/part it waits for, and its answer is the playlist
 *   as it was when that part appeared: one second lets a cache answer every viewer asking around that
 *   moment, while a viewer asking later (it joined from an older playlist, or its phone is slow) soon
 *   gets a fresh answer listing every newer part; kept longer, that viewer would be handed one old
 *   snapshot after another and stay behind live for the whole show.
 * - Init, part and segment URLs never change content once they exist; nor do a recording's segments and MP4.
 * - A recording's VOD playlist (ended) only changes if the recording is deleted: five minutes. While
 *   recording it is an EVENT playlist that grows with each segment, like a live one.
 * - Status JSON: one second, so polling players cost the origin one request per second per cache.
 * - The preview page's scripts change only with upgrades; the page (revalidated every time) names their
 *   content version in the URL, so a new page never runs an old script.
 * - A 503 after a held request timed out (stalled or starting stream): until its Retry-After, so
 *   the viewers waiting on that URL behind a cache cost the origin one request, not one each.
 *   Other errors are never stored.
 */
export const cacheControl = {
  playlist: "public, max-age=1",
  endedPlaylist: "public, max-age=300",
  blockingPlaylist: "public, max-age=1",
  media: "public, max-age=31536000, immutable",
  status: "public, max-age=1",
  page: "no-cache",
  script: "public, max-age=300",
  redirect: "public, max-age=86400",
  none: "no-store",
  retryLater: (retryAfterS: number) => `public, max-age=${retryAfterS}`,
} as const;

/**
 * Headers every /live response carries, so browsers on the forum's origin can read them. With
 * `credentials` (viewers sign in, and the origin is the forum's exact origin, never "*") the player's
 * requests may carry the session cookie.
 */
export function corsHeaders(allowOrigin: string, credentials = false): OutgoingHttpHeaders {
  return {
    "Access-Control-Allow-Origin": allowOrigin,
    ...(credentials ? { "Access-Control-Allow-Credentials": "true" } : {}),
    // Age and Date let hls.js-style players estimate playlist freshness; the rest are needed for Range and retries.
    "Access-Control-Expose-Headers": "Age, Content-Length, Content-Range, Date, Retry-After",
  };
}

export function preflightHeaders(allowOrigin: string, credentials = false): OutgoingHttpHeaders {
  return {
    ...corsHeaders(allowOrigin, credentials),
    "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Range",
    "Access-Control-Max-Age": "86400",
    "Cache-Control": cacheControl.redirect,
  };
}

export const commonHeaders: OutgoingHttpHeaders = {
  "X-Content-Type-Options": "nosniff",
};
