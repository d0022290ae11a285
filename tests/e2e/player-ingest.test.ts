import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { killPublishers, publish, startTestIngest, until, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { PageServer } from "./support/page-server.js";
import { PlayerPage } from "./support/player-page.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GRACE_S = 10;

// The whole system: a real ffmpeg publishing RTMP → the real ingest (startIngest) → the committed
// bundle in Chromium, on a page of another origin served with Discourse's CSP. The two tests share
// one page and follow one show from before it starts to after it ends.
describeWithChromium("player bundle in Chromium, real ingest and RTMP publisher", () => {
  let browser: Browser;
  let pages: PageServer;
  let ingest: TestIngest;
  let page: PlayerPage;
  let publisher: Publisher | null = null;
  const requests: { url: string; at: number }[] = [];

  const mediaRequestsSince = (at: number) =>
    requests.filter((r) => r.at > at && r.url.includes(`/live/${ingest.stream}/`) && !r.url.endsWith("status.json"));
  const status = async () =>
    JSON.parse((await ingest.get(`/live/${ingest.stream}/status.json`)).text) as { state: string; viewers: number };

  beforeAll(async () => {
    ingest = await startTestIngest(["--part-ms", "200", "--grace-s", String(GRACE_S)]);
    pages = new PageServer();
    await pages.start();
    browser = await launchChromium();
    page = await PlayerPage.open(browser, pages, "worker-src 'self'");
    page.page.on("request", (request) => requests.push({ url: request.url(), at: Date.now() }));
  });

  afterAll(async () => {
    await browser?.close();
    killPublishers();
    await Promise.allSettled([ingest?.close(), pages?.close()]);
  });

  it("waits offline, goes live when the performer starts, plays without a gap", async () => {
    await page.mount({ baseUrl: `http://127.0.0.1:${ingest.ingest.httpPort}/live`, stream: ingest.stream });
    await page.waitForState("offline", 5_000);
    await sleep(2_000);
    expect(mediaRequestsSince(0)).toEqual([]);

    const publishedAt = Date.now();
    publisher = publish(ingest.rtmpUrl(ingest.key), 120);
    await page.waitForState("live", 20_000);
    const liveAfter = Date.now() - publishedAt;
    // dropped frames on join are measured in player-running-show (a cold browser may drop one here)
    const sample = await page.waitForPlayback(4, 15_000);
    const record = await page.record();
    const firstPlaying = record.playing[0]!;
    expect(sample.videoWidth).toBe(640);
    expect(sample.buffered).toHaveLength(1);
    expect(record.seeks.filter((s) => s.at > firstPlaying)).toEqual([]);
    expect(record.appends.filter((a) => a.type === "ftyp")).toHaveLength(1);
    expect(await page.text(".live-show-badge")).toBe("LIVE");
    await until("the ingest counts this viewer", async () => (await status()).viewers >= 1, 15_000, 500);
    expect(await page.text(".live-show-viewers")).toMatch(/^\d+ watching$/);
    const attachedAt = record.states[2]!.at; // "loading" again: status said live, the media is being attached
    console.info(
      `real ingest: live ${liveAfter} ms after the publisher started, first frame ` +
        `${(record.firstFrameAt! - attachedAt).toFixed(0)} ms after the player saw the stream live, behind the ingest clock ` +
        `${(await page.latency())?.toFixed(2)} s`,
    );

    await page.waitForPlayback(4, 20_000);
    await page.waitForState("live", 10_000);
    expect((await page.record()).csp).toEqual([]);
    expect(page.httpErrors).toEqual([]);
  });

  it("keeps the picture while the performer reconnects, resumes by itself, shows the end, and goes quiet on destroy", async () => {
    await publisher!.kill();
    await page.waitForState("reconnecting", 15_000);
    const frozen = await page.video();
    expect(frozen.count).toBe(1);
    expect(frozen.videoWidth).toBe(640);

    publisher = publish(ingest.rtmpUrl(ingest.key), 120);
    await page.waitForState("live", 20_000);
    await page.waitForPlayback(3, 15_000);

    await publisher.kill();
    await page.waitForState("ended", (GRACE_S + 15) * 1_000);
    expect(await page.text(".live-show-message")).toBe("The show has ended.");
    const endedAt = Date.now();
    await sleep(2_000);
    expect(mediaRequestsSince(endedAt)).toEqual([]);

    await page.destroy();
    const destroyedAt = Date.now();
    await sleep(2_500);
    expect(requests.filter((r) => r.at > destroyedAt)).toEqual([]);
    expect(await page.page.$$eval("video", (videos) => videos.length)).toBe(0);
    const record = await page.record();
    expect(record.csp).toEqual([]);
    expect(record.xhrOpen + record.fetchOpen).toBe(0);
    expect(page.httpErrors).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(await page.states()).toEqual(["loading", "offline", "loading", "live", "reconnecting", "live", "reconnecting", "ended"]);
  });
});
