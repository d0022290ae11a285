import type { PartPosition } from "../streams/stream-view.js";

// LL-HLS delivery directives (RFC 8216bis 6.2.5), parsed strictly.

type SkipDirective = "YES" | "v2";

interface PlaylistQuery {
  msn?: number;
  part?: number;
  skip?: SkipDirective;
}

type QueryResult = { ok: true; value: PlaylistQuery } | { ok: false; error: string };

const decimalInteger = /^(0|[1-9][0-9]{0,14})$/;

/** `search` is the raw query string without "?". Other parameters (cache busters, future _HLS_ ones) are ignored. */
export function parsePlaylistQuery(search: string): QueryResult {
  const params = new URLSearchParams(search);
  const value: PlaylistQuery = {};
  for (const name of ["_HLS_msn", "_HLS_part", "_HLS_skip"]) {
    if (params.getAll(name).length > 1) return { ok: false, error: `${name} given more than once` };
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

/**
 * Whether a part that does not exist yet is the next one to appear, so a request for it is worth holding:
 * the hinted position, or part 0 of the following segment (a keyframe may start one instead).
 */
export function isNextPart(msn: number, part: number, next: PartPosition): boolean {
  return (msn === next.msn && part === next.part) || (msn === next.msn + 1 && part === 0 && next.part > 0);
}
