import { describe, expect, it } from "vitest";
import { BoundedLineSplitter } from "../../../ingest/src/media/bounded-lines.js";

function split(chunks: string[], max = 2000): string[] {
  const lines: string[] = [];
  const splitter = new BoundedLineSplitter((l) => lines.push(l), max);
  for (const c of chunks) splitter.push(Buffer.from(c));
  splitter.end();
  return lines;
}

describe("BoundedLineSplitter", () => {
  it.each([
    { name: "LF", chunks: ["a\nb\n"], lines: ["a", "b"] },
    { name: "CRLF and CR (ffmpeg progress)", chunks: ["a\r\nb\rc\n"], lines: ["a", "b", "c"] },
    { name: "line split across chunks", chunks: ["ab", "c\nd", "e"], lines: ["abc", "de"] },
    { name: "blank lines dropped", chunks: ["\n\n  \nx\n"], lines: ["x"] },
    { name: "CR LF split across chunks yields no blank line", chunks: ["a\r", "\nb\n"], lines: ["a", "b"] },
  ])("$name", ({ chunks, lines }) => {
    expect(split(chunks)).toEqual(lines);
  });

  it("caps an endless line and marks it truncated", () => {
    const lines = split(["x".repeat(5000), "y".repeat(5000), "\nok\n"], 100);
    expect(lines).toEqual([`${"x".repeat(100)}…`, "ok"]);
  });

  it("splits the same way at every chunk boundary", () => {
    const text = "frame=1\r\nwarning: a\nerror b\rlast";
    const whole = split([text]);
    for (let i = 0; i <= text.length; i++) expect(split([text.slice(0, i), text.slice(i)])).toEqual(whole);
  });
});
