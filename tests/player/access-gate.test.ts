import { describe, expect, it } from "vitest";
import { loginHref, parseDenial } from "../../player/src/access-gate.js";

describe("parseDenial", () => {
  it.each([
    [
      401,
      { error: "sign-in required", access: "members", login: "https://live.example.org/live/auth/login" },
      { kind: "login", loginUrl: "https://live.example.org/live/auth/login" },
    ],
    [401, { login: "javascript:alert(1)" }, { kind: "unknown" }],
    [401, null, { kind: "unknown" }],
    [
      403,
      {
        access: "groups",
        groups: [{ name: "patrons", url: "https://forum.example.org/g/patrons" }, { name: 3 }, { name: "x", url: "javascript:x" }],
      },
      { kind: "forbidden", groups: [{ name: "patrons", url: "https://forum.example.org/g/patrons" }] },
    ],
    [403, { access: "members" }, { kind: "unknown" }],
    [500, { login: "https://x/" }, { kind: "unknown" }],
  ])("%i %j", (status, body, outcome) => {
    expect(parseDenial(status, body)).toEqual(outcome);
  });
});

describe("loginHref", () => {
  it("sends the viewer back to the topic", () => {
    const href = loginHref("https://live.example.org/live/auth/login", "https://forum.example.org/t/friday-show/12?u=ana#post_4");
    expect(new URL(href).searchParams.get("return")).toBe("https://forum.example.org/t/friday-show/12?u=ana#post_4");
    expect(href.startsWith("https://live.example.org/live/auth/login?return=")).toBe(true);
  });
});
