import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { killPublishers, publish, startTestIngest, until, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { CSP_VARIANTS, PageServer, type CspVariant } from "./support/page-server.js";
import { PlayerPage } from "./support/player-page.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const JOINS = 4;

// Viewers of a show that is already running: a real ffmpeg publishing RTMP (2 s GOP) to the real
// ingest (200 ms parts), the committed bundle in Chromium on another origin with Discourse's CSP.
describeWithChromium("player bundle in Chromium, joining a running show on the real ingest", () => {
  let browser: Browser;
  let pages: PageServer;
  let ingest: TestIngest;
  let publisher: Publisher;
  let baseUrl = "";
  const opened: PlayerPage[] = [];

  async function openPage(variant: CspVariant = "worker-src 'self'"): Promise<PlayerPage> {
    const page = await PlayerPage.open(browser, pages, variant);
    opened.push(page);
    return page;
  }

  async function closePage(page: PlayerPage): Promise<void> {
    await page.destroy();
    await page.close();
  }

  beforeAll(async () => {
    ingest = await startTestIngest(["--part-ms", "200"]);
    baseUrl = `http://127.0.0.1:${ingest.ingest.httpPort}/live`;
    pages = new PageServer();
    await pages.start();
    publisher = publish(ingest.rtmpUrl(ingest.key), 600);
    const status = async () => JSON.parse((await ingest.get(`/live/${ingest.stream}/status.json`)).text) as { state: string };
    await until("the show is live", async () => (await status()).state === "live", 20_000, 200);
    await sleep(4_000); // a few segments, so joins land anywhere in a GOP
    browser = await launchChromium();
    // The first video a fresh headless Chromium plays can drop a frame or two while its media
    // pipeline warms up (seen on a busy 2-core machine, never on later playbacks): warm it once.
    const warmUp = await PlayerPage.open(browser, pages, "worker-src 'self'");
    await warmUp.mount({ baseUrl, stream: ingest.stream });
    await warmUp.waitForPlayback(2, 15_000);
    await closePage(warmUp);
  });

  afterAll(async () => {
    await Promise.allSettled(opened.map((page) => page.page.close()));
    await browser?.close();
    killPublishers();
    await Promise.allSettled([ingest?.close(), pages?.close()]);
  });

  it(`joins ${JOINS} times on a keyframe, without a lost frame, a gap jump or a second init segment`, async () => {
    const report: string[] = [];
    for (let join = 0; join < JOINS; join++) {
      await sleep(370 + join * 450); // spread the joins over the 2 s GOP
      const page = await openPage();
      await page.mount({ baseUrl, stream: ingest.stream });
      await page.waitForState("live", 10_000);
      const joined = await page.waitForPlayback(2, 15_000); // the join window, where a freeze would be
      const record = await page.record();
      const firstPlaying = record.playing[0]!;
      const latency = await page.latency();
      const context = JSON.stringify({ join, rates: record.rates, waiting: record.waiting.map((t) => t - firstPlaying), latency });
      expect(joined.dropped, `frames dropped in the first 2 s ${context}`).toBe(0);
      expect(joined.videoWidth).toBe(640);
      expect(record.appends.filter((a) => a.type === "ftyp")).toHaveLength(1);
      expect(
        record.seeks.filter((s) => s.at > firstPlaying),
        "seeks (gap jumps) after playback started",
      ).toEqual([]);
      expect(joined.buffered).toHaveLength(1);
      expect(record.csp).toEqual([]);
      expect(page.httpErrors).toEqual([]);
      const attachedAt = record.states[0]!.at;
      report.push(
        `join ${join + 1}: first frame ${(record.firstFrameAt! - attachedAt).toFixed(0)} ms after mount, ` +
          `dropped ${joined.dropped}/${joined.total} frames, ` +
          `stalls ${record.waiting.filter((at) => at > firstPlaying).length}, ` +
          `behind the ingest clock ${latency === null ? "?" : latency.toFixed(2)} s`,
      );
      await closePage(page);
    }
    console.info(report.join("\n"));
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
    await page.mount({ baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    const sample = await page.waitForPlayback(2, 10_000);
    expect(sample.videoWidth).toBe(640);
    expect(await page.page.isHidden(".live-show-quality"), "no quality menu for a media playlist").toBe(true);
    expect((await page.record()).csp).toEqual([]);
    expect(page.httpErrors).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    await closePage(page);
  });

  it("heartbeats while playing, stops when paused, offers go live, and unmutes on request", async () => {
    const page = await openPage();
    const posts: number[] = [];
    page.page.on("requestfinished", (request) => {
      if (request.method() === "POST" && request.url().endsWith(`/${ingest.stream}/viewers`)) posts.push(Date.now());
    });
    await page.mount({ baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(1, 10_000);
    await until("a heartbeat", () => posts.length >= 1, 5_000);
    expect(await page.page.isVisible(".live-show-unmute")).toBe(true);

    await page.page.click(".live-show-unmute");
    await page.page.waitForSelector(".live-show-unmute", { state: "hidden", timeout: 2_000 });
    expect((await page.video()).muted).toBe(false);

    await page.revealControls();
    await page.page.click(".vjs-play-control");
    await page.page.waitForSelector(".live-show-go-live", { state: "visible", timeout: 2_000 });
    expect((await page.video()).paused).toBe(true);
    await sleep(500); // a heartbeat sent just before the pause may still be finishing
    const whilePaused = posts.length;
    await sleep(11_000);
    expect(posts.length, "heartbeats while paused").toBe(whilePaused);

    await page.page.click(".live-show-go-live");
    await page.waitForPlayback(1, 10_000);
    await page.page.waitForSelector(".live-show-go-live", { state: "hidden", timeout: 2_000 });
    await until("heartbeats again", () => posts.length > whilePaused, 5_000);
    const sample = await page.video();
    expect(sample.buffered.at(-1)![1] - sample.currentTime).toBeLessThan(5); // back near the edge, not 11 s behind
    expect(page.httpErrors).toEqual([]);
    await closePage(page);
  });

  it("waits for the viewer's click when autoplay is off, then plays with sound", async () => {
    const page = await openPage();
    const media: string[] = [];
    page.page.on("request", (request) => {
      if (/\/(part|seg)-[\d-]+\.m4s$/.test(request.url())) media.push(request.url());
    });
    await page.mount({ baseUrl, stream: ingest.stream, autoplay: false });
    await page.waitForState("live", 10_000);
    await page.page.waitForSelector(".live-show-play", { state: "visible", timeout: 5_000 });
    await sleep(1_500);
    expect(media).toEqual([]); // nothing but playlists until the viewer asks
    await page.page.click(".live-show-play");
    const sample = await page.waitForPlayback(2, 10_000);
    expect(sample.muted).toBe(false);
    expect(await page.page.isVisible(".live-show-play")).toBe(false);
    expect(await page.page.isVisible(".live-show-unmute")).toBe(false);
    await closePage(page);
  });

  it("explains an unreachable ingest in words and keeps retrying", async () => {
    const page = await openPage();
    const attempts: number[] = [];
    page.page.on("request", (request) => {
      if (request.url().startsWith("http://127.0.0.1:9/")) attempts.push(Date.now());
    });
    await page.mount({ baseUrl: "http://127.0.0.1:9/live", stream: ingest.stream });
    await page.waitForState("error", 10_000);
    expect(await page.text(".live-show-message")).toBe("Can't reach the stream right now. Retrying…");
    expect(await page.page.$$eval(".vjs-error-display, .vjs-modal-dialog:not(.vjs-hidden)", (nodes) => nodes.length)).toBe(0);
    await until("a retry", () => attempts.length >= 2, 10_000);
    await closePage(page);
  });

  it("catches up after the performer's stream stalls, then plays at normal speed again", async () => {
    const page = await openPage();
    await page.mount({ baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(2, 10_000);
    const before = await page.latency();

    // the encoder freezes for 4 s, then sends its backlog at once (ffmpeg -re catching up)
    publisher.child.kill("SIGSTOP");
    await sleep(4_000);
    publisher.child.kill("SIGCONT");
    await page.page.waitForFunction(() => (document.querySelector("video")?.playbackRate ?? 1) > 1, null, { timeout: 15_000 });
    await page.page.waitForFunction(() => document.querySelector("video")?.playbackRate === 1, null, { timeout: 45_000 });
    const after = await page.latency();
    const video = await page.video();
    const ahead = video.buffered.at(-1)![1] - video.currentTime;
    console.info(
      `stall: behind the ingest clock ${before?.toFixed(2)} s before, ${after?.toFixed(2)} s after catching up; ` +
        `buffered ahead ${ahead.toFixed(2)} s; rates ${(await page.record()).rates.map((r) => r.rate).join(" → ")}`,
    );
    expect(ahead).toBeLessThan(1.5);
    expect((await page.states()).at(-1)).toBe("live");
    expect(page.httpErrors).toEqual([]);
    await closePage(page);
  });

  it("plays plain HLS (whole segments, no blocking reloads) when lowLatency is false", async () => {
    const page = await openPage();
    const urls: string[] = [];
    page.page.on("request", (request) => urls.push(request.url()));
    await page.mount({ baseUrl, stream: ingest.stream, lowLatency: false });
    await page.waitForState("live", 15_000);
    await page.waitForPlayback(3, 20_000);
    const media = urls.filter((url) => url.includes(`/live/${ingest.stream}/`) && !/status\.json|viewers/.test(url));
    expect(media.some((url) => /\/seg-\d+\.m4s$/.test(url))).toBe(true);
    expect(media.filter((url) => /part-|_HLS_/.test(url))).toEqual([]);
    console.info(`plain HLS: behind the ingest clock ${(await page.latency())?.toFixed(2)} s`);
    expect(page.httpErrors).toEqual([]);
    await closePage(page);
  });

  it("leaves no players, timers, requests or growing memory after 100 mount/destroy cycles", async () => {
    const page = await openPage();
    const requests: number[] = [];
    page.page.on("request", () => requests.push(Date.now()));
    const cdp = await page.page.context().newCDPSession(page.page);
    const heap = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      return ((await cdp.send("Runtime.getHeapUsage")) as { usedSize: number }).usedSize;
    };
    const cycle = async (i: number) => {
      await page.mount({ baseUrl, stream: ingest.stream });
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
    expect(requests.filter((at) => at > destroyedAt + 500)).toEqual([]);
    const grownMb = (after.heap - before.heap) / 1e6;
    console.info(`heap after 100 mount/destroy cycles: ${grownMb.toFixed(2)} MB more than after 5`);
    expect(grownMb).toBeLessThan(5);
    expect(after.record.csp).toEqual([]);
    expect(page.httpErrors).toEqual([]);
    await page.close();
  });
});
