// A publisher whose clock jumps (forward by an hour, then back by 10 s) mid-show, scripted exactly over RTMP,
// into the real ingest and the player bundle in Chromium: the in-process muxer keeps the media timeline
// continuous and marks discontinuities, so playback just goes on.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestIngest, type TestIngest } from "../ingest/e2e/support.js";
import { encodeFlv } from "../ingest/mp4/flv-media.js";
import { ScriptedPublisher, readFlvTags, shiftTags } from "../ingest/rtmp/helpers/scripted-publisher.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { PageServer } from "./support/page-server.js";
import { PlayerPage } from "./support/player-page.js";

describeWithChromium("player bundle in Chromium, publisher timestamps jumping", () => {
  let browser: Browser;
  let pages: PageServer;
  let ingest: TestIngest;
  let page: PlayerPage;
  let dir: string;
  let publisher: ScriptedPublisher | null = null;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "player-jumps-"));
    ingest = await startTestIngest(["--part-ms", "200", "--grace-s", "30"]);
    pages = new PageServer();
    await pages.start();
    browser = await launchChromium();
    page = await PlayerPage.open(browser, pages, "worker-src 'self'");
  });

  afterAll(async () => {
    publisher?.close();
    await browser?.close();
    await Promise.allSettled([ingest?.close(), pages?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps playing across a jump forward and a jump back, with no HTTP error", async () => {
    const tags = readFlvTags(await encodeFlv(dir, "show", { seconds: 20, gop: 60, size: "640x360" }));
    const base = shiftTags(tags, 0, 60_000);
    const first = base.findIndex((x) => x.type === "video" && x.timestamp > 66_500);
    const second = base.findIndex((x) => x.type === "video" && x.timestamp > 71_300);
    const script = shiftTags(shiftTags(base, first, 3_600_000), second, -3_610_000);
    ({ publisher } = await ScriptedPublisher.publish(ingest.ingest.rtmpPort, ingest.key));
    const sending = publisher.send(script, { speed: 1 });
    await page.mount({ baseUrl: `http://127.0.0.1:${ingest.ingest.httpPort}/live`, stream: ingest.stream });
    await page.waitForState("live", 20_000);
    const before = await page.waitForPlayback(1, 15_000);
    await sending;
    const playlist = (await ingest.get(`/live/${ingest.stream}/index.m3u8`)).text;
    expect(playlist.match(/#EXT-X-DISCONTINUITY\n/g)?.length).toBe(2);
    // Played on through both jumps (at 6.5 s and 11.3 s of the 20 s sent).
    await page.page.waitForFunction((t) => (document.querySelector("video")?.currentTime ?? 0) >= t, before.currentTime + 12, {
      timeout: 20_000,
      polling: 100,
    });
    const video = await page.video();
    expect(video.videoWidth).toBe(640);
    expect(page.httpErrors).toEqual([]);
  });
});
