// Members-only streams on the real ingest, signing in through a test forum that implements the provider
// side of DiscourseConnect: every protected resource kind, forged/expired/tampered sessions, groups, a
// mode change at run time, open-redirect and replay attempts, and the secret kept out of logs and responses.
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAccessMode } from "../../../ingest/src/access/access-mode.js";
import { sessionKey, signSession } from "../../../ingest/src/access/session-cookie.js";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { killPublishers, parsePlaylist, publish, until, type Publisher, type TestIngest } from "../e2e/support.js";
import { get, type Reply } from "../http/http-client.js";
import { TestDiscourseProvider } from "./discourse-provider.js";
import { startSignInIngest } from "./sign-in-ingest.js";
import { TestBrowser } from "./test-browser.js";

const SECRET = "test-connect-secret-7f3a9c1e5b";
let forum: TestDiscourseProvider;
let t: TestIngest;
let publisher: Publisher;
let secretDir: string;
let ingestUrl: string;
const replies: Reply[] = [];

async function setAccess(mode: string): Promise<void> {
  await new KeyStore({ file: path.join(t.dir, "keys.json") }).setAccess(t.stream, parseAccessMode(mode)!);
  const kind = mode.split(":")[0];
  await until(
    `status access ${kind}`,
    async () => JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text).access === kind,
    10_000,
    100,
  );
}

/** GET (or POST) on the ingest as `browser`, recorded for the secret check. */
async function fetchAs(
  browser: TestBrowser | undefined,
  pathname: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<Reply> {
  const reply = browser
    ? await browser.fetch(`${ingestUrl}${pathname}`, headers, method)
    : await get(`${ingestUrl}${pathname}`, { method, headers });
  replies.push(reply);
  return reply;
}

async function signedIn(username: string): Promise<TestBrowser> {
  const browser = new TestBrowser();
  browser.jar.set("_t", { value: username, path: "/" });
  const { url } = await browser.navigate(`${ingestUrl}/live/auth/login?return=${encodeURIComponent(`${forum.url}/t/friday-show/12`)}`);
  expect(url).toBe(`${forum.url}/t/friday-show/12`);
  expect(browser.cookie("live_session")).toBeDefined();
  return browser;
}

/** recordings.json and each kind of recording file (the recording itself need not exist: the guard answers first). */
function recordingPaths(): string[] {
  const base = `/live/${t.stream}/recordings`;
  return [
    `${base}.json`,
    `${base}/20250101-200000/index.m3u8`,
    `${base}/20250101-200000/seg-1.m4s`,
    `${base}/20250101-200000/recording.mp4`,
  ];
}

/** The paths of every media resource kind of the stream, from a playlist read while it was public. */
let media: { playlist: string; init: string; part: string; segment: string };

beforeAll(async () => {
  forum = new TestDiscourseProvider({
    secrets: { "127.0.0.1": SECRET },
    members: { ana: { id: 1, groups: ["trust_level_1", "patrons"] }, bob: { id: 2, groups: ["crew"] } },
    other: (_req, res) => void res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>topic</title>"),
  });
  await forum.start();
  ({ ingest: t, url: ingestUrl, secretDir } = await startSignInIngest(forum.url, `${SECRET}\n`));
  publisher = publish(t.rtmpUrl(), 90);
  const text = await until(
    "a playlist with a complete segment",
    async () => {
      const reply = await t.get(`/live/${t.stream}/index.m3u8`);
      return reply.status === 200 && reply.text.includes("seg-") ? reply.text : undefined;
    },
    45_000,
    200,
  );
  const p = parsePlaylist(text).manifest;
  const segment = p.segments[0]!;
  const base = `/live/${t.stream}/`;
  media = {
    playlist: `${base}index.m3u8`,
    init: `${base}${segment.map!.uri}`,
    part: `${base}${(segment.parts ?? p.preloadSegment!.parts!)[0]!.uri}`,
    segment: `${base}${segment.uri}`,
  };
}, 90_000);

afterAll(async () => {
  killPublishers();
  await publisher?.kill();
  await t?.close();
  await forum?.close();
  await rm(secretDir, { recursive: true, force: true });
});

describe("members-only stream on the real ingest", () => {
  it("is public by default, with credentials allowed for the forum's exact origin", async () => {
    const reply = await fetchAs(undefined, media.playlist, { Origin: forum.url });
    expect(reply.status).toBe(200);
    expect(reply.headers["cache-control"]).toBe("public, max-age=1");
    expect(reply.headers["access-control-allow-origin"]).toBe(forum.url);
    expect(reply.headers["access-control-allow-credentials"]).toBe("true");
    expect(JSON.parse((await fetchAs(undefined, `/live/${t.stream}/status.json`)).text).access).toBe("public");
  });

  it("members: every resource kind needs a session (401 naming the login URL); status stays public", async () => {
    await setAccess("members");
    for (const pathname of Object.values(media)) {
      const reply = await fetchAs(undefined, pathname);
      expect(reply.status, pathname).toBe(401);
      expect(reply.headers["cache-control"]).toBe("no-store");
      expect(JSON.parse(reply.text)).toMatchObject({ access: "members", login: `${ingestUrl}/live/auth/login` });
    }
    // Rendition URLs (/live/<stream>/<rendition>/...) are the same kinds: guarded too, before any 404.
    for (const pathname of [
      ...Object.values(media).map((p) => p.replace(`/${t.stream}/`, `/${t.stream}/source/`)),
      `/live/${t.stream}/240p/index.m3u8`,
    ])
      expect((await fetchAs(undefined, pathname)).status, pathname).toBe(401);
    const beat = await fetchAs(undefined, `/live/${t.stream}/viewers`, { "Content-Type": "application/json" }, "POST");
    expect(beat.status).toBe(401);
    for (const pathname of recordingPaths()) expect((await fetchAs(undefined, pathname)).status, pathname).toBe(401);
    expect((await fetchAs(undefined, `/live/${t.stream}.m3u8`)).status).toBe(401);
    const status = await fetchAs(undefined, `/live/${t.stream}/status.json`);
    expect(status.status).toBe(200);
    expect(JSON.parse(status.text)).toMatchObject({ name: t.stream, live: true, access: "members" });
    expect(JSON.parse((await fetchAs(undefined, "/live/status.json")).text).streams[0].access).toBe("members");
  });

  it("forged, tampered and expired sessions are refused", async () => {
    const key = sessionKey(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const user = { externalId: "1", username: "ana", groups: ["patrons"] };
    const valid = signSession(user, now, 3600, key);
    const cookies = {
      forged: signSession(user, now, 3600, sessionKey("not-the-forum-secret")),
      tampered: valid.replace(/^./, (c) => (c === "e" ? "f" : "e")),
      expired: signSession(user, now - 7200, 3600, key),
      garbage: "a.b",
    };
    for (const [name, value] of Object.entries(cookies)) {
      expect((await fetchAs(undefined, media.playlist, { Cookie: `live_session=${value}` })).status, name).toBe(401);
    }
    const ok = await fetchAs(undefined, media.playlist, { Cookie: `live_session=${valid}` });
    expect(ok.status).toBe(200);
  });

  it("a forum member signs in through the forum without seeing it (prompt=none) and gets every resource, marked private", async () => {
    const ana = await signedIn("ana");
    expect(ana.hops.map((h) => new URL(h).pathname)).toEqual([
      "/live/auth/login",
      "/session/sso_provider",
      "/live/auth/callback",
      "/t/friday-show/12",
    ]);
    const request = forum.requests.at(-1)!;
    expect(request).toMatchObject({ prompt: "none", return_sso_url: `${ingestUrl}/live/auth/callback` });
    expect(request.nonce).toMatch(/^[0-9a-f]{32}$/);
    for (const pathname of Object.values(media)) {
      const reply = await fetchAs(ana, pathname, { Origin: forum.url });
      expect(reply.status, pathname).toBe(200);
      expect(reply.headers["cache-control"], pathname).toMatch(/^private, max-age=/);
    }
    const beat = await fetchAs(ana, `/live/${t.stream}/viewers`, { "Content-Type": "application/json" }, "POST");
    expect(beat.status).toBe(400); // past the guard: the body is checked next
    const list = await fetchAs(ana, `/live/${t.stream}/recordings.json`);
    expect(list.status).toBe(200);
    expect(list.headers["cache-control"]).toBe("private, max-age=1");
    for (const pathname of recordingPaths().slice(1))
      expect([200, 206, 404, 503], pathname).toContain((await fetchAs(ana, pathname)).status);
  });

  it("the session cookie is HttpOnly, SameSite=Lax, scoped to /live, expiring; logout ends it", async () => {
    const browser = new TestBrowser();
    browser.jar.set("_t", { value: "ana", path: "/" });
    const first = await browser.fetch(`${ingestUrl}/live/auth/login?return=/t/1`);
    expect(first.headers["set-cookie"]![0]).toMatch(
      /^live_auth_state=[A-Za-z0-9_-]{24}; Path=\/live\/auth; Max-Age=600; HttpOnly; SameSite=Lax$/,
    );
    const toForum = await browser.fetch(first.headers.location!);
    const callback = await browser.fetch(toForum.headers.location!);
    const session = callback.headers["set-cookie"]!.find((c) => c.startsWith("live_session="))!;
    expect(session).toMatch(/^live_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; Path=\/live; Max-Age=14400; HttpOnly; SameSite=Lax$/);
    expect(callback.headers["referrer-policy"]).toBe("no-referrer");
    const out = await browser.fetch(`${ingestUrl}/live/auth/logout?return=${encodeURIComponent(`${forum.url}/t/1`)}`);
    expect(out.status).toBe(302);
    expect(out.headers.location).toBe(`${forum.url}/t/1`);
    expect(browser.cookie("live_session")).toBeUndefined();
    expect((await fetchAs(browser, media.playlist)).status).toBe(401);
  });

  it("a viewer not signed in to the forum is sent to the forum's login, then back", async () => {
    const browser = new TestBrowser();
    const { url } = await browser.navigate(`${ingestUrl}/live/auth/login?return=/t/friday-show/12`);
    expect(url).toBe(`${forum.url}/login`);
    expect(forum.requests.at(-2)).toMatchObject({ prompt: "none" });
    expect(forum.requests.at(-1)!.prompt).toBeUndefined();
    const back = await browser.navigate(`${forum.url}/login?username=bob`);
    expect(back.url).toBe(`${forum.url}/t/friday-show/12`);
    expect((await fetchAs(browser, media.playlist)).status).toBe(200);
  });

  it("groups: members of another group get 403 naming the groups; the group's members 200", async () => {
    await setAccess("groups:crew,staff");
    const ana = await signedIn("ana");
    const denied = await fetchAs(ana, media.segment);
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.text)).toMatchObject({
      access: "groups",
      user: "ana",
      groups: [
        { name: "crew", url: `${forum.url}/g/crew` },
        { name: "staff", url: `${forum.url}/g/staff` },
      ],
    });
    const bob = await signedIn("bob");
    expect((await fetchAs(bob, media.segment)).status).toBe(200);
    await setAccess("public");
    expect((await fetchAs(undefined, media.segment)).headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it.each([
    "https://evil.example.com/",
    "//evil.example.com/x",
    "/\\evil.example.com",
    `${"http://127.0.0.1"}.evil.example.com/`,
    "javascript:alert(1)",
    `http://127.0.0.1:1/t/1`,
  ])("refuses the return URL %s (no open redirect)", async (target) => {
    const reply = await fetchAs(new TestBrowser(), `/live/auth/login?return=${encodeURIComponent(target)}`);
    expect(reply.status).toBe(400);
    expect(reply.headers.location).toBeUndefined();
    const out = await fetchAs(undefined, `/live/auth/logout?return=${encodeURIComponent(target)}`);
    expect(out.status).toBe(400);
  });

  it("refuses a replayed callback, a callback in another browser, and an answer signed with another secret", async () => {
    const browser = new TestBrowser();
    browser.jar.set("_t", { value: "ana", path: "/" });
    const login = await browser.fetch(`${ingestUrl}/live/auth/login?return=/t/1`);
    const callbackUrl = (await browser.fetch(login.headers.location!)).headers.location!;
    const stranger = new TestBrowser();
    expect((await fetchAs(stranger, callbackUrl.slice(ingestUrl.length))).status).toBe(403);
    // The stranger's try spent the nonce: the real browser cannot use it either (single use).
    expect((await fetchAs(browser, callbackUrl.slice(ingestUrl.length))).status).toBe(403);

    const again = await signedIn("ana");
    const login2 = await again.fetch(`${ingestUrl}/live/auth/login?return=/t/1`);
    const callback2 = (await again.fetch(login2.headers.location!)).headers.location!;
    expect((await again.fetch(callback2)).status).toBe(302);
    expect((await fetchAs(again, callback2.slice(ingestUrl.length))).status).toBe(403);

    const params = new URL(callback2).searchParams;
    const sso = params.get("sso")!;
    const { createHmac } = await import("node:crypto");
    const foreign = createHmac("sha256", "another-forum-secret").update(sso).digest("hex");
    expect((await fetchAs(again, `/live/auth/callback?sso=${encodeURIComponent(sso)}&sig=${foreign}`)).status).toBe(403);
  });

  it("never shows the secret in a log line or a response", () => {
    expect(t.logs.length).toBeGreaterThan(0);
    expect(t.logs.join("\n")).not.toContain(SECRET);
    expect(t.logs.some((l) => l.includes("viewer signed in"))).toBe(true);
    for (const reply of replies) {
      expect(reply.text).not.toContain(SECRET);
      expect(JSON.stringify(reply.headers)).not.toContain(SECRET);
    }
  });
});
