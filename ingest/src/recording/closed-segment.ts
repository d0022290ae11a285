// What the recorder needs from the live pipeline: one complete segment, as viewers got it.
// The hub's "segment closed" event is adapted to this in one place (where app.ts wires the recorder),
// so the recorder never depends on how the packager is built.

export interface ClosedSegment {
  /** Media sequence number in the live playlist (logged; the recording numbers its segments itself). */
  msn: number;
  /** The segment's bytes (moof+mdat pairs), exactly what /live/<stream>/seg-<msn>.m4s served. */
  bytes: Uint8Array;
  /** Seconds: the segment's EXTINF in the live playlist. */
  durationS: number;
  /** Id of the init segment this segment needs, and its bytes (a new id means a new EXT-X-MAP). */
  initId: number;
  initBytes: Uint8Array;
  /** The live playlist put EXT-X-DISCONTINUITY before this segment (reconnect, ffmpeg restart). */
  discontinuity: boolean;
  /** Wall-clock time of the segment's first sample, epoch ms (EXT-X-PROGRAM-DATE-TIME). */
  programDateTime: number;
}
