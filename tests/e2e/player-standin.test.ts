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
    await page.destroy();
    await page.close();
  });

  // Chromium lets 'strict-dynamic' script-src start blob: workers when worker-src is absent;
  // worker-src 'self' (Discourse's default before blob: was added) blocks them.
  it("records a CSP violation when a blob: worker is created under worker-src 'self' (the detector works)", async () => {
    const page = await openPage("worker-src 'self'");
    await page.page.evaluate(() => {
      try {
        new Worker(URL.createObjectURL(new Blob(["postMessage(1)"], { type: "text/javascript" })));
      } catch {
        // blocked synchronously or by the violation report: either way the event fires
      }
    });
    await page.page.waitForFunction(() => (window as any).__test.csp.length > 0, null, { timeout: 5_000 });
    expect((await page.record()).csp[0]).toMatch(/^worker-src blob/);
    await page.close();
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

  it("heartbeats while playing, stops when paused, offers go live, and unmutes on request", async () => {
    const page = await openPage();
    await page.mount({ baseUrl: ingest.baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(1, 10_000);
    await page.page.waitForFunction(() => true, null, { timeout: 100 });
    const sent = () => ingest.requests.filter((r) => r.path.endsWith("/viewers") && r.method === "POST").length;
    expect(sent()).toBeGreaterThanOrEqual(1);
    expect(ingest.heartbeats.at(-1)).toMatch(/^[0-9a-f]{32}$/);

    await page.page.click(".live-show-unmute");
    await page.page.waitForSelector(".live-show-unmute", { state: "hidden", timeout: 2_000 });
    expect((await page.video()).muted).toBe(false);

    await page.page.click(".vjs-play-control");
    await page.page.waitForSelector(".live-show-go-live", { state: "visible", timeout: 2_000 });
    expect((await page.video()).paused).toBe(true);
    await sleep(500); // a heartbeat sent just before the pause may still be finishing
    const whilePaused = sent();
    await sleep(11_000);
    expect(sent()).toBe(whilePaused);

    await page.page.click(".live-show-go-live");
    await page.waitForPlayback(1, 10_000);
    await page.page.waitForSelector(".live-show-go-live", { state: "hidden", timeout: 2_000 });
    await page.page.waitForFunction(() => true, null, { timeout: 100 });
    expect(sent()).toBeGreaterThan(whilePaused);
    const sample = await page.video();
    const bufferedEnd = sample.buffered.at(-1)![1];
    expect(bufferedEnd - sample.currentTime).toBeLessThan(5); // back near the edge, not 11 s behind
    await page.destroy();
    await page.close();
  });

  it("leaves no players, timers, requests or growing memory after 100 mount/destroy cycles", async () => {
    const page = await openPage();
    const cdp = await page.page.context().newCDPSession(page.page);
    const heap = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      return ((await cdp.send("Runtime.getHeapUsage")) as { usedSize: number }).usedSize;
    };
    const cycle = async (i: number) => {
      await page.mount({ baseUrl: ingest.baseUrl, stream: ingest.stream });
      // every tenth cycle plays before it is destroyed; the rest are torn down mid-start
      if (i % 10 === 0) await page.waitForPlayback(0.5, 10_000);
      else await sleep(40 + (i % 7) * 20);
      await page.destroy();
    };
    for (let i = 0; i < 5; i++) await cycle(i * 10);
    await sleep(1_000);
    const before = { record: await page.record(), heap: await heap() };

    for (let i = 0; i < 100; i++) await cycle(i);
    const destroyedAt = Date.now();
    // One-shot timers already running may still fire (the longest we start is 15 s); chains must not.
    // @videojs/xhr leaves its 45 s request timeout pending when a request is aborted (a no-op when it
    // fires): those are VHS's, finite, and not counted.
    const ours = (timers: number[]) => timers.filter((ms) => ms !== 45_000);
    const baseline = ours(before.record.timers).length;
    await page.page
      .waitForFunction((n) => [...(window as any).__test.timers.values()].filter((ms) => ms !== 45_000).length <= n, baseline, {
        timeout: 16_000,
      })
      .catch(() => undefined);
    const after = { record: await page.record(), heap: await heap() };

    expect(await page.page.$$eval("video, .live-show-player, .video-js", (nodes) => nodes.length)).toBe(0);
    expect(after.record.intervals).toBe(before.record.intervals);
    const pending = ours(after.record.timers);
    expect(pending.length, `pending timeouts (ms): ${pending.join(", ")}`).toBeLessThanOrEqual(baseline);
    expect(after.record.xhrOpen).toBe(0);
    expect(after.record.fetchOpen).toBe(0);
    expect(ingest.requests.filter((r) => r.at > destroyedAt + 500)).toEqual([]);
    const grownMb = (after.heap - before.heap) / 1e6;
    console.info(`heap after 100 mount/destroy cycles: ${grownMb.toFixed(2)} MB more than after 5`);
    expect(grownMb).toBeLessThan(5);
    expect(after.record.csp).toEqual([]);
    expect(page.httpErrors).toEqual([]);
    await page.close();
  });

  it("keeps the picture while the performer reconnects, resumes by itself, then shows the end", async () => {
    const page = await openPage();
    await page.mount({ baseUrl: ingest.baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(1, 10_000);

    await ingest.killPublisher();
    ingest.state = "reconnecting";
    await page.waitForState("reconnecting", 15_000);
    const frozen = await page.video();
    expect(frozen.count).toBe(1);
    expect(frozen.videoWidth).toBe(640); // the last frame stays
    expect(await page.text(".live-show-message")).toMatch(/Reconnecting/);

    await ingest.startPublisher();
    ingest.state = "live";
    await page.waitForState("live", 20_000);
    await page.waitForPlayback(2, 10_000);

    await ingest.endPublisher();
    ingest.state = "ended";
    await page.waitForState("ended", 20_000);
    expect(await page.text(".live-show-message")).toBe("The show has ended.");
    const endedAt = Date.now();
    await sleep(3_000);
    expect(ingest.requests.filter((r) => r.at > endedAt && !r.path.endsWith("status.json"))).toEqual([]);
    expect((await page.record()).csp).toEqual([]);
    expect(page.httpErrors).toEqual([]);
    expect(await page.states()).toEqual(["loading", "live", "reconnecting", "live", "ended"]);
    await page.destroy();
    await page.close();
  });
});
