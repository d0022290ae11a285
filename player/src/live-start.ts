/**
 * The subset of a VHS media playlist (m3u8-parser output as merged by VHS) the start logic reads.
 * VHS appends the in-progress segment (EXT-X-PARTs after the last EXTINF) to `segments` with
 * `preload: true` and `duration = targetDuration`.
 */
export interface PlaylistPart {
  duration: number;
  independent?: boolean;
}

export interface PlaylistSegment {
  duration: number;
  parts?: PlaylistPart[];
  preload?: boolean;
}

export interface MediaPlaylistLike {
  targetDuration: number;
  partTargetDuration?: number;
  endList?: boolean;
  independentSegments?: boolean;
  segments: PlaylistSegment[];
  serverControl?: { partHoldBack?: number; holdBack?: number };
}

/** How far behind the end VHS starts a live stream (its own rule, restated for our start and catch-up). */
export function liveEdgeDelay(playlist: MediaPlaylistLike): number {
  if (playlist.endList) return 0;
  const hasParts = playlist.segments.some((segment) => (segment.parts?.length ?? 0) > 0);
  if (hasParts && playlist.serverControl?.partHoldBack) return playlist.serverControl.partHoldBack;
  if (hasParts && playlist.partTargetDuration) return playlist.partTargetDuration * 3;
  if (playlist.serverControl?.holdBack) return playlist.serverControl.holdBack;
  return playlist.targetDuration * 3;
}

export interface LiveStart {
  /** Negative offset from VHS's idea of the playlist end, for `media.start.timeOffset`. */
  timeOffset: number;
  /** Seconds between the chosen start and the real end of the newest part. */
  behindEdge: number;
  /**
   * Seconds until a newer keyframe, already listed but still too close to the edge, is far enough
   * back to start on (as media arrives in real time); null when there is none.
   */
  newerKeyframeInS: number | null;
}

/**
 * Chooses where a joining viewer starts: the newest point that begins with a keyframe (an
 * INDEPENDENT part, or a segment start) at least `liveEdgeDelay` behind the real edge.
 * VHS alone starts at a fixed distance from an end it overestimates (it counts the in-progress
 * segment as a whole TARGETDURATION), so it usually lands on a non-independent part, often one that
 * does not exist yet: the picture then waits for the next keyframe.
 */
export function chooseLiveStart(playlist: MediaPlaylistLike): LiveStart | null {
  if (playlist.endList || playlist.segments.length === 0) return null;
  const candidates: number[] = [];
  let realEnd = 0;
  let vhsEnd = 0;
  for (const segment of playlist.segments) {
    const parts = segment.parts ?? [];
    const segmentStart = realEnd;
    const segmentIndependent = playlist.independentSegments || parts.length === 0 || parts[0]?.independent === true;
    if (segmentIndependent && !(segment.preload && parts.length === 0)) candidates.push(segmentStart);
    let partStart = segmentStart;
    for (const part of parts) {
      if (part.independent) candidates.push(partStart);
      partStart += part.duration;
    }
    realEnd = segment.preload ? partStart : segmentStart + segment.duration;
    vhsEnd += segment.duration;
  }
  const minBehind = liveEdgeDelay(playlist);
  // float sums of durations: allow a millisecond of rounding
  const eligible = candidates.filter((time) => realEnd - time >= minBehind - 0.001);
  if (eligible.length === 0) return null;
  const start = Math.max(...eligible);
  const newer = Math.max(...candidates);
  const newerKeyframeInS = newer > start ? minBehind - (realEnd - newer) : null;
  return { timeOffset: start - vhsEnd, behindEdge: realEnd - start, newerKeyframeInS };
}

/**
 * Whether a joining viewer should wait for the next playlist refresh instead of starting now: when a
 * newer keyframe becomes a start point within `maxWaitS` and starting there saves more latency than the
 * wait costs (otherwise the player spends many seconds catching up at a faster rate, which Chromium
 * pays for with the odd dropped frame).
 */
export function worthWaitingForNewerKeyframe(start: LiveStart, minBehind: number, maxWaitS: number): boolean {
  const wait = start.newerKeyframeInS;
  if (wait === null || wait > maxWaitS) return false;
  return start.behindEdge - minBehind > wait;
}
