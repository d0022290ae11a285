// A members-only show in Chromium: a topic page of a test forum (which is also the DiscourseConnect
// provider, as Discourse is) on the same site as the real ingest, served with Discourse's CSP. The player
// says who may watch, its "Log in" link goes through the forum and back to the same topic, and there the
// show starts by itself; a member of another group is told which group the show is for.
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseAccessMode } from "../../ingest/src/access/access-mode.js";
import { KeyStore } from "../../ingest/src/keys/index.js";
import { TestDiscourseProvider } from "../ingest/access/discourse-provider.js";
import { startSignInIngest } from "../ingest/access/sign-in-ingest.js";
import { killPublishers, publish, until, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { BUNDLE_PATH, CSP_VARIANTS, NONCE, pageHtml } from "./support/page-server.js";
import { PlayerPage } from "./support/player-page.js";

const SECRET = "e2e-connect-secret-0123456789";
const TOPIC = "/t/friday-show/12";

describeWithChromium("members-only show in Chromium: sign-in through the forum, real ingest", () => {
  let browser: Browser;
  let forum: TestDiscourseProvider;
  let t: TestIngest;
  let publisher: Publisher;
  let secretDir: string;
  let ingestUrl = "";

  const setAccess = async (mode: string) => {
    await new KeyStore({ file: path.join(t.dir, "keys.json") }).setAccess(t.stream, parseAccessMode(mode)!);
    const kind = mode.split(":")[0];
    await until(`access ${kind}`, async () => JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text).access === kind, 10_000, 100);
  };

  beforeAll(async () => {
    // The topic page mounts the player as the theme does, on load; the forum serves the bundle too.
    forum = new TestDiscourseProvider({
      secrets: { "127.0.0.1": SECRET },
      members: { ana: { id: 1, groups: ["trust_level_1", "patrons"] } },
      other: (req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        if (url.pathname === "/live-player.js") {
          void readFile(BUNDLE_PATH).then((body) => res.writeHead(200, { "Content-Type": "text/javascript" }).end(body));
          return;
        }
        if (url.pathname !== TOPIC) return void res.writeHead(404).end();
        const mount = `<script nonce="${NONCE}">window.__mount(${JSON.stringify({ baseUrl: `${ingestUrl}/live`, stream: t.stream })});</script>`;
        res
          .writeHead(200, {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": CSP_VARIANTS["no worker-src"],
            "Cache-Control": "no-store",
          })
          .end(pageHtml().replace("</body>", `${mount}</body>`));
      },
    });
    await forum.start();
    ({ ingest: t, url: ingestUrl, secretDir } = await startSignInIngest(forum.url, SECRET));
    await setAccess("members");
    publisher = publish(t.rtmpUrl(), 120);
    await until("live", async () => JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text).live === true, 30_000, 200);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    killPublishers();
    await publisher?.kill();
    await Promise.allSettled([t?.close(), forum?.close()]);
    if (secretDir) await rm(secretDir, { recursive: true, force: true });
  });

  it("a reader not signed in sees 'Members only', logs in on the forum, is back in the topic and the show plays by itself", async () => {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    const page = await PlayerPage.visit(await context.newPage(), `${forum.url}${TOPIC}`);
    await page.page.waitForSelector(".live-show-access-action:not([hidden])", { timeout: 20_000 });
    expect(await page.text(".live-show-message")).toBe("Members only — log in to watch");
    expect(await page.text(".live-show-access-action")).toBe("Log in");
    const href = await page.page.$eval(".live-show-access-action", (a) => (a as HTMLAnchorElement).href);
    expect(href).toBe(`${ingestUrl}/live/auth/login?return=${encodeURIComponent(`${forum.url}${TOPIC}`)}`);
    expect((await page.video()).currentTime).toBe(0);

    // prompt=none first: no forum session, so the forum's login page, then back through the forum.
    await page.page.click(".live-show-access-action");
    await page.page.waitForURL(`${forum.url}/login`, { timeout: 15_000 });
    await page.page.goto(`${forum.url}/login?username=ana`);
    await page.page.waitForURL(`${forum.url}${TOPIC}`, { timeout: 15_000 });
    const sample = await page.waitForPlayback(3, 30_000);
    expect(sample.videoWidth).toBe(640);
    expect(await page.page.isHidden(".live-show-access-action")).toBe(true);
    const cookies = await context.cookies(`${ingestUrl}/live/`);
    expect(cookies.find((c) => c.name === "live_session")).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/live" });
    expect((await page.record()).csp).toEqual([]);
    expect(page.httpErrors.filter((e) => !e.startsWith("401 "))).toEqual([]);
    await context.close();
  });

  it("a member of other groups is told which group the show is for, with a link to it", async () => {
    await setAccess("groups:crew");
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    // Signed in to the forum already: the round trip is invisible (prompt=none).
    await context.addCookies([{ name: "_t", value: "ana", domain: "127.0.0.1", path: "/" }]);
    const page = await PlayerPage.visit(await context.newPage(), `${forum.url}${TOPIC}`);
    await page.page.waitForSelector(".live-show-access-action:not([hidden])", { timeout: 20_000 });
    await page.page.click(".live-show-access-action");
    await page.page.waitForURL(`${forum.url}${TOPIC}`, { timeout: 15_000 });
    await until("the group message", async () => (await page.page.textContent(".live-show-message"))?.includes("crew"), 20_000, 200);
    expect(await page.text(".live-show-message")).toBe("This show is for members of crew");
    expect(await page.text(".live-show-access-action")).toBe("See the group");
    expect(await page.page.$eval(".live-show-access-action", (a) => (a as HTMLAnchorElement).href)).toBe(`${forum.url}/g/crew`);
    expect((await page.video()).currentTime).toBe(0);
    expect((await page.record()).csp).toEqual([]);
    await context.close();
  });
});
