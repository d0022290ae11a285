// Groups the top-level boxes of ffmpeg's fragmented MP4 output into the units the packager takes:
// the init segment (ftyp + moov) and fragments (moof + mdat).
import { DEFAULT_MAX_BOX_BYTES, Mp4BoxSplitter, Mp4FormatError } from "./mp4-box-splitter.js";

export type Fmp4Unit = { kind: "init"; bytes: Buffer } | { kind: "fragment"; bytes: Buffer };

export class Fmp4UnitReader {
  private readonly splitter: Mp4BoxSplitter;
  private ftyp: Buffer | null = null;
  private moof: Buffer | null = null;

  constructor(maxBoxBytes = DEFAULT_MAX_BOX_BYTES) {
    this.splitter = new Mp4BoxSplitter(maxBoxBytes);
  }

  /** Returns the units completed by this chunk; throws Mp4FormatError on a malformed stream. */
  push(chunk: Uint8Array): Fmp4Unit[] {
    const units: Fmp4Unit[] = [];
    for (const box of this.splitter.push(chunk)) {
      switch (box.type) {
        case "ftyp":
          this.ftyp = box.bytes;
          break;
        case "moov":
          units.push({ kind: "init", bytes: this.ftyp ? Buffer.concat([this.ftyp, box.bytes]) : box.bytes });
          this.ftyp = null;
          break;
        case "moof":
          if (this.moof) throw new Mp4FormatError("malformed", "moof followed by another moof without mdat");
          this.moof = box.bytes;
          break;
        case "mdat":
          if (!this.moof) throw new Mp4FormatError("malformed", "mdat without a preceding moof");
          units.push({ kind: "fragment", bytes: Buffer.concat([this.moof, box.bytes]) });
          this.moof = null;
          break;
        default:
          // styp, sidx, prft, free, mfra (written at the end): nothing the packager needs.
          break;
      }
    }
    return units;
  }
}
