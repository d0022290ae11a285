import type { MediaState, SkipDirective } from "./stream-directory.js";

// LL-HLS delivery directives (RFC 8216bis 6.2.5): parsed strictly, classified against the media state.

export interface PlaylistQuery {
  msn?: number;
  part?: number;
  skip?: SkipDirective;
}

export type QueryResult = { ok: true; value: PlaylistQuery } | { ok: false; error: string };

const decimalInteger = /^(0|[1-9][0-9]{0,14})$/;

/** `search` is the raw query string without "?". Other parameters (cache busters, future _HLS_ ones) are ignored. */
export function parsePlaylistQuery(search: string): QueryResult {
  const params = new URLSearchParams(search);
  const value: PlaylistQuery = {};
  for (const name of ["_HLS_msn", "_HLS_part", "_HLS_skip"]) {
    const all = params.getAll(name);
    if (all.length > 1) return { ok: false, error: `${name} given more than once` };
  }
  const msn = params.get("_HLS_msn");
  const part = params.get("_HLS_part");
  const skip = params.get("_HLS_skip");
  if (msn !== null) {
    if (!decimalInteger.test(msn)) return { ok: false, error: "_HLS_msn must be a decimal integer" };
    value.msn = Number(msn);
  }
  if (part !== null) {
    if (!decimalInteger.test(part)) return { ok: false, error: "_HLS_part must be a decimal integer" };
    if (msn === null) return { ok: false, error: "_HLS_part requires _HLS_msn" };
    value.part = Number(part);
  }
  if (skip !== null) {
    if (skip !== "YES" && skip !== "v2") return { ok: false, error: "_HLS_skip must be YES or v2" };
    value.skip = skip;
  }
  return { ok: true, value };
}

export type Readiness = "ready" | "pending" | "too-far";

/** How many parts ahead of the newest one a client may ask for (RFC 8216bis 6.2.5.2). */
export function advancePartLimit(partTargetS: number): number {
  return partTargetS < 1 ? Math.floor(3 / partTargetS) : 3;
}

/**
 * Whether the playlist already satisfies a blocking reload for `msn` (and `part`), will later, or the
 * request is too far ahead (answer 400 at once). `_HLS_msn` alone waits for the whole segment. A part
 * index past the end of its segment means part 0 of the next one, so any request for a segment older
 * than the newest is ready. The distance to a future segment's part is counted as its lower bound, so
 * a legitimate request is never refused; the segment limit counts the segment being cut as the last one.
 */
export function readiness(msn: number, part: number | undefined, state: MediaState): Readiness {
  if (state.ended) return "ready";
  if (msn > state.lastMsn + 2) return "too-far";
  if (part === undefined) return msn < state.lastMsn ? "ready" : "pending";
  if (msn < state.lastMsn) return "ready";
  const limit = advancePartLimit(state.partTargetS);
  if (msn === state.lastMsn) {
    if (part <= state.lastPart) return "ready";
    return part - state.lastPart > limit ? "too-far" : "pending";
  }
  const minimumAhead = part + 1 + (msn - state.lastMsn - 1);
  return minimumAhead > limit ? "too-far" : "pending";
}

/** Whether a part file not present yet is the next one to appear (announced by EXT-X-PRELOAD-HINT): then it is worth holding. */
export function isNextPart(msn: number, part: number, state: MediaState): boolean {
  if (state.ended) return false;
  return (msn === state.lastMsn && part === state.lastPart + 1) || (msn === state.lastMsn + 1 && part === 0);
}
