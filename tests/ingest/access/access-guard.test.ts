import type { IncomingMessage } from "node:http";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { AccessGuard } from "../../../ingest/src/access/access-guard.js";
import { parseAccessMode, PUBLIC } from "../../../ingest/src/access/access-mode.js";
import type { LiveResourceKind } from "../../../ingest/src/access/access-policy.js";
import { sessionKey, signSession } from "../../../ingest/src/access/session-cookie.js";
import { DiscourseSignIn } from "../../../ingest/src/access/sign-in.js";

const SECRET = "guard-unit-secret-123";
const logger = pino({ level: "silent" });
const signIn = new DiscourseSignIn({
  discourseUrl: "https://forum.example.org",
  ingestUrl: "https://live.example.org",
  secret: SECRET,
  sessionLifetimeS: 3600,
  logger,
});
const modes = new Map([
  ["club", parseAccessMode("members")!],
  ["crew", parseAccessMode("groups:crew")!],
]);
const guard = new AccessGuard({
  modeOf: (s) => modes.get(s) ?? PUBLIC,
  signIn,
  discourseUrl: "https://forum.example.org",
  allowOrigin: "https://forum.example.org",
  logger,
});
const member = `live_session=${signSession({ externalId: "1", username: "ana", groups: ["patrons"] }, Math.floor(Date.now() / 1000), 3600, sessionKey(SECRET))}`;

function ask(stream: string | null, resource: LiveResourceKind | "future-kind", cookie?: string) {
  const request = { headers: cookie ? { cookie } : {} } as IncomingMessage;
  return guard.policy({ request, stream, resource: resource as LiveResourceKind });
}

describe("AccessGuard.policy", () => {
  it.each(["playlist", "init", "part", "segment", "viewers", "recordings", "recording", "future-kind"] as const)(
    "guards %s of a members-only stream (new kinds too)",
    (kind) => {
      expect(ask("club", kind)).toMatchObject({ allow: false, status: 401, body: { login: "https://live.example.org/live/auth/login" } });
      expect(ask("club", kind, member)).toEqual({ allow: true, private: true });
      expect(ask("crew", kind, member)).toMatchObject({
        allow: false,
        status: 403,
        body: { groups: [{ name: "crew", url: "https://forum.example.org/g/crew" }] },
      });
      expect(ask("open", kind)).toEqual({ allow: true });
    },
  );

  it.each(["status", "preview", "script", "auth"] as const)("leaves %s open", (kind) => {
    expect(ask("club", kind)).toEqual({ allow: true });
    expect(ask(null, kind)).toEqual({ allow: true });
  });

  it("describes each stream's mode for status JSON", () => {
    expect([guard.describe("club"), guard.describe("crew"), guard.describe("open")]).toEqual(["members", "groups", "public"]);
  });
});
