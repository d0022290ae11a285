// Contracts the theme keeps its own copy of (it is plain JavaScript shipped to Discourse, it cannot import
// the ingest): each copy must equal the one definition.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STREAM_NAME_PATTERN } from "../../../ingest/src/keys/stream-name.js";

const themeIngestUrl = readFileSync(new URL("../../../javascripts/discourse/lib/ingest-url.js", import.meta.url), "utf8");

describe("the theme's stream-name rule", () => {
  it("is the ingest's STREAM_NAME_PATTERN", () => {
    const literal = /const STREAM_NAME = \/(.+)\/([a-z]*);/.exec(themeIngestUrl);
    expect(literal, "STREAM_NAME regex literal in ingest-url.js").not.toBeNull();
    const theme = new RegExp(literal![1]!, literal![2]);
    expect([theme.source, theme.flags]).toEqual([STREAM_NAME_PATTERN.source, STREAM_NAME_PATTERN.flags]);
    for (const name of ["show", "Show_2", "a", "a".repeat(64), "a".repeat(65), "-show", "_x", "sh ow", "shów", ""]) {
      expect(theme.test(name), name).toBe(STREAM_NAME_PATTERN.test(name));
    }
  });
});
