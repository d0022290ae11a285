// What the packager tells subscribers (a recorder, a stream's metrics) as media becomes final. Bytes are
// the same buffers HTTP serves: keep them, never modify them.

/** Emitted as `part` once a part is complete (listed in the playlist, fetchable). */
export interface PartClosed {
  msn: number;
  /** Index of the part within its segment. */
  part: number;
  /** Seconds. */
  duration: number;
  /** Starts with a keyframe (EXT-X-PART INDEPENDENT=YES). */
  independent: boolean;
  bytes: Buffer;
  /** The init segment (ftyp+moov) this part needs, by id (`init-<id>.mp4`) and as bytes. */
  initId: number;
  init: Buffer;
  /** Its segment follows an EXT-X-DISCONTINUITY. */
  discontinuity: boolean;
  /** Wall clock (epoch ms) of the part's first frame, on the playlist's PROGRAM-DATE-TIME timeline. */
  programDateTime: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE number of its segment. */
  discontinuitySequence: number;
}

/** Emitted as `segment` once a segment is complete (its parts concatenated; it will not change). */
export interface SegmentClosed {
  msn: number;
  /** Seconds (EXTINF). */
  duration: number;
  /** Starts with a keyframe. */
  independent: boolean;
  bytes: Buffer;
  parts: number;
  initId: number;
  init: Buffer;
  /** Follows an EXT-X-DISCONTINUITY (a reconnect, a timestamp jump, a new codec setup). */
  discontinuity: boolean;
  /** Wall clock (epoch ms) of the segment's first frame (EXT-X-PROGRAM-DATE-TIME). */
  programDateTime: number;
}

export interface PackagerEvents {
  part: [part: PartClosed];
  segment: [segment: SegmentClosed];
}
