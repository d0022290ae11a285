import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { Browser } from "playwright-core";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HttpServer } from "../../ingest/src/http/server.js";
import { Recorder } from "../../ingest/src/recording/recorder.js";
import { RecordingLibrary } from "../../ingest/src/recording/recording-library.js";
import { RecordingStore } from "../../ingest/src/recording/recording-store.js";
import { RecordingSwitches } from "../../ingest/src/recording/recording-switches.js";
import { realShow } from "../ingest/recording/support.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { PageServer } from "./support/page-server.js";
import { PlayerPage } from "./support/player-page.js";

// A recording (real segments of a 12 s show with a reconnect in the middle) served by the real HTTP
// server, played by the committed bundle's replay mode in Chromium on a page with Discourse's CSP.
describeWithChromium("replay of a recording in Chromium", () => {
  let browser: Browser;
  let pages: PageServer;
  let server: HttpServer;
  let recorder: Recorder;
  let dir: string;
  let playlistUrl: string;
  let totalS: number;

  beforeAll(async () => {
    const show = await realShow(12);
    totalS = show.segments.reduce((sum, s) => sum + s.durationS, 0);
    dir = await mkdtemp(path.join(tmpdir(), "replay-e2e-"));
    const logger = pino({ level: "silent" });
    const store = new RecordingStore(path.join(dir, "recordings"));
    recorder = new Recorder({
      store,
      switches: new RecordingSwitches(store.root),
      retention: { maxAgeMs: 0, maxBytes: 0 },
      minFreeBytes: 0,
      logger,
      metricsRegistry: new Registry(),
    });
    await recorder.start();
    const recording = recorder.show("show");
    show.segments.forEach((s, i) => recording.segment({ ...s, discontinuity: i === 3 }));
    await recording.end();
    const [summary] = await store.list("show");
    server = new HttpServer({
      host: "127.0.0.1",
      port: 0,
      allowOrigin: "*",
      logger,
      directory: { get: () => undefined, list: () => [] },
      recordings: new RecordingLibrary({ store, recorder, logger }),
    });
    const port = await server.start();
    playlistUrl = `http://127.0.0.1:${port}/live/show/recordings/${summary!.id}/index.m3u8`;
    pages = new PageServer();
    await pages.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.allSettled([server?.close(), pages?.close(), recorder?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("plays as an ordinary video: duration, seek bar, seeking, time display; no CSP violation, no HTTP error", async () => {
    const page = await PlayerPage.open(browser, pages, "worker-src 'self'");
    await page.page.evaluate((url) => {
      (window as any).__handle = (window as any).LiveShowsPlayer.mountReplay(document.getElementById("host"), { playlistUrl: url });
    }, playlistUrl);
    const video = page.page.locator("#host video");
    await page.page.waitForFunction(() => Number.isFinite((document.querySelector("#host video") as HTMLVideoElement)?.duration), null, {
      timeout: 20_000,
    });
    const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
    expect(Math.abs(duration - totalS)).toBeLessThan(0.5);
    await page.page.click("#host .vjs-big-play-button");
    await page.page.waitForFunction(() => (document.querySelector("#host video") as HTMLVideoElement).currentTime > 1, null, {
      timeout: 20_000,
    });
    await page.page.hover("#host video");
    for (const control of [".vjs-progress-control", ".vjs-current-time", ".vjs-duration", ".vjs-play-control", ".vjs-fullscreen-control"]) {
      expect(await page.page.locator(`#host ${control}`).isVisible(), control).toBe(true);
    }
    expect(await page.page.locator("#host .vjs-live-control:visible, #host .vjs-seek-to-live-control:visible").count()).toBe(0);

    // Past the reconnect: the second timeline plays too.
    await video.evaluate((v: HTMLVideoElement) => {
      v.currentTime = 8;
    });
    await page.page.waitForFunction(
      () => {
        const v = document.querySelector("#host video") as HTMLVideoElement;
        return !v.seeking && v.currentTime > 8.5;
      },
      null,
      { timeout: 20_000 },
    );
    const afterSeek = await video.evaluate((v: HTMLVideoElement) => ({ time: v.currentTime, width: v.videoWidth, paused: v.paused }));
    expect(afterSeek.width).toBe(320);
    expect(afterSeek.paused).toBe(false);
    expect(afterSeek.time).toBeLessThan(12);
    expect(await page.page.locator("#host .vjs-duration-display").textContent()).toMatch(/0:1[12]/);

    await page.page.click("#host .vjs-play-control");
    expect(await video.evaluate((v: HTMLVideoElement) => v.paused)).toBe(true);

    const record = await page.page.evaluate(() => (window as any).__test.csp as string[]);
    expect(record).toEqual([]);
    expect(page.httpErrors).toEqual([]);
    await page.page.evaluate(() => (window as any).__handle.destroy());
    expect(await page.page.locator("#host *").count()).toBe(0);
  });
});
