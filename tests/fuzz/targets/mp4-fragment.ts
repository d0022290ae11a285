// parseFragment on mutated moof+mdat (with the recorded init for trex defaults): FragmentInfo or
// Mp4FormatError; sample counts stay proportional to the input, durations add up.
import type * as Reader from "../../../ingest/src/mp4/fmp4-reader.js";
import type * as Splitter from "../../../ingest/src/mp4/mp4-box-splitter.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";
import { fmp4Units } from "./seeds.js";

export async function load(root: string): Promise<FuzzTarget> {
  const { Mp4FormatError } = await importFrom<typeof Splitter>(root, "mp4/mp4-box-splitter");
  const { parseInit, parseFragment } = await importFrom<typeof Reader>(root, "mp4/fmp4-reader");
  const { init, fragments } = fmp4Units();
  const initInfo = parseInit(init);
  return {
    files: ["mp4/fmp4-reader.ts", "mp4/mp4-boxes.ts"],
    seeds: fragments.slice(0, 4),
    dictionary: [
      ...ascii("moof", "mfhd", "traf", "tfhd", "tfdt", "trun", "mdat"),
      Buffer.of(0, 0, 0x0f, 0x01),
      Buffer.of(0, 0, 0, 0),
      Buffer.of(0x01, 0, 0, 0),
      Buffer.of(0, 0x02, 0, 0x39),
      Buffer.of(0, 0, 0x03, 0x05),
      Buffer.of(0xff, 0xff, 0xff, 0xff),
      Buffer.of(0x01, 0x01, 0, 0),
      Buffer.of(0x02, 0, 0, 0),
    ],
    maxLength: 16_384,
    run(data) {
      // With and without init: a fragment must parse the same way as far as its own boxes say.
      for (const withInit of [initInfo, undefined]) {
        let info: ReturnType<typeof parseFragment>;
        try {
          info = parseFragment(data, withInit);
        } catch (err) {
          if (err instanceof Mp4FormatError) continue;
          throw err;
        }
        for (const track of info.tracks) {
          check(track.samples.length <= data.length, `${track.samples.length} samples from ${data.length} bytes`);
          const sum = track.samples.reduce((n, s) => n + s.duration, 0);
          check(sum === track.duration, `durations add up to ${sum}, track says ${track.duration}`);
          check(
            Number.isSafeInteger(track.baseMediaDecodeTime) && track.baseMediaDecodeTime >= 0,
            `baseMediaDecodeTime ${track.baseMediaDecodeTime}`,
          );
        }
      }
    },
  };
}
