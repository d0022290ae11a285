// What the ingest parses from viewers for members-only shows: the forum's DiscourseConnect answer
// (callback query: base64 payload + hex signature), the session cookie, the Cookie header and the
// return URL of a sign-in. Properties: no throw; an answer or cookie is only ever accepted when it
// carries the right signature; an accepted return URL is always on an allowed origin.
import type * as Cookies from "../../../ingest/src/access/cookies.js";
import type * as Connect from "../../../ingest/src/access/discourse-connect.js";
import type * as ReturnUrl from "../../../ingest/src/access/return-url.js";
import type * as SessionCookie from "../../../ingest/src/access/session-cookie.js";
import { ascii, check, importFrom, type FuzzTarget } from "../engine/target.js";

const SECRET = "fuzz-connect-secret";
const ALLOWED = ["https://forum.example.org", "https://live.example.org"];

export async function load(root: string): Promise<FuzzTarget> {
  const connect = await importFrom<typeof Connect>(root, "access/discourse-connect");
  const { cookieValues } = await importFrom<typeof Cookies>(root, "access/cookies");
  const { checkReturnUrl } = await importFrom<typeof ReturnUrl>(root, "access/return-url");
  const session = await importFrom<typeof SessionCookie>(root, "access/session-cookie");
  const key = session.sessionKey(SECRET);
  const now = 1_800_000_000;

  const answer = (fields: Record<string, string>) => {
    const sso = connect.encodePayload(fields);
    return `sso=${encodeURIComponent(sso)}&sig=${connect.signPayload(sso, SECRET)}`;
  };
  const seeds = [
    answer({ nonce: "0123456789abcdef0123456789abcdef", external_id: "42", username: "ana", groups: "patrons,trust_level_1" }),
    answer({ nonce: "n", return_sso_url: "https://live.example.org/live/auth/callback", prompt: "none", failed: "true" }),
    `live_session=${session.signSession({ externalId: "1", username: "ana", groups: ["a"] }, now, 3600, key)}; _t=x`,
    "/t/friday-show/12?page=2#post_3",
    "https://forum.example.org/t/1",
    "//evil.example.com/",
  ];
  return {
    files: ["access/discourse-connect.ts", "access/cookies.ts", "access/return-url.ts", "access/session-cookie.ts"],
    seeds: ascii(...seeds),
    dictionary: ascii(
      "sso=",
      "&sig=",
      "nonce=",
      "external_id=",
      "username=",
      "groups=",
      "failed=true",
      "%3D",
      "%2B",
      "=",
      "+",
      "/",
      "live_session=",
      ";",
      ".",
      '"',
      "https://",
      "//",
      "\\",
      "@",
      ":",
      "%0A",
    ),
    maxLength: 4096,
    run(data) {
      const text = data.toString("latin1");
      const response = connect.parseResponse(text, SECRET);
      if (response.ok) {
        const sso = new URLSearchParams(text).get("sso")!;
        check(
          connect.verifySignature(sso, new URLSearchParams(text).get("sig")!, SECRET),
          "accepted an answer without the right signature",
        );
        check(response.nonce.length > 0, "accepted an answer without a nonce");
      }
      try {
        const fields = connect.decodePayload(text);
        check(
          connect.decodePayload(connect.encodePayload(Object.fromEntries(fields))).size === fields.size,
          "payload round trip lost fields",
        );
      } catch (error) {
        check(error instanceof connect.PayloadError, `decodePayload threw ${String(error)}`);
      }
      for (const value of cookieValues(text, "live_session")) {
        const s = session.verifySession(value, now, key);
        if (s)
          check(
            value === session.signSession(s, s.issuedAt, s.expiresAt - s.issuedAt, key),
            "accepted a session that is not exactly what was signed",
          );
      }
      const target = checkReturnUrl(text, "https://forum.example.org", ALLOWED);
      if (target !== undefined) check(ALLOWED.includes(new URL(target).origin), `redirect outside the allowed origins: ${target}`);
    },
  };
}
