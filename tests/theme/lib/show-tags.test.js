import { describe, expect, test } from "vitest";
import { findShowStream, tagName } from "../../../javascripts/discourse/lib/show-tags";

const SHOWS = [
  { tags: ["concert"], stream: "main" },
  { tags: ["Théâtre", "impro"], stream: "stage-2" },
];

describe("tagName", () => {
  test.each([
    ["plain string (older cores)", "show", "show"],
    ["object with name", { id: 3, name: "show", slug: "show" }, "show"],
    ["original_name wins over a localised name", { id: 3, name: "Spectacle", slug: "spectacle", original_name: "show" }, "show"],
    ["object without names", { id: 3, slug: "show" }, null],
    ["null", null, null],
    ["number", 42, null],
  ])("%s", (_, tag, expected) => {
    expect(tagName(tag)).toBe(expected);
  });
});

describe("findShowStream", () => {
  test.each([
    ["string tags", ["news", "concert"], "main"],
    ["object tags", [{ id: 1, name: "concert", slug: "concert" }], "main"],
    ["case-insensitive", ["CONCERT"], "main"],
    ["non-latin name, slug never used", [{ id: 9, name: "théâtre", slug: "9-tag" }], "stage-2"],
    ["slug alone does not match", [{ id: 9, name: "théâtre-x", slug: "concert" }], null],
    ["second tag of a row", ["impro"], "stage-2"],
    ["first matching row wins", ["impro", "concert"], "main"],
    ["no matching tag", ["news"], null],
    ["no tags", [], null],
    ["tags missing", undefined, null],
  ])("%s", (_, tags, expected) => {
    expect(findShowStream(tags, SHOWS)).toBe(expected);
  });

  test("ignores rows without a stream name and malformed settings", () => {
    expect(findShowStream(["concert"], [{ tags: ["concert"], stream: "  " }, { tags: ["concert"], stream: " b " }])).toBe("b");
    expect(findShowStream(["concert"], [{ stream: "x" }, null, { tags: "concert", stream: "y" }])).toBeNull();
    expect(findShowStream(["concert"], undefined)).toBeNull();
  });
});
