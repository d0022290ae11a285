import { describe, expect, it } from "vitest";
import { decideAccess, formatAccessMode, parseAccessMode } from "../../../ingest/src/access/access-mode.js";

describe("access modes", () => {
  it.each([
    ["public", { kind: "public" }],
    ["members", { kind: "members" }],
    ["groups:patrons", { kind: "groups", groups: ["patrons"] }],
    ["groups:Patrons,crew.2024,trust_level_2,patrons", { kind: "groups", groups: ["patrons", "crew.2024", "trust_level_2"] }],
  ])("parses %s", (text, mode) => {
    expect(parseAccessMode(text)).toEqual(mode);
    expect(parseAccessMode(formatAccessMode(parseAccessMode(text)!))).toEqual(mode);
  });

  it.each(["", "Public", "member", "groups:", "groups:a,,b", "groups:a b", "groups:ä", "groups:" + "a".repeat(61), "groups", "members:x"])(
    "refuses %j",
    (text) => {
      expect(parseAccessMode(text)).toBeUndefined();
    },
  );

  const member = { groups: ["trust_level_1", "patrons"] };
  it.each([
    ["public", undefined, "allow"],
    ["public", member, "allow"],
    ["members", undefined, "login"],
    ["members", { groups: [] }, "allow"],
    ["groups:patrons", undefined, "login"],
    ["groups:patrons", member, "allow"],
    ["groups:crew,patrons", member, "allow"],
    ["groups:crew", member, "forbidden"],
    ["groups:patron", member, "forbidden"],
  ] as const)("%s with %j -> %s", (text, user, decision) => {
    expect(decideAccess(parseAccessMode(text)!, user)).toBe(decision);
  });
});
