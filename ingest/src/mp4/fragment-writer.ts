// Writes one fragment (moof + mdat) of a fragmented MP4: per track a traf with tfdt (64-bit) and a
// trun version 1, so composition offsets of B-frames may be negative.
import { box, fullBox, i32, u32, u64 } from "./box-writer.js";

export interface FragmentSample {
  /** In the track's timescale. */
  duration: number;
  data: Buffer;
  /** Sync sample (keyframe; every AAC frame). */
  sync: boolean;
  /** pts - dts in the track's timescale. */
  compositionOffset: number;
}

export interface FragmentTrack {
  id: number;
  /** Decode time of the first sample, in the track's timescale. */
  baseMediaDecodeTime: number;
  samples: FragmentSample[];
}

// sample_depends_on = 2 (an I-frame); non-sync: depends_on = 1 + sample_is_non_sync_sample.
export const SYNC_SAMPLE_FLAGS = 0x0200_0000;
export const NON_SYNC_SAMPLE_FLAGS = 0x0101_0000;

const TFHD_DEFAULT_BASE_IS_MOOF = 0x02_0000;
// data-offset, sample duration, size, flags and composition time offset present.
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800;
const TRUN_HEADER = 8 + 4 + 4 + 4; // box header, version/flags, sample_count, data_offset
const TRUN_SAMPLE = 16;

function traf(track: FragmentTrack, dataOffset: number): Buffer {
  const entries = track.samples.map((s) =>
    Buffer.concat([u32(s.duration), u32(s.data.length), u32(s.sync ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS), i32(s.compositionOffset)]),
  );
  return box(
    "traf",
    fullBox("tfhd", 0, TFHD_DEFAULT_BASE_IS_MOOF, u32(track.id)),
    fullBox("tfdt", 1, 0, u64(track.baseMediaDecodeTime)),
    fullBox("trun", 1, TRUN_FLAGS, u32(track.samples.length), i32(dataOffset), ...entries),
  );
}

const trafSize = (t: FragmentTrack) => 8 + (8 + 4 + 4) + (8 + 4 + 8) + TRUN_HEADER + TRUN_SAMPLE * t.samples.length;

/** moof + mdat; tracks without samples are left out. Sample data follows in track order. */
export function writeFragment(sequenceNumber: number, tracks: FragmentTrack[]): Buffer {
  const present = tracks.filter((t) => t.samples.length > 0);
  if (present.length === 0) throw new RangeError("a fragment needs at least one sample");
  const moofSize = 8 + 16 + present.reduce((n, t) => n + trafSize(t), 0);
  let dataOffset = moofSize + 8;
  const trafs: Buffer[] = [];
  for (const t of present) {
    trafs.push(traf(t, dataOffset));
    dataOffset += t.samples.reduce((n, s) => n + s.data.length, 0);
  }
  const moof = box("moof", fullBox("mfhd", 0, 0, u32(sequenceNumber)), ...trafs);
  if (moof.length !== moofSize) throw new Error(`moof size ${moof.length} != computed ${moofSize}`);
  return Buffer.concat([moof, box("mdat", ...present.flatMap((t) => t.samples.map((s) => s.data)))]);
}
