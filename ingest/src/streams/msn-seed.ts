// Where a new packager starts numbering.
//
// Parts and segments are served `immutable` (a CDN keeps them a year), so a name like
// `seg-<msn>.m4s` must never mean two different things for one stream, not even across an ingest
// restart. Instead of persisting counters, the first msn comes from the wall clock in tenths of a
// second: segments are at least 1 s long except the few a discontinuity (reconnect, ffmpeg
// restart) closes early, so a stream's msn grows about 10-20x slower than the clock and a later
// start, in this process or the next, begins above every number used before. Within one process
// the registry also remembers each name's last msn (a floor that holds even if the clock steps back).
// Tenths of a second since 1970 are 11 digits, within the 15 that resource names and _HLS_msn accept.
export const MSN_CLOCK_UNIT_MS = 100;

export function msnFromClock(nowMs: number): number {
  return Math.floor(nowMs / MSN_CLOCK_UNIT_MS);
}

/** The first msn for a new packager of a stream whose earlier packager (if any) would have used `floor` next. */
export function initialMsn(nowMs: number, floor = 0): number {
  return Math.max(msnFromClock(nowMs), floor);
}
