import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { CSP_VARIANTS, PageServer, type CspVariant } from "./support/page-server.js";
import { PlayerPage } from "./support/player-page.js";
import { StandinIngest } from "./support/standin-ingest.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The committed bundle against a stand-in ingest (ffmpeg's HLS muxer, no LL-HLS parts): states,
// CSP, cross-origin, recovery and clean-up. The tests share one publisher and run in order.
describeWithChromium("player bundle in Chromium, stand-in ingest", () => {
  let browser: Browser;
  let pages: PageServer;
  let ingest: StandinIngest;
  const open: PlayerPage[] = [];

  async function openPage(variant: CspVariant = "no worker-src"): Promise<PlayerPage> {
    const page = await PlayerPage.open(browser, pages, variant);
    open.push(page);
    return page;
  }

  beforeAll(async () => {
    ingest = new StandinIngest();
    pages = new PageServer();
    await Promise.all([ingest.start(), pages.start()]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await Promise.allSettled(open.map((page) => page.close()));
    await browser?.close();
    await Promise.allSettled([ingest?.close(), pages?.close()]);
  });

  it("shows offline without requesting the playlist, then goes live by itself and plays", async () => {
    const page = await openPage();
    await page.mount({ baseUrl: ingest.baseUrl, stream: ingest.stream });
    await page.waitForState("offline", 5_000);
    expect(await page.text(".live-show-message")).toMatch(/hasn't started/);
    await sleep(3_000);
    expect(ingest.requests.filter((r) => r.path.endsWith(".m3u8"))).toEqual([]);

    await ingest.startPublisher();
    ingest.state = "live";
    await page.waitForState("live", 15_000);
    const sample = await page.waitForPlayback(3, 15_000);
    expect(sample.videoWidth).toBe(640);
    expect(sample.muted).toBe(true);
    expect(await page.page.isVisible(".live-show-unmute")).toBe(true);
    expect(await page.text(".live-show-badge")).toBe("LIVE");

    const record = await page.record();
    expect(record.csp).toEqual([]);
    expect(page.httpErrors).toEqual([]);
    expect(await page.states()).toEqual(["loading", "offline", "loading", "live"]);
  });

  it.each(Object.keys(CSP_VARIANTS) as CspVariant[])("plays with Discourse's CSP (%s) and no violations", async (variant) => {
    const page = await openPage(variant);
    await page.mount({ baseUrl: ingest.baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    const sample = await page.waitForPlayback(2, 10_000);
    expect(sample.videoWidth).toBe(640);
    const record = await page.record();
    expect(record.csp).toEqual([]);
    expect(page.httpErrors).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    await page.destroy();
    await page.close();
  });
});
