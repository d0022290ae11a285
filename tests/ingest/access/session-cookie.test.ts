import { describe, expect, it } from "vitest";
import { cookieValues, serializeCookie } from "../../../ingest/src/access/cookies.js";
import { MAX_SESSION_GROUPS, sessionKey, signSession, verifySession } from "../../../ingest/src/access/session-cookie.js";

const key = sessionKey("a-forum-secret-0123");
const user = { externalId: "42", username: "ana", groups: ["patrons", "trust_level_1"] };
const NOW = 1_800_000_000;

function flip(text: string, at: number): string {
  const c = text[at] === "A" ? "B" : "A";
  return text.slice(0, at) + c + text.slice(at + 1);
}

describe("session cookie", () => {
  it("verifies what it signed until it expires", () => {
    const value = signSession(user, NOW, 3600, key);
    expect(value).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifySession(value, NOW, key)).toEqual({ ...user, issuedAt: NOW, expiresAt: NOW + 3600 });
    expect(verifySession(value, NOW + 3599, key)).toBeDefined();
    expect(verifySession(value, NOW + 3600, key)).toBeUndefined();
    expect(verifySession(value, NOW - 301, key)).toBeUndefined();
  });

  it("refuses a session signed with another secret", () => {
    expect(verifySession(signSession(user, NOW, 3600, sessionKey("another-secret-99")), NOW, key)).toBeUndefined();
  });

  it("refuses any changed character", () => {
    const value = signSession(user, NOW, 3600, key);
    for (let i = 0; i < value.length; i++) {
      if (value[i] === ".") continue;
      expect(verifySession(flip(value, i), NOW, key), `changed at ${i}`).toBeUndefined();
    }
  });

  it("refuses a re-signed body that extends the expiry without the key", () => {
    const value = signSession(user, NOW, 3600, key);
    const [payload, sig] = value.split(".");
    const body = JSON.parse(Buffer.from(payload!, "base64url").toString());
    body.exp += 86400;
    expect(verifySession(`${Buffer.from(JSON.stringify(body)).toString("base64url")}.${sig}`, NOW, key)).toBeUndefined();
  });

  it.each(["", ".", "abc", "a.b.c", "x".repeat(5000), `${Buffer.from("{}").toString("base64url")}.`])("refuses %j", (value) => {
    expect(verifySession(value, NOW, key)).toBeUndefined();
  });

  it("keeps at most MAX_SESSION_GROUPS groups", () => {
    const many = { ...user, groups: Array.from({ length: 120 }, (_, i) => `group_${i}`) };
    const session = verifySession(signSession(many, NOW, 60, key), NOW, key)!;
    expect(session.groups).toHaveLength(MAX_SESSION_GROUPS);
  });
});

describe("cookies", () => {
  it.each([
    [undefined, []],
    ["", []],
    ["live_session=abc", ["abc"]],
    ["a=1; live_session=abc; b=2", ["abc"]],
    ['live_session="abc"', ["abc"]],
    ["live_session=abc; live_session=def", ["abc", "def"]],
    ["xlive_session=abc;live_sessionx=1", []],
    ["live_session", []],
  ])("reads %j", (header, values) => {
    expect(cookieValues(header, "live_session")).toEqual(values);
  });

  it("serialises HttpOnly, SameSite=Lax, Path, Max-Age and Secure on https", () => {
    expect(serializeCookie("s", "a.b", { path: "/live", maxAgeS: 60, secure: true })).toBe(
      "s=a.b; Path=/live; Max-Age=60; HttpOnly; SameSite=Lax; Secure",
    );
    expect(serializeCookie("s", "", { path: "/live", maxAgeS: 0, secure: false })).toBe(
      "s=; Path=/live; Max-Age=0; HttpOnly; SameSite=Lax",
    );
    expect(() => serializeCookie("s", "a;b", { path: "/", maxAgeS: 1, secure: false })).toThrow();
  });
});
