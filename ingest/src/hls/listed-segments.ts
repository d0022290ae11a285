// The media playlist of a packager's listed segments: which old segments a delta update skips, which
// segments list their parts, the preload hint; the text itself comes from playlist-writer.ts.
import { type MediaPlaylistModel, type PlaylistSegment, renderMediaPlaylist } from "./playlist-writer.js";
import { initName, partName, segmentName } from "./resource-names.js";

export interface Part {
  duration: number;
  independent: boolean;
  bytes: Buffer;
}

export interface Segment {
  msn: number;
  initId: number;
  discontinuity: boolean;
  /** Discontinuity sequence number of this segment. */
  discSeq: number;
  programDateTime: number;
  parts: Part[];
  duration: number;
  /** Set when the segment is complete; parts then point into it. */
  bytes: Buffer | null;
  forcedCut: boolean;
}

export interface ListedSegmentsContext {
  targetDurationS: number;
  /** Null before the first part: no playlist yet. */
  partTargetS: number | null;
  /** Segments whose parts are listed, the open one included. */
  partSegments: number;
  /** Delta update (EXT-X-SKIP) where possible. */
  skipOld: boolean;
  ended: boolean;
  /** Where the next part goes (the preload hint). */
  next: { msn: number; part: number };
}

/** `listed`: the complete segments in the window, then the open one; null when there is nothing to list yet. */
export function renderListedSegments(listed: Segment[], c: ListedSegmentsContext): string | null {
  const partTarget = c.partTargetS;
  const first = listed[0];
  if (!first || partTarget === null) return null;

  let skipped = 0;
  if (c.skipOld) {
    const skipUntil = 6 * c.targetDurationS;
    const total = listed.reduce((sum, s) => sum + s.duration, 0);
    const partsFrom = listed.length - c.partSegments;
    let start = 0;
    // Never skip a segment carrying EXT-X-DISCONTINUITY: players count the tags they see to number
    // timelines, so a skipped tag would shift every later segment to the wrong timeline.
    for (const [i, seg] of listed.entries()) {
      if (seg.bytes === null || seg.discontinuity || i >= partsFrom || start + seg.duration > total - skipUntil) break;
      start += seg.duration;
      skipped++;
    }
  }

  const withParts = new Set(listed.slice(-c.partSegments));
  const segments: PlaylistSegment[] = listed.slice(skipped).map((seg) => ({
    ...(seg.bytes !== null ? { uri: segmentName(seg.msn) } : {}),
    duration: seg.duration,
    programDateTime: seg.programDateTime,
    discontinuity: seg.discontinuity,
    mapUri: initName(seg.initId),
    ...(withParts.has(seg)
      ? { parts: seg.parts.map((p, i) => ({ duration: p.duration, uri: partName(seg.msn, i), independent: p.independent })) }
      : {}),
  }));
  const model: MediaPlaylistModel = {
    targetDuration: c.targetDurationS,
    partTarget,
    mediaSequence: first.msn,
    // A tag on the first listed segment itself still counts (it stays until that segment leaves).
    discontinuitySequence: first.discSeq - (first.discontinuity ? 1 : 0),
    independentSegments: false,
    skippedSegments: skipped,
    segments,
    ...(c.ended ? {} : { preloadHintUri: partName(c.next.msn, c.next.part) }),
    ended: c.ended,
  };
  return renderMediaPlaylist(model);
}
