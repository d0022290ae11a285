// Renders an LL-HLS media playlist (RFC 8216bis) from a plain model. Pure: no clock, no I/O.

export interface PlaylistPart {
  /** Seconds. */
  duration: number;
  uri: string;
  independent: boolean;
}

export interface PlaylistSegment {
  /** Absent for the segment still being built: only its parts are listed. */
  uri?: string;
  /** Seconds (EXTINF); ignored for the open segment. */
  duration: number;
  /** Wall-clock time of the first sample, epoch ms. */
  programDateTime: number;
  discontinuity: boolean;
  /** Init segment (EXT-X-MAP) this segment needs. */
  mapUri: string;
  /** Parts to list; only for the last few segments. */
  parts?: PlaylistPart[];
}

export interface MediaPlaylistModel {
  /** Integer seconds, ≥ every EXTINF rounded to the nearest integer. */
  targetDuration: number;
  /** Seconds, ≥ every part's duration. */
  partTarget: number;
  /** Defaults to 3 × partTarget. */
  partHoldBack?: number;
  /** Defaults to 6 × targetDuration (the minimum the spec allows). */
  canSkipUntil?: number;
  mediaSequence: number;
  discontinuitySequence: number;
  independentSegments: boolean;
  /** Segments left out of a delta update (EXT-X-SKIP); 0 for a full playlist. */
  skippedSegments: number;
  /** The segments after the skipped ones, oldest first; the last may be open (no uri). */
  segments: PlaylistSegment[];
  /** URI of the next part (EXT-X-PRELOAD-HINT), when not ended. */
  preloadHintUri?: string;
  ended: boolean;
}

/** Decimal seconds with at most 5 fraction digits, no exponent, no trailing zeros. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`invalid duration ${seconds}`);
  return seconds.toFixed(5).replace(/\.?0+$/, "");
}

/** Checks that a URI is relative (no scheme, no leading slash) and safe inside quotes or on its own line. */
function relative(uri: string): string {
  if (!uri || /["\r\n]/.test(uri)) throw new RangeError(`URI cannot be empty or contain quotes or newlines: ${JSON.stringify(uri)}`);
  if (/^[a-z][a-z0-9+.-]*:|^\//i.test(uri)) throw new RangeError(`URI must be relative: ${uri}`);
  return uri;
}

const quoted = (uri: string): string => `"${relative(uri)}"`;

export function renderMediaPlaylist(m: MediaPlaylistModel): string {
  if (!Number.isInteger(m.targetDuration) || m.targetDuration < 1) throw new RangeError(`invalid target duration ${m.targetDuration}`);
  const open = m.segments.filter((s) => s.uri === undefined);
  if (open.length > 1 || (open[0] && open[0] !== m.segments.at(-1))) {
    throw new RangeError("only the last segment may be open");
  }
  const partHoldBack = m.partHoldBack ?? 3 * m.partTarget;
  const canSkipUntil = m.canSkipUntil ?? 6 * m.targetDuration;
  const lines = [
    "#EXTM3U",
    // EXT-X-SKIP needs version 9; EXT-X-MAP without I-FRAMES-ONLY needs 6.
    `#EXT-X-VERSION:${m.skippedSegments > 0 ? 9 : 6}`,
    `#EXT-X-TARGETDURATION:${m.targetDuration}`,
    `#EXT-X-PART-INF:PART-TARGET=${formatSeconds(m.partTarget)}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${formatSeconds(partHoldBack)},CAN-SKIP-UNTIL=${formatSeconds(canSkipUntil)}`,
    `#EXT-X-MEDIA-SEQUENCE:${m.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${m.discontinuitySequence}`,
  ];
  if (m.independentSegments) lines.push("#EXT-X-INDEPENDENT-SEGMENTS");
  if (m.skippedSegments > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${m.skippedSegments}`);

  let currentMap: string | null = null;
  for (const seg of m.segments) {
    if (seg.discontinuity) lines.push("#EXT-X-DISCONTINUITY");
    // Re-stated after every discontinuity so each timeline names its init explicitly.
    if (seg.mapUri !== currentMap || seg.discontinuity) {
      lines.push(`#EXT-X-MAP:URI=${quoted(seg.mapUri)}`);
      currentMap = seg.mapUri;
    }
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(seg.programDateTime).toISOString()}`);
    for (const part of seg.parts ?? []) {
      const independent = part.independent ? ",INDEPENDENT=YES" : "";
      lines.push(`#EXT-X-PART:DURATION=${formatSeconds(part.duration)},URI=${quoted(part.uri)}${independent}`);
    }
    if (seg.uri !== undefined) {
      lines.push(`#EXTINF:${formatSeconds(seg.duration)},`, relative(seg.uri));
    }
  }
  if (m.ended) lines.push("#EXT-X-ENDLIST");
  else if (m.preloadHintUri) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI=${quoted(m.preloadHintUri)}`);
  return `${lines.join("\n")}\n`;
}
