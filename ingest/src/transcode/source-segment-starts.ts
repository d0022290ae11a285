// Where the source's segments start, by media time: what an aligned rendition needs to cut its segments at
// the same instants with the same msn, PROGRAM-DATE-TIME and discontinuity numbering. The source is ahead
// of its transcoders, so a start is known before a rendition's part with the same first frame arrives.
import type { AlignedStart } from "../hls/packager-options.js";
import type { PartClosed } from "../hls/packager-events.js";
import { type InitInfo, parseFragment, parseInit } from "../mp4/fmp4-reader.js";

export interface SegmentStart extends AlignedStart {
  /** Presentation time (ms, the fMP4 timeline) of the segment's first video frame. */
  ptsMs: number;
}

/** Starts remembered: far more than a rendition can lag behind before it is restarted. */
const KEPT = 64;

/**
 * Two frames whose times differ by less than this are the same frame: FLV carries whole milliseconds, the
 * source 90 kHz ticks; a frame is at least 8 ms apart even at 120 fps.
 */
const SAME_FRAME_MS = 4;

/** The first video frame's presentation time (ms) of an fMP4 fragment, or null without video. */
export function firstVideoPtsMs(fragment: Buffer, init: InitInfo): number | null {
  const video = init.tracks.find((t) => t.kind === "video");
  if (!video) return null;
  const track = parseFragment(fragment, init).tracks.find((t) => t.id === video.id);
  const first = track?.samples[0];
  if (!track || !first) return null;
  return ((track.baseMediaDecodeTime + first.compositionOffset) * 1000) / video.timescale;
}

export class SourceSegmentStarts {
  private readonly starts: SegmentStart[] = [];
  private init: { id: number; info: InitInfo } | null = null;

  /** The source's current codec setup (from its latest part), null before the first. */
  get sourceInit(): InitInfo | null {
    return this.init?.info ?? null;
  }

  /** Feed every `part` of the source packager; returns its first video frame's time (ms), null without video. */
  onPart(part: PartClosed): number | null {
    if (this.init?.id !== part.initId) this.init = { id: part.initId, info: parseInit(part.init) };
    const ptsMs = firstVideoPtsMs(part.bytes, this.init.info);
    if (ptsMs === null || part.part !== 0) return ptsMs;
    this.starts.push({
      msn: part.msn,
      ptsMs,
      programDateTime: part.programDateTime,
      discontinuity: part.discontinuity,
      discontinuitySequence: part.discontinuitySequence,
    });
    if (this.starts.length > KEPT) this.starts.shift();
    return ptsMs;
  }

  /** The source segment whose first frame is at `ptsMs`, if it is still remembered. */
  at(ptsMs: number): SegmentStart | undefined {
    for (let i = this.starts.length - 1; i >= 0; i--) {
      const s = this.starts[i]!;
      if (Math.abs(s.ptsMs - ptsMs) < SAME_FRAME_MS) return s;
    }
    return undefined;
  }
}
