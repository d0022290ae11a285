import { describe, expect, it } from "vitest";
import { cookieScope, registrableDomain } from "../../../ingest/src/access/cookie-scope.js";
import { checkReturnUrl } from "../../../ingest/src/access/return-url.js";

const forum = "https://forum.example.org";
const allowed = [forum, "https://live.example.org"];

describe("checkReturnUrl", () => {
  it.each([
    ["https://forum.example.org/t/friday-show/12", "https://forum.example.org/t/friday-show/12"],
    ["https://forum.example.org/t/friday-show/12?page=2#post_3", "https://forum.example.org/t/friday-show/12?page=2#post_3"],
    ["https://live.example.org/live/", "https://live.example.org/live/"],
    ["/t/friday-show/12", "https://forum.example.org/t/friday-show/12"],
    ["HTTPS://FORUM.EXAMPLE.ORG/t/1", "https://forum.example.org/t/1"],
  ])("allows %s", (raw, expected) => {
    expect(checkReturnUrl(raw, forum, allowed)).toBe(expected);
  });

  it.each([
    "https://evil.example.com/",
    "https://forum.example.org.evil.com/",
    "https://forum.example.org@evil.com/",
    "https://user:pass@forum.example.org/",
    "http://forum.example.org/t/1",
    "https://forum.example.org:8443/",
    "//evil.example.com/",
    "/\\evil.example.com/",
    "\\\\evil.example.com",
    "https:evil.example.com",
    "javascript:alert(1)",
    "data:text/html,x",
    " https://forum.example.org/",
    "https://forum.example.org/\n",
    "/t/1\tx",
    "evil.example.com",
    "",
    `/${"a".repeat(3000)}`,
  ])("refuses %j", (raw) => {
    expect(checkReturnUrl(raw, forum, allowed)).toBeUndefined();
  });
});

describe("cookieScope", () => {
  it.each([
    ["https://forum.example.org", "https://forum.example.org", true],
    ["https://forum.example.org", "https://live.example.org", true],
    ["https://example.org", "https://live.example.org", true],
    ["https://forum.example.co.uk", "https://live.example.co.uk", true],
    ["https://forum.example.org", "https://live.example.net", false],
    ["https://forum.example.co.uk", "https://live.other.co.uk", false],
    ["https://forum.example.org", "http://forum.example.org", false],
    ["http://127.0.0.1:3000", "http://127.0.0.1:8080", true],
    ["http://127.0.0.1", "http://127.0.0.2", false],
  ])("%s + %s -> %s", (a, b, shared) => {
    expect(cookieScope(a, b).shared).toBe(shared);
  });

  it("registrable domains by the documented heuristic", () => {
    expect(registrableDomain("a.b.example.org")).toBe("example.org");
    expect(registrableDomain("live.example.com.au")).toBe("example.com.au");
    expect(registrableDomain("localhost")).toBe("localhost");
  });
});
