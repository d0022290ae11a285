// ffmpeg's fMP4 stdout through Mp4BoxSplitter and Fmp4UnitReader: only Mp4FormatError on bad input, the same
// boxes however the stream is split into reads, no box over the size limit, and units that parse (or fail
// with Mp4FormatError) in parseInit/parseFragment.
import type * as Reader from "../../../ingest/src/mp4/fmp4-reader.js";
import type * as Units from "../../../ingest/src/mp4/fmp4-units.js";
import type * as Splitter from "../../../ingest/src/mp4/mp4-box-splitter.js";
import { ascii, check, importFrom, splitAt, splitPoints, type FuzzTarget } from "../engine/target.js";
import { fmp4Stream, fmp4Units } from "./seeds.js";

const MAX_BOX = 65_536;

export async function load(root: string): Promise<FuzzTarget> {
  const { Mp4BoxSplitter, Mp4FormatError } = await importFrom<typeof Splitter>(root, "mp4/mp4-box-splitter");
  const { Fmp4UnitReader } = await importFrom<typeof Units>(root, "mp4/fmp4-units");
  const { parseInit, parseFragment } = await importFrom<typeof Reader>(root, "mp4/fmp4-reader");
  const { init, fragments } = fmp4Units();

  /** Boxes (type + length + hash-free bytes) from reading `pieces`, and the error code if it failed. */
  const split = (pieces: Buffer[]): { boxes: Buffer[]; error: string | null } => {
    const splitter = new Mp4BoxSplitter(MAX_BOX);
    const boxes: Buffer[] = [];
    for (const piece of pieces) {
      try {
        for (const box of splitter.push(piece)) {
          check(box.bytes.length <= MAX_BOX && box.bytes.length >= 8, `box of ${box.bytes.length} bytes`);
          check(box.bytes.toString("latin1", 4, 8) === box.type, "box type does not match its bytes");
          boxes.push(box.bytes);
        }
        check(splitter.bufferedBytes < MAX_BOX + 16 + piece.length, `splitter holds ${splitter.bufferedBytes} bytes`);
      } catch (err) {
        if (!(err instanceof Mp4FormatError)) throw err;
        return { boxes, error: err.code };
      }
    }
    return { boxes, error: null };
  };

  return {
    files: ["mp4/mp4-box-splitter.ts", "mp4/fmp4-units.ts", "mp4/fmp4-reader.ts", "mp4/mp4-boxes.ts", "mp4/codec-strings.ts"],
    seeds: [fmp4Stream(), Buffer.concat([init, fragments[0]!]), fragments[1]!],
    dictionary: [
      ...ascii("ftyp", "moov", "moof", "mdat", "traf", "trun", "tfhd", "tfdt", "mfhd", "trak", "mvex", "trex", "free", "styp", "sidx"),
      Buffer.of(0, 0, 0, 1),
      Buffer.of(0, 0, 0, 0),
      Buffer.of(0, 0, 0, 8),
      Buffer.of(0xff, 0xff, 0xff, 0xff),
    ],
    maxLength: 32_768,
    run(data) {
      const whole = split([data]);
      const pieces = split(splitAt(data, splitPoints(data, 4)));
      check(whole.error === pieces.error, `verdict depends on read boundaries: ${whole.error} vs ${pieces.error}`);
      // A push that throws drops the boxes it completed before the bad one (the splitter then stays failed and
      // ffmpeg is restarted), so on a failure the one-read result may only be a prefix of the split one.
      const same = whole.error ? whole.boxes.length <= pieces.boxes.length : whole.boxes.length === pieces.boxes.length;
      check(same && whole.boxes.every((b, i) => b.equals(pieces.boxes[i]!)), "boxes depend on read boundaries");

      const reader = new Fmp4UnitReader(MAX_BOX);
      let initInfo: ReturnType<typeof parseInit> | undefined;
      for (const piece of splitAt(data, splitPoints(data, 2))) {
        let units: ReturnType<InstanceType<typeof Fmp4UnitReader>["push"]>;
        try {
          units = reader.push(piece);
        } catch (err) {
          if (err instanceof Mp4FormatError) return;
          throw err;
        }
        for (const unit of units) {
          try {
            if (unit.kind === "init") initInfo = parseInit(unit.bytes);
            else parseFragment(unit.bytes, initInfo);
          } catch (err) {
            if (!(err instanceof Mp4FormatError)) throw err;
          }
        }
      }
    },
  };
}
