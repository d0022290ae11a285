// parseInit on mutated init segments: a TrackInfo list or Mp4FormatError, nothing else; every track has a
// positive timescale and a codec string.
import type * as Reader from "../../../ingest/src/mp4/fmp4-reader.js";
import type * as Splitter from "../../../ingest/src/mp4/mp4-box-splitter.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";
import { fmp4Units } from "./seeds.js";

export async function load(root: string): Promise<FuzzTarget> {
  const { Mp4FormatError } = await importFrom<typeof Splitter>(root, "mp4/mp4-box-splitter");
  const { parseInit } = await importFrom<typeof Reader>(root, "mp4/fmp4-reader");
  const { init } = fmp4Units();
  return {
    files: ["mp4/fmp4-reader.ts", "mp4/mp4-boxes.ts", "mp4/codec-strings.ts"],
    seeds: [init],
    dictionary: [
      ...ascii("moov", "trak", "tkhd", "mdia", "mdhd", "hdlr", "minf", "stbl", "stsd", "avc1", "avc3", "avcC", "mp4a", "esds"),
      ...ascii("mvex", "trex", "vide", "soun", "Opus", "fLaC", "hev1"),
      Buffer.of(0x03, 0x80, 0x80, 0x80),
      Buffer.of(0x04),
      Buffer.of(0x05),
      Buffer.of(0x40),
      Buffer.of(0, 1),
      Buffer.of(0, 2),
      Buffer.of(0, 0, 0, 1),
      Buffer.of(0, 0, 0, 0),
    ],
    maxLength: 8192,
    run(data) {
      let info: ReturnType<typeof parseInit>;
      try {
        info = parseInit(data);
      } catch (err) {
        if (err instanceof Mp4FormatError) return;
        throw err;
      }
      for (const track of info.tracks) {
        check(track.timescale > 0, `track ${track.id} has timescale ${track.timescale}`);
        check(typeof track.codec === "string" && track.codec.length > 0, `track ${track.id} has no codec string`);
      }
    },
  };
}
