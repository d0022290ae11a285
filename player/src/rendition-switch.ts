import type { MediaPlaylistLike, PlaylistPart, PlaylistSegment } from "./live-start.js";

/** A part as VHS keeps it: `start` (player time) is set once VHS has appended it. */
export interface TimedPart extends PlaylistPart {
  start?: number;
}

/** A segment as VHS keeps it: `start` is the earliest start of what VHS appended of it, not always its own. */
export interface TimedSegment extends PlaylistSegment {
  start?: number;
  parts?: TimedPart[];
}

export interface TimedPlaylist extends MediaPlaylistLike {
  segments: TimedSegment[];
}

/** Player time of segment `index`'s start, from the newest appended part (or whole segment) VHS timed. */
function anchor(segments: readonly TimedSegment[]): { index: number; start: number } | null {
  for (let i = segments.length - 1; i >= 0; i--) {
    const parts = segments[i]!.parts ?? [];
    let offset = parts.reduce((sum, part) => sum + part.duration, 0);
    for (let j = parts.length - 1; j >= 0; j--) {
      offset -= parts[j]!.duration;
      const start = parts[j]!.start;
      if (typeof start === "number") return { index: i, start: start - offset };
    }
    const start = segments[i]!.start;
    if (parts.length === 0 && typeof start === "number") return { index: i, start };
  }
  return null;
}

/**
 * Player times of the keyframes a playlist announces (segment starts whose first part is INDEPENDENT,
 * INDEPENDENT parts, and where the next segment will start), placed from what VHS has appended; []
 * before it has appended anything.
 */
export function keyframeTimes(playlist: TimedPlaylist): number[] {
  const placed = anchor(playlist.segments);
  if (!placed) return [];
  let start = placed.start;
  for (let i = placed.index - 1; i >= 0; i--) start -= playlist.segments[i]!.duration;
  const times: number[] = [];
  const startsOnKeyframe = (segment: TimedSegment) =>
    playlist.independentSegments || !segment.parts?.length || segment.parts[0]!.independent;
  for (const segment of playlist.segments) {
    const parts = segment.parts ?? [];
    if (startsOnKeyframe(segment)) times.push(start);
    let partStart = start;
    parts.forEach((part, index) => {
      if (index > 0 && part.independent) times.push(partStart);
      partStart += part.duration;
    });
    start += segment.duration;
  }
  // The next segment is not listed until its first part is, which the player then fetches at once, so
  // a buffer ending on its start is seldom seen with it listed. In a stream whose segments all start on
  // a keyframe (the ingest cuts them there) the last complete segment's end is one; so is the end of
  // the one in progress when the complete ones all last the same (a steady keyframe interval).
  const last = playlist.segments.at(-1);
  if (last && playlist.segments.every(startsOnKeyframe)) {
    if (!last.preload) {
      times.push(start);
    } else {
      const complete = playlist.segments.slice(0, -1).map((segment) => segment.duration);
      const steady = complete.length >= 2 && complete.slice(-3).every((d) => Math.abs(d - complete.at(-1)!) < 0.005);
      if (steady) times.push(start - last.duration + complete.at(-1)!);
    }
  }
  return times;
}

/**
 * Whether an LL-HLS stream may switch rendition now without a frozen picture: when the buffer ends on
 * a keyframe, so the first part loaded from the next rendition (at the buffered end) starts with one.
 * Elsewhere the browser would drop the new rendition's frames until its next keyframe (a new init
 * segment resets the decoder), up to a GOP of frozen picture. Renditions' keyframes are aligned (the
 * ingest cuts every rendition at the source's keyframes), so the current playlist's are the next one's.
 */
export function bufferEndsOnKeyframe(keyframes: readonly number[], bufferedEnd: number): boolean {
  // MSE's buffered end is the shorter track's: audio may stop up to an AAC frame (21 ms) off the video
  return keyframes.some((time) => Math.abs(time - bufferedEnd) <= 0.04);
}
