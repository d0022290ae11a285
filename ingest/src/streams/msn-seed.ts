// Where a new packager starts numbering.
//
// Parts and segments are served `immutable` (a CDN keeps them a year), so a name like
// `seg-<msn>.m4s` must never mean two different things for one stream, not even across an ingest
// restart. What guarantees it is the reservation on disk (msn-reservations.ts): a new packager starts
// at or above everything its name used, in this process or an earlier one, however fast its publisher
// sent media. The wall clock, in tenths of a second, is a second floor for what the data folder cannot
// know (a folder lost or restored from an old backup): segments are at least 1 s long except those a
// discontinuity closes early, so a real-time stream's msn grows 10-20x slower than this clock.
// Tenths of a second since 1970 are 11 digits, within the 15 that resource names and _HLS_msn accept.
const MSN_CLOCK_UNIT_MS = 100;

export function msnFromClock(nowMs: number): number {
  return Math.floor(nowMs / MSN_CLOCK_UNIT_MS);
}

/** The first msn for a new packager of a stream whose earlier packager (if any) would have used `floor` next. */
export function initialMsn(nowMs: number, floor = 0): number {
  return Math.max(msnFromClock(nowMs), floor);
}
