import path from "node:path";
import { pino } from "pino";
import type { Browser } from "playwright-core";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Recorder } from "../../ingest/src/recording/recorder.js";
import { RecordingStore } from "../../ingest/src/recording/recording-store.js";
import { RecordingSwitches } from "../../ingest/src/recording/recording-switches.js";
import { killPublishers, publish, startTestIngest, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { realShow } from "../ingest/recording/support.js";
import { describeWithChromium, launchChromium } from "./support/chromium.js";
import { PageServer } from "./support/page-server.js";
import { PlayerPage } from "./support/player-page.js";

// The live player's replay mode with the real ingest and a real publisher: live -> ended -> "Watch the
// replay" -> plays and seeks -> the performer returns -> live again, without reloading the page.
describeWithChromium("player: live, ended, replay, live again", () => {
  let browser: Browser;
  let pages: PageServer;
  let ingest: TestIngest;
  let page: PlayerPage;
  let publisher: Publisher | null = null;
  let seeded: string;

  beforeAll(async () => {
    ingest = await startTestIngest(["--grace-s", "2"]);
    // A recording of an earlier show of this stream, next to the ones the running ingest writes.
    const show = await realShow(8, Date.now() - 3_600_000);
    const store = new RecordingStore(path.join(ingest.dir, "recordings"));
    const recorder = new Recorder({
      store,
      switches: new RecordingSwitches(store.root),
      retention: { maxAgeMs: 0, maxBytes: 0 },
      minFreeBytes: 0,
      logger: pino({ level: "silent" }),
      metricsRegistry: new Registry(),
    });
    const recording = recorder.show(ingest.stream);
    for (const segment of show.segments) recording.segment(segment);
    await recording.end();
    seeded = (await store.list(ingest.stream)).at(-1)!.id;
    pages = new PageServer();
    await pages.start();
    browser = await launchChromium();
    page = await PlayerPage.open(browser, pages, "worker-src 'self'");
  });

  afterAll(async () => {
    await browser?.close();
    killPublishers();
    await Promise.allSettled([ingest?.close(), pages?.close()]);
  });

  it("offers the replay once the show has ended, plays and seeks it, and returns to live when the performer is back", async () => {
    await page.page.evaluate((baseUrl) => {
      (window as any).__mount({
        baseUrl,
        stream: "show",
        selectReplays: (body: any) => body.recordings.filter((r: any) => !r.live),
        formatReplay: (r: any) => `replay ${r.id}`,
      });
    }, `http://127.0.0.1:${ingest.ingest.httpPort}/live`);
    publisher = publish(ingest.rtmpUrl(), 60);
    await page.waitForState("live", 20_000);
    await page.waitForPlayback(1, 15_000);
    expect(await page.page.locator(".live-show-watch-replay").count()).toBe(0);

    await publisher.kill();
    await page.waitForState("ended", 20_000);
    const button = page.page.locator(`.live-show-watch-replay[data-replay="${seeded}"]`);
    await button.waitFor({ state: "visible", timeout: 15_000 });
    expect(await button.innerText()).toContain("Watch the replay");
    expect(await button.innerText()).toContain(`replay ${seeded}`);

    await button.click();
    const replayVideo = page.page.locator(".live-show-replay-host video");
    await page.page.waitForFunction(
      () => ((document.querySelector(".live-show-replay-host video") as HTMLVideoElement | null)?.currentTime ?? 0) > 1,
      null,
      {
        timeout: 20_000,
      },
    );
    const duration = await replayVideo.evaluate((v: HTMLVideoElement) => v.duration);
    expect(Math.abs(duration - 8)).toBeLessThan(0.5);
    await replayVideo.evaluate((v: HTMLVideoElement) => {
      v.currentTime = 5;
    });
    await page.page.waitForFunction(
      () => {
        const v = document.querySelector(".live-show-replay-host video") as HTMLVideoElement;
        return !v.seeking && v.currentTime > 5.3;
      },
      null,
      { timeout: 20_000 },
    );
    expect(await page.page.locator(".live-show-watch-replay").count()).toBe(0);

    // The performer is back: the replay goes away and the live show plays, no reload.
    publisher = publish(ingest.rtmpUrl(), 60);
    await page.waitForState("live", 30_000);
    await page.page.waitForFunction(() => document.querySelector(".live-show-replay-host video") === null, null, { timeout: 10_000 });
    expect(await page.page.locator(".live-show-replay-host").isHidden()).toBe(true);
    await page.waitForPlayback(1, 15_000);

    const record = await page.record();
    expect(record.csp).toEqual([]);
    expect(page.httpErrors).toEqual([]);
  });
});
