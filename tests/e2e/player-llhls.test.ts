import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { PackagerIngest } from "./support/packager-ingest.js";
import { PageServer } from "./support/page-server.js";
import { PlayerPage } from "./support/player-page.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const JOINS = 4;

// Joining a running LL-HLS stream (the ingest's packager and HTTP server, 200 ms parts, 2 s GOP):
// the picture starts on a keyframe and never freezes.
describeWithChromium("player bundle in Chromium, LL-HLS from the ingest's packager", () => {
  let browser: Browser;
  let pages: PageServer;
  let ingest: PackagerIngest;

  beforeAll(async () => {
    ingest = new PackagerIngest({ partMs: 200, gopFrames: 60 });
    pages = new PageServer();
    await Promise.all([ingest.start(), pages.start()]);
    await ingest.startPublisher(2);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.allSettled([ingest?.close(), pages?.close()]);
  });

  it(`joins ${JOINS} times without losing a frame, appending the init segment once`, async () => {
    const report: string[] = [];
    for (let join = 0; join < JOINS; join++) {
      // spread the joins over the GOP: each lands at a different distance from the last keyframe
      await sleep(370 + join * 450);
      const page = await PlayerPage.open(browser, pages, "worker-src 'self'");
      await page.mount({ baseUrl: ingest.baseUrl, stream: ingest.stream });
      await page.waitForState("live", 10_000);
      await page.waitForPlayback(4, 15_000);
      const video = await page.video();
      const record = await page.record();
      const latency = await page.latency();
      const firstPlaying = record.playing[0]!;
      const context = JSON.stringify({ join, rates: record.rates, waiting: record.waiting.map((t) => t - firstPlaying), latency });
      expect(video.dropped, `dropped frames after join ${context}`).toBe(0);
      expect(video.total).toBeGreaterThan(100);
      expect(record.appends.filter((a) => a.type === "ftyp")).toHaveLength(1);
      expect(record.seeks.filter((s) => s.at > firstPlaying), "seeks (gap jumps) after playback started").toEqual([]);
      expect(video.buffered).toHaveLength(1);
      expect(record.csp).toEqual([]);
      expect(page.httpErrors).toEqual([]);
      const stalls = record.waiting.filter((at) => at > firstPlaying).length;
      report.push(
        `join ${join + 1}: first frame ${(record.firstFrameAt! - record.mountedAt!).toFixed(0)} ms after mount, ` +
          `dropped ${video.dropped}/${video.total}, stalls ${stalls}, ` +
          `behind the ingest clock ${latency === null ? "?" : latency.toFixed(2)} s`,
      );
      await page.destroy();
      await page.close();
    }
    console.info(report.join("\n"));
  });

  it("catches up after the stream stalls, then plays at normal speed again", async () => {
    const page = await PlayerPage.open(browser, pages, "worker-src 'self'");
    await page.mount({ baseUrl: ingest.baseUrl, stream: ingest.stream });
    await page.waitForState("live", 10_000);
    await page.waitForPlayback(2, 10_000);
    const before = await page.latency();

    await ingest.stallPublisher(4_000); // the player runs dry, then the encoder's backlog arrives at once
    await page.page.waitForFunction(() => (document.querySelector("video")?.playbackRate ?? 1) > 1, null, { timeout: 15_000 });
    await page.page.waitForFunction(() => document.querySelector("video")?.playbackRate === 1, null, { timeout: 45_000 });
    const after = await page.latency();
    const video = await page.video();
    const ahead = video.buffered.at(-1)![1] - video.currentTime;
    console.info(
      `behind the ingest clock: ${before?.toFixed(2)} s before the stall, ${after?.toFixed(2)} s after catching up; ` +
        `buffered ahead ${ahead.toFixed(2)} s; rates ${(await page.record()).rates.map((r) => r.rate).join(" → ")}`,
    );
    expect(ahead).toBeLessThan(1.5);
    expect((await page.record()).csp).toEqual([]);
    await page.destroy();
    await page.close();
  });

  it("plays plain HLS (whole segments, no blocking reloads) when lowLatency is false", async () => {
    const page = await PlayerPage.open(browser, pages, "worker-src 'self'");
    const urls: string[] = [];
    page.page.on("request", (request) => urls.push(request.url()));
    await page.mount({ baseUrl: ingest.baseUrl, stream: ingest.stream, lowLatency: false });
    await page.waitForState("live", 15_000);
    await page.waitForPlayback(3, 20_000);
    const media = urls.filter((url) => url.includes(`/live/${ingest.stream}/`) && !url.endsWith("status.json"));
    expect(media.some((url) => /\/seg-\d+\.m4s$/.test(url))).toBe(true);
    expect(media.filter((url) => /part-|_HLS_/.test(url))).toEqual([]);
    console.info(`plain HLS: behind the ingest clock ${(await page.latency())?.toFixed(2)} s`);
    expect(page.httpErrors).toEqual([]);
    await page.destroy();
    await page.close();
  });
});
