import { describe, expect, it } from "vitest";
import {
  decodePayload,
  encodePayload,
  parseGroups,
  parseResponse,
  PayloadError,
  requestUrl,
  signPayload,
  verifySignature,
} from "../../../ingest/src/access/discourse-connect.js";

// The example of Discourse's DiscourseConnect guide (meta.discourse.org/t/13045), signature computed
// independently with `openssl dgst -sha256 -hmac <secret>` over the base64 text.
const SECRET = "d836444a9e4084d5b224a60c208dce14";
const VECTOR = {
  raw: "nonce=cb68251eefb5211e58c00ff1395f0c0b&return_sso_url=http%3A%2F%2Flocalhost%3A3000%2Fsso",
  sso: "bm9uY2U9Y2I2ODI1MWVlZmI1MjExZTU4YzAwZmYxMzk1ZjBjMGImcmV0dXJuX3Nzb191cmw9aHR0cCUzQSUyRiUyRmxvY2FsaG9zdCUzQTMwMDAlMkZzc28=",
  sig: "b15ea6447ed0b953a254230017c0bc44609e0e4c9807c3509561b602d5888020",
};

/** What the forum sends back: sso and sig, each URL-escaped (Discourse: CGI.escape of the base64). */
function answer(fields: Record<string, string>, secret = SECRET): string {
  const sso = encodePayload(fields);
  return `sso=${encodeURIComponent(sso)}&sig=${signPayload(sso, secret)}`;
}

describe("payload and signature", () => {
  it("encodes the guide's example to the same base64 and signature", () => {
    const sso = encodePayload({ nonce: "cb68251eefb5211e58c00ff1395f0c0b", return_sso_url: "http://localhost:3000/sso" });
    expect(Buffer.from(sso, "base64").toString()).toBe(VECTOR.raw);
    expect(sso).toBe(VECTOR.sso);
    expect(signPayload(sso, SECRET)).toBe(VECTOR.sig);
    expect(verifySignature(VECTOR.sso, VECTOR.sig, SECRET)).toBe(true);
  });

  it.each([
    ["another secret", VECTOR.sso, VECTOR.sig, "x".repeat(32)],
    ["one payload character changed", VECTOR.sso.replace("bm9", "bm8"), VECTOR.sig, SECRET],
    ["one signature digit changed", VECTOR.sso, VECTOR.sig.replace(/^b/, "c"), SECRET],
    ["upper-case hex", VECTOR.sso, VECTOR.sig.toUpperCase(), SECRET],
    ["truncated signature", VECTOR.sso, VECTOR.sig.slice(0, 63), SECRET],
    ["empty signature", VECTOR.sso, "", SECRET],
  ])("refuses a signature with %s", (_name, sso, sig, secret) => {
    expect(verifySignature(sso, sig, secret)).toBe(false);
  });

  it("round-trips fields with spaces, unicode, '+', '&' and '='", () => {
    const fields = { nonce: "n", username: "Zoë + Ana", groups: "a&b=c,d", name: "名前" };
    expect(Object.fromEntries(decodePayload(encodePayload(fields)))).toEqual(fields);
  });

  it.each([
    ["empty", ""],
    ["not base64", "bm9u Y2U="],
    ["base64url alphabet", "bm9uY2U9_-=="],
    ["bad padding", "bm9uY2U9="],
    ["newline (Discourse sends strict base64)", "bm9uY2U9\n"],
    ["too long", "A".repeat(20_000)],
    ["repeated key", Buffer.from("nonce=a&nonce=b").toString("base64")],
  ])("refuses a payload: %s", (_name, payload) => {
    expect(() => decodePayload(payload)).toThrow(PayloadError);
  });

  it("builds the sign-in URL with nonce, return_sso_url and prompt=none", () => {
    const url = new URL(
      requestUrl(
        "https://forum.example.org/",
        { nonce: "abc", returnUrl: "https://live.example.org/live/auth/callback", promptNone: true },
        SECRET,
      ),
    );
    expect(url.origin + url.pathname).toBe("https://forum.example.org/session/sso_provider");
    const sso = url.searchParams.get("sso")!;
    expect(verifySignature(sso, url.searchParams.get("sig")!, SECRET)).toBe(true);
    expect(Object.fromEntries(decodePayload(sso))).toEqual({
      nonce: "abc",
      return_sso_url: "https://live.example.org/live/auth/callback",
      prompt: "none",
    });
    const sub = new URL(requestUrl("https://example.org/forum", { nonce: "n", returnUrl: "https://x/cb", promptNone: false }, SECRET));
    expect(sub.pathname).toBe("/forum/session/sso_provider");
    expect(decodePayload(sub.searchParams.get("sso")!).has("prompt")).toBe(false);
  });
});

describe("parseResponse", () => {
  const user = {
    nonce: "n1",
    external_id: "42",
    username: "ana",
    email: "ana@example.org",
    admin: "false",
    groups: "Staff,trust_level_1, patrons",
  };

  it("reads a signed-in user with lower-cased groups", () => {
    expect(parseResponse(answer(user), SECRET)).toEqual({
      ok: true,
      nonce: "n1",
      failed: false,
      user: { externalId: "42", username: "ana", groups: ["staff", "trust_level_1", "patrons"] },
    });
  });

  it("reads failed=true (prompt=none without a forum session)", () => {
    expect(parseResponse(answer({ nonce: "n2", return_sso_url: "https://x/cb", prompt: "none", failed: "true" }), SECRET)).toEqual({
      ok: true,
      nonce: "n2",
      failed: true,
    });
  });

  it.each([
    ["no sig", `sso=${encodeURIComponent(encodePayload(user))}`],
    ["signed with another secret", answer(user, "another-secret-123")],
    ["tampered payload", answer(user).replace(/^sso=../, "sso=ab")],
    ["no nonce", answer({ ...user, nonce: "" })],
    ["no external_id", answer({ nonce: "n", username: "ana" })],
  ])("refuses %s", (_name, query) => {
    expect(parseResponse(query, SECRET).ok).toBe(false);
  });

  it("parses group lists", () => {
    expect(parseGroups("")).toEqual([]);
    expect(parseGroups("A,,a, b ,")).toEqual(["a", "b"]);
  });
});
