import { describe, expect, test } from "vitest";
import { isValidStreamName, parseIngestBaseUrl } from "../../../javascripts/discourse/lib/ingest-url";

describe("parseIngestBaseUrl", () => {
  test.each([
    ["https://chat.example.org/live", "https:", { ok: true, url: "https://chat.example.org/live" }],
    ["  https://chat.example.org/live///  ", "https:", { ok: true, url: "https://chat.example.org/live" }],
    ["https://chat.example.org", "https:", { ok: true, url: "https://chat.example.org" }],
    ["https://chat.example.org:8443/a/live/", "https:", { ok: true, url: "https://chat.example.org:8443/a/live" }],
    ["http://localhost:8080/live", "http:", { ok: true, url: "http://localhost:8080/live" }],
    ["http://chat.example.org/live", "https:", { ok: false, problem: "insecure" }],
    ["", "https:", { ok: false, problem: "missing" }],
    ["   ", "https:", { ok: false, problem: "missing" }],
    [undefined, "https:", { ok: false, problem: "missing" }],
    ["chat.example.org/live", "https:", { ok: false, problem: "invalid" }],
    ["ftp://chat.example.org/live", "https:", { ok: false, problem: "invalid" }],
    ["javascript:alert(1)", "https:", { ok: false, problem: "invalid" }],
    ["https://chat.example.org/live?x=1", "https:", { ok: false, problem: "invalid" }],
    ["https://chat.example.org/live#top", "https:", { ok: false, problem: "invalid" }],
    ["https://user:pw@chat.example.org/live", "https:", { ok: false, problem: "invalid" }],
    ["https://exa mple.org/live", "https:", { ok: false, problem: "invalid" }],
  ])("%j on an %s page", (raw, protocol, expected) => {
    expect(parseIngestBaseUrl(raw, protocol)).toEqual(expected);
  });
});

describe("isValidStreamName (the ingest's rule)", () => {
  test.each([
    ["test", true],
    ["Main_Stage-2", true],
    ["0", true],
    ["a".repeat(64), true],
    ["a".repeat(65), false],
    ["", false],
    ["-main", false],
    ["_main", false],
    ["main stage", false],
    ["main/x", false],
    ["main.m3u8", false],
    ["théâtre", false],
  ])("%j -> %s", (name, expected) => {
    expect(isValidStreamName(name)).toBe(expected);
  });
});
