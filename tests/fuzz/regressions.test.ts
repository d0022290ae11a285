// Findings of the fuzzer, kept as regression tests: each one minimized by hand to the bytes that matter.
import { describe, expect, it } from "vitest";
import { parseFragment } from "../../ingest/src/mp4/fmp4-reader.js";
import { Mp4FormatError } from "../../ingest/src/mp4/mp4-box-splitter.js";
import { box, fullBox, moof, tfdt, tfhd, u32 } from "../ingest/mp4/mp4-builder.js";

describe("fMP4 fragments (found by the mp4-fragment and mp4-stream targets)", () => {
  const mdat = box("mdat", Buffer.alloc(16));
  // trun flags 0: no per-sample fields, every sample takes the tfhd/trex defaults, so the count costs no bytes.
  const allDefaults = (count: number) => fullBox("trun", 0, 0, u32(count));

  it("a trun claiming 2^32-1 all-default samples is refused at once instead of looping (hang, out of memory)", () => {
    const bytes = Buffer.concat([moof(1, box("traf", tfhd(1, { duration: 1, size: 1 }), tfdt(0), allDefaults(0xffff_ffff))), mdat]);
    expect(() => parseFragment(bytes)).toThrow(Mp4FormatError);
    expect(() => parseFragment(bytes)).toThrow(/more than the fragment has bytes/);
  });

  it("the bound is the fragment's size, summed over every trun and traf", () => {
    const traf = (count: number) => box("traf", tfhd(1, { duration: 1, size: 1 }), allDefaults(count));
    const ok = Buffer.concat([moof(1, traf(20), traf(20)), mdat]);
    expect(parseFragment(ok).tracks.map((t) => t.samples.length)).toEqual([20, 20]);
    const size = ok.length;
    const over = Buffer.concat([moof(1, traf(size - 10), traf(20)), mdat]);
    expect(() => parseFragment(over)).toThrow(/more than the fragment has bytes/);
  });
});
