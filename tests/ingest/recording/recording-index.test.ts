import { describe, expect, it } from "vitest";
import { formatIndexLine, parseIndex, parseMeta, type IndexLine } from "../../../ingest/src/recording/recording-index.js";

const lines: IndexLine[] = [
  { t: "init", n: 0, bytes: 700 },
  { t: "seg", n: 0, init: 0, dur: 2, bytes: 5000, pdt: 1_700_000_000_000, disc: false },
  { t: "seg", n: 1, init: 0, dur: 2.0333, bytes: 5100, pdt: 1_700_000_002_000, disc: false },
  { t: "init", n: 1, bytes: 720 },
  { t: "seg", n: 2, init: 1, dur: 1.5, bytes: 4000, pdt: 1_700_000_010_000, disc: true },
];
const journal = lines.map(formatIndexLine).join("");

describe("parseIndex", () => {
  it("round-trips every line", () => {
    const index = parseIndex(journal);
    expect([...index.inits, ...index.segments].length).toBe(lines.length);
    expect(index.segments.map((s) => s.n)).toEqual([0, 1, 2]);
    expect(index.inits.map((i) => i.n)).toEqual([0, 1]);
  });

  it("keeps exactly the complete lines when the journal is cut at any byte (a crash mid-append)", () => {
    const bytes = Buffer.from(journal, "utf8");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const text = bytes.subarray(0, cut).toString("utf8");
      const complete = text.split("\n").length - 1;
      const index = parseIndex(text);
      expect(index.inits.length + index.segments.length, `cut at ${cut}`).toBe(complete);
    }
  });

  it("stops at the first invalid line and at a segment naming an unknown init", () => {
    expect(parseIndex(`${formatIndexLine(lines[0]!)}{"t":"seg"}\n${formatIndexLine(lines[1]!)}`).segments).toEqual([]);
    expect(parseIndex(formatIndexLine(lines[1]!)).segments).toEqual([]);
    expect(parseIndex(`${formatIndexLine(lines[0]!)}garbage\n${formatIndexLine(lines[1]!)}`).segments).toEqual([]);
  });

  it("refuses negative, zero or out-of-range numbers", () => {
    const bad = [
      `{"t":"seg","n":0,"init":0,"dur":0,"bytes":1,"pdt":0,"disc":false}`,
      `{"t":"seg","n":-1,"init":0,"dur":1,"bytes":1,"pdt":0,"disc":false}`,
      // Found by the fuzzer: a duration or date the playlist cannot print.
      `{"t":"seg","n":0,"init":0,"dur":1e308,"bytes":1,"pdt":0,"disc":false}`,
      `{"t":"seg","n":0,"init":0,"dur":1,"bytes":1,"pdt":1e20,"disc":false}`,
    ];
    for (const line of bad) expect(parseIndex(`${formatIndexLine(lines[0]!)}${line}\n`).segments).toEqual([]);
  });
});

describe("parseMeta", () => {
  it("accepts a meta file and rejects anything else", () => {
    const meta = { version: 1, id: "20261203-200000", stream: "show", startedAt: "2026-12-03T20:00:00.000Z", endedAt: null };
    expect(parseMeta(JSON.stringify(meta))).toEqual(meta);
    expect(parseMeta(JSON.stringify({ ...meta, id: "../x" }))).toBeUndefined();
    expect(parseMeta("{")).toBeUndefined();
    expect(parseMeta(JSON.stringify({ ...meta, extra: 1 }))).toBeUndefined();
  });
});
