import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { sessionKey, signSession } from "../../../ingest/src/access/session-cookie.js";
import { DiscourseSignIn } from "../../../ingest/src/access/sign-in.js";

const SECRET = "sign-in-unit-secret-123";

describe("DiscourseSignIn.session", () => {
  it("remembers verified cookies but still ends them at their expiry", () => {
    let now = 1_800_000_000_000;
    const signIn = new DiscourseSignIn({
      discourseUrl: "https://forum.example.org",
      ingestUrl: "https://live.example.org",
      secret: SECRET,
      sessionLifetimeS: 60,
      logger: pino({ level: "silent" }),
      clock: () => now,
    });
    const value = signSession({ externalId: "1", username: "ana", groups: ["patrons"] }, now / 1000, 60, sessionKey(SECRET));
    const header = `_t=x; live_session=${value}`;
    expect(signIn.session(header)?.username).toBe("ana");
    expect(signIn.session(header)?.username).toBe("ana");
    const altered = `${value.slice(0, -1)}${value.endsWith("A") ? "B" : "A"}`;
    expect(signIn.session(`live_session=${altered}`)).toBeUndefined();
    now += 60_000;
    expect(signIn.session(header)).toBeUndefined();
    expect(signIn.loginUrl).toBe("https://live.example.org/live/auth/login");
  });
});
